"""End to end, on both runtime shapes: a customer runs its own endpoint with nothing but a portal
token, and sees its deliveries, while the platform publishes with its admin key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.harness import (
    Service,
    Stack,
    fresh_database,
    reset_rabbitmq,
    start_embedded,
    start_production,
    start_receiver,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

INVOICE_SCHEMA = {
    "type": "object",
    "properties": {"amount": {"type": "integer"}, "currency": {"type": "string"}},
    "required": ["amount"],
}


# Two tries a second apart, then failed; the circuit stays closed (this is about the log).
SHORT_RETRIES = {
    "HOOKRELAY_RETRY_SCHEDULE": "1",
    "HOOKRELAY_RETRY_JITTER": "0",
    "HOOKRELAY_SCHEDULER_INTERVAL_SECONDS": "0.5",
    "HOOKRELAY_CIRCUIT_FAILURE_THRESHOLD": "100000",
}


@pytest.fixture(params=["embedded", "production"])
def service(request: pytest.FixtureRequest, stack: Stack) -> Iterator[Service]:
    if request.param == "embedded":
        yield start_embedded(stack, settings=SHORT_RETRIES)
        return
    with fresh_database() as url:
        try:
            yield start_production(
                stack, database_url=url, broker_url=reset_rabbitmq(), settings=SHORT_RETRIES
            )
        finally:
            stack.stop_all()


def portal_client(service: Service, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=service.base_url, headers={"authorization": f"Bearer {token}"}, timeout=30
    )


def published(admin: httpx.Client, tenant: str, amounts: list[int]) -> list[str]:
    ids = []
    for amount in amounts:
        answer = admin.post(
            f"/api/v1/tenants/{tenant}/messages",
            json={"event_type": "invoice.paid", "payload": {"amount": amount}},
        )
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["id"])
    return ids


def test_customer_manages_its_endpoint_with_a_portal_token(stack: Stack, service: Service) -> None:
    receiver = start_receiver(stack)
    admin = service.client()
    # The platform: a tenant, a catalog entry with a schema and example, and a portal token.
    for tenant in ("acme", "globex"):
        assert admin.post("/api/v1/tenants", json={"uid": tenant, "name": tenant}).is_success
    answer = admin.post(
        "/api/v1/event-types",
        json={
            "name": "invoice.paid",
            "description": "An invoice was paid",
            "schema": INVOICE_SCHEMA,
            "example": {"amount": 4200, "currency": "eur"},
        },
    )
    assert answer.status_code == 201, answer.text
    globex_ep = admin.post(
        "/api/v1/tenants/globex/endpoints", json={"url": receiver.url("/globex")}
    ).json()
    minted = admin.post("/api/v1/tenants/acme/portal-tokens", json={}).json()
    link = httpx.get(minted["magic_link"], timeout=10)
    assert link.status_code == 200, link.text
    token = link.json()["token"]

    # The customer, with the token from its magic link: an endpoint for large invoices only.
    with portal_client(service, token) as portal:
        catalog = portal.get("/api/v1/event-types").json()["data"]
        assert catalog[0]["example"] == {"amount": 4200, "currency": "eur"}
        created = portal.post(
            "/api/v1/tenants/acme/endpoints",
            json={
                "url": receiver.url("/acme"),
                "event_types": ["invoice.*"],
                "payload_filter": {"path": "$.amount", "op": "gt", "value": 100},
                "headers": {"x-customer": "acme"},
            },
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        path = f"/api/v1/tenants/acme/endpoints/{endpoint['id']}"
        receiver.set_secrets({"/acme": portal.get(f"{path}/secret").json()["secret"]})

        # Only the payloads that pass the filter are delivered, and they verify.
        published(admin, "acme", [50, 150, 10, 200])
        assert (
            admin.post(
                "/api/v1/tenants/acme/messages",
                json={"event_type": "invoice.paid", "payload": {"amount": "lots"}},
            ).status_code
            == 422
        )
        records = receiver.wait_for_requests(2, stack=stack)
        assert [r["verified"] for r in records] == [True, True]

        # A rotation: both secrets sign during the grace period, so the receiver's old one
        # still verifies, and so does the new one once the receiver switches.
        rotated = portal.post(f"{path}/secret/rotate", json={})
        assert rotated.status_code in (200, 201), rotated.text
        published(admin, "acme", [300])
        receiver.wait_for_requests(3, stack=stack)
        receiver.set_secrets({"/acme": portal.get(f"{path}/secret").json()["secret"]})
        test_event = portal.post(f"{path}/test", json={})
        assert test_event.status_code == 202, test_event.text
        records = receiver.wait_for_requests(4, stack=stack)
        assert [r["verified"] for r in records] == [True] * 4
        assert records[-1]["webhook_id"] == test_event.json()["id"]

        # The delivery log shows the customer its messages and every try.
        messages = portal.get("/api/v1/tenants/acme/messages").json()["data"]
        assert len(messages) == 6  # 5 published (the invalid one was refused) + the test event
        delivered = [r["webhook_id"] for r in records]

        def attempts_recorded() -> bool:
            for message_id in delivered:
                found = portal.get(f"/api/v1/tenants/acme/messages/{message_id}/attempts")
                if [a["status"] for a in found.json()["data"]] != ["succeeded"]:
                    return False
            return True

        wait_until(attempts_recorded, timeout_seconds=30, stack=stack, what="attempts")

        # Nothing of another tenant is reachable, and admin routes are closed.
        foreign = portal.get(f"/api/v1/tenants/globex/endpoints/{globex_ep['id']}")
        assert foreign.status_code == 404
        assert portal.get("/api/v1/tenants").status_code == 403
        assert portal.post("/api/v1/tenants/acme/portal-tokens", json={}).status_code == 403

        # Disabling from the portal stops deliveries; publishing still succeeds.
        assert portal.post(f"{path}/disable", json={"reason": "maintenance"}).is_success
        shown: dict[str, Any] = portal.get(path).json()
        assert (shown["disabled"], shown["disabled_reason"]) == (True, "maintenance")

    # Revoked: the token stops working at once (this API process's cache is cleared).
    assert admin.delete(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}").status_code == 204
    with portal_client(service, token) as portal:
        assert portal.get("/api/v1/tenants/acme/endpoints").status_code == 401
    admin.close()


def test_customer_sees_and_recovers_what_never_arrived(stack: Stack, service: Service) -> None:
    receiver = start_receiver(stack)
    admin = service.client()
    assert admin.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"}).is_success
    token = admin.post("/api/v1/tenants/acme/portal-tokens", json={}).json()["token"]
    with portal_client(service, token) as portal:
        # An endpoint whose secret the receiver does not know yet: every try answers 401.
        endpoint = portal.post(
            "/api/v1/tenants/acme/endpoints", json={"url": receiver.url("/acme")}
        ).json()
        path = f"/api/v1/tenants/acme/endpoints/{endpoint['id']}"
        first, second = published(admin, "acme", [1, 2])

        def undelivered() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = portal.get("/api/v1/tenants/acme/undelivered").json()[
                "data"
            ]
            return found

        wait_until(
            lambda: len(undelivered()) == 2, timeout_seconds=60, stack=stack, what="2 undelivered"
        )
        assert {u["message_id"] for u in undelivered()} == {first, second}
        assert {u["attempt_count"] for u in undelivered()} == {2}
        stats = {w["window"]: w for w in portal.get(f"{path}/stats").json()["windows"]}
        assert (stats["1h"]["total"], stats["1h"]["succeeded"], stats["1h"]["failed"]) == (4, 0, 4)
        assert stats["7d"]["success_rate"] == 0

        # The receiver learns the secret; the customer resends one message by hand.
        receiver.set_secrets({"/acme": portal.get(f"{path}/secret").json()["secret"]})
        resent = portal.post(
            f"/api/v1/tenants/acme/messages/{first}/endpoints/{endpoint['id']}/resend"
        )
        assert resent.status_code == 202, resent.text

        def manual_attempt() -> dict[str, Any] | None:
            attempts = portal.get(f"/api/v1/tenants/acme/messages/{first}/attempts").json()["data"]
            manual = [a for a in attempts if a["trigger"] == "manual"]
            return manual[0] if manual else None

        wait_until(
            lambda: manual_attempt() is not None, timeout_seconds=30, stack=stack, what="resend"
        )
        attempt = manual_attempt()
        assert attempt is not None and attempt["status"] == "succeeded"
        assert attempt["request_headers"]["webhook-signature"] == "[redacted]"
        assert attempt["request_headers"]["webhook-id"] == first

        # Then everything else that failed since the start, in the background.
        recovery = portal.post(f"{path}/recover", json={"since": "2020-01-01T00:00:00Z"})
        assert recovery.status_code == 202, recovery.text

        def recovered() -> bool:
            shown = portal.get(f"{path}/recoveries/{recovery.json()['id']}").json()
            return bool(shown["status"] == "done") and not undelivered()

        wait_until(recovered, timeout_seconds=60, stack=stack, what="recovery")
        shown = portal.get(f"{path}/recoveries/{recovery.json()['id']}").json()
        assert (shown["total"], shown["requeued"]) == (1, 1)
        verified = [
            r["webhook_id"] for r in receiver.wait_for_requests(6, stack=stack) if r["verified"]
        ]
        assert sorted(verified) == sorted([first, second])
    admin.close()
