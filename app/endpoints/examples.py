"""Test events: publish one message to a single endpoint, so a customer can see it arrive."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints.schemas import EndpointTestEvent
from app.errors import Conflict
from app.event_types import service as event_types
from app.messages import repository as message_rows
from app.messages import service as messages
from app.messages.schemas import MessageCreate
from app.models import Endpoint, Tenant

TEST_EVENT_TYPE = "hookrelay.test"
# Every test event says so to its receiver (guarantee 10): a portal user may send one, with the
# payload it likes, so a receiver must be able to tell it from the platform's own events.
TEST_EVENT_HEADERS = {"content-type": "application/json", "x-hookrelay-test": "true"}


def default_event_type(endpoint: Endpoint) -> str:
    """The endpoint's first exact (non-wildcard) subscription, else ``hookrelay.test``."""
    exact = (p for p in endpoint.event_types if p != "*" and not p.endswith(".*"))
    return next(exact, TEST_EVENT_TYPE)


async def send_test_event(
    session: AsyncSession,
    tenant: Tenant,
    endpoint: Endpoint,
    data: EndpointTestEvent,
    *,
    max_payload_bytes: int,
    deliveries_per_task: int,
) -> messages.Published:
    """Publish a test message delivered to ``endpoint`` only; its payload defaults to the type's
    example (it is checked against the type's schema like any publish)."""
    if endpoint.disabled:
        raise Conflict(
            f"endpoint {endpoint.id!r} is disabled; enable it first", code="endpoint_disabled"
        )
    event_type = data.event_type or default_event_type(endpoint)
    payload = data.payload
    if payload is None:
        found = await event_types.find(session, event_type)
        payload = found.example if found is not None else None
    if payload is None:
        payload = {"test": True, "endpoint_id": endpoint.id}
    (published,) = await messages.publish_many(
        session,
        tenant,
        [MessageCreate(event_type=event_type, payload=payload)],
        max_payload_bytes=max_payload_bytes,
        deliveries_per_task=deliveries_per_task,
        only_endpoint=endpoint,
    )
    await message_rows.set_send_headers(session, published.message.id, TEST_EVENT_HEADERS)
    return published
