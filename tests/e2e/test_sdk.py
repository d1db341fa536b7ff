"""The generated Python SDK (clients/python, package ``hookrelay_client``) against a running
``hookrelay dev``: every call to Hookrelay here goes through the SDK, as an integrator's would."""

from __future__ import annotations

import secrets
from typing import TypeVar

import pytest
from hookrelay_client import AuthenticatedClient
from hookrelay_client.api.endpoints import create_endpoint, get_endpoint, get_endpoint_secret
from hookrelay_client.api.event_types import create_event_type
from hookrelay_client.api.messages import get_message, list_message_attempts, publish_message
from hookrelay_client.api.portal import create_portal_token
from hookrelay_client.api.tenants import create_tenant
from hookrelay_client.models import (
    AttemptOut,
    EndpointCreate,
    EndpointOut,
    EndpointSecretOut,
    EventTypeCreate,
    EventTypeOut,
    MessageCreate,
    MessageCreatePayload,
    MessageOut,
    PageAttemptOut,
    PortalTokenCreate,
    PortalTokenMinted,
    Problem,
    TenantCreate,
    TenantOut,
)

from tests.e2e.harness import Receiver, Service, Stack, start_embedded, start_receiver, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

T = TypeVar("T")


def parsed(value: object, kind: type[T]) -> T:
    """The SDK's parsed answer, which must be a ``kind`` (a Problem says what went wrong)."""
    assert isinstance(value, kind), value
    return value


def sdk(service: Service, token: str | None = None) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=service.base_url, token=token or service.admin_key, timeout=30.0
    )


def set_up(
    client: AuthenticatedClient, receiver: Receiver, uid: str
) -> tuple[TenantOut, EndpointOut]:
    """A tenant with one endpoint on the receiver, whose secret the receiver verifies with."""
    tenant = parsed(
        create_tenant.sync(client=client, body=TenantCreate(uid=uid, name=f"Tenant {uid}")),
        TenantOut,
    )
    path = f"/sdk/{uid}"
    endpoint = parsed(
        create_endpoint.sync(
            tenant.id,
            client=client,
            body=EndpointCreate(url=receiver.url(path), event_types=["invoice.*"]),
        ),
        EndpointOut,
    )
    secret = parsed(
        get_endpoint_secret.sync(tenant.uid, endpoint.id, client=client), EndpointSecretOut
    )
    assert secret.secret.startswith("whsec_")
    receiver.set_secrets({path: secret.secret})
    return tenant, endpoint


def publish_invoice(client: AuthenticatedClient, tenant: TenantOut, event_id: str) -> MessageOut:
    payload = MessageCreatePayload.from_dict({"invoice": "in_1", "amount_cents": 4200})
    body = MessageCreate(event_type="invoice.paid", payload=payload, event_id=event_id)
    return parsed(publish_message.sync(tenant.uid, client=client, body=body), MessageOut)


def wait_for_attempt(
    client: AuthenticatedClient, tenant: TenantOut, message: MessageOut, stack: Stack
) -> AttemptOut:
    def attempts() -> list[AttemptOut]:
        page = list_message_attempts.sync(tenant.id, message.id, client=client)
        return parsed(page, PageAttemptOut).data

    found: list[AttemptOut] = wait_until(
        attempts, timeout_seconds=30, stack=stack, what=f"an attempt of {message.id}"
    )
    assert len(found) == 1, found
    return found[0]


def test_sdk_publishes_and_reads_the_attempts(stack: Stack) -> None:
    # Given a dev instance, a verifying receiver and an SDK client with the admin key
    receiver = start_receiver(stack)
    service = start_embedded(stack)
    with sdk(service) as client:
        # When a tenant, an event type and an endpoint are created through the SDK
        event_type = create_event_type.sync(
            client=client,
            body=EventTypeCreate(name="invoice.paid", description="An invoice was paid"),
        )
        assert parsed(event_type, EventTypeOut).name == "invoice.paid"
        tenant, endpoint = set_up(client, receiver, "sdk_" + secrets.token_hex(4))
        assert endpoint.circuit_state == "closed"
        assert endpoint.tenant_id == tenant.id

        # And an event is published, twice with the same event_id
        message = publish_invoice(client, tenant, "evt_sdk_1")
        replay = publish_invoice(client, tenant, "evt_sdk_1")

        # Then the replay is the same message, and its payload reads back as published
        assert replay.id == message.id
        assert message.id.startswith("msg_")
        read = parsed(get_message.sync(tenant.id, message.id, client=client), MessageOut)
        assert read.payload is not None
        assert read.payload.to_dict() == {"invoice": "in_1", "amount_cents": 4200}

        # And one signed delivery reached the receiver, recorded as a succeeded attempt
        attempt = wait_for_attempt(client, tenant, message, stack)
        assert (attempt.status, attempt.status_code) == ("succeeded", 204)
        assert attempt.endpoint_id == endpoint.id
        records = receiver.wait_for_requests(1, stack=stack)
        assert [(r["webhook_id"], r["verified"]) for r in records] == [(message.id, True)]


def test_sdk_errors_are_typed_problems(stack: Stack) -> None:
    # Given two tenants, each with an endpoint
    receiver = start_receiver(stack)
    service = start_embedded(stack)
    with sdk(service) as client:
        tenant, _ = set_up(client, receiver, "own_" + secrets.token_hex(4))
        _, other_endpoint = set_up(client, receiver, "other_" + secrets.token_hex(4))

        # When one tenant's route is asked for the other tenant's endpoint: a 404 problem
        answer = get_endpoint.sync_detailed(tenant.id, other_endpoint.id, client=client)
        assert answer.status_code == 404
        assert parsed(answer.parsed, Problem).code == "endpoint_not_found"

        # And a second tenant with the same uid is a 409 problem
        again = create_tenant.sync_detailed(
            client=client, body=TenantCreate(uid=tenant.uid, name="Again")
        )
        assert (again.status_code, parsed(again.parsed, Problem).code) == (409, "tenant_exists")

    # And a wrong key is a 401 problem
    with sdk(service, token="hr_wrong") as stranger:
        refused = get_endpoint.sync_detailed(tenant.id, other_endpoint.id, client=stranger)
        assert refused.status_code == 401
        assert parsed(refused.parsed, Problem).code == "invalid_credentials"


def test_portal_token_works_on_its_own_tenant_only(stack: Stack) -> None:
    # Given two tenants with an endpoint each, and a published message of the first
    receiver = start_receiver(stack)
    service = start_embedded(stack)
    with sdk(service) as admin:
        tenant, endpoint = set_up(admin, receiver, "portal_" + secrets.token_hex(4))
        other, other_endpoint = set_up(admin, receiver, "stranger_" + secrets.token_hex(4))
        message = publish_invoice(admin, tenant, "evt_portal_1")

        # When a portal token is minted for the first tenant
        minted = create_portal_token.sync_detailed(
            tenant.id, client=admin, body=PortalTokenCreate(description="support session")
        )
        assert minted.status_code == 201, minted.content
        portal = parsed(minted.parsed, PortalTokenMinted)
        assert portal.tenant_id == tenant.id
        assert "/portal/login?code=" in portal.magic_link

    with sdk(service, token=portal.token) as customer:
        # Then it reads its own tenant's endpoint and the attempts of its message
        own = get_endpoint.sync(tenant.uid, endpoint.id, client=customer)
        assert parsed(own, EndpointOut).id == endpoint.id
        attempt = wait_for_attempt(customer, tenant, message, stack)
        assert attempt.endpoint_id == endpoint.id

        # And the other tenant's endpoint is a 404 under its own tenant
        answer = get_endpoint.sync_detailed(tenant.id, other_endpoint.id, client=customer)
        assert answer.status_code == 404
        assert parsed(answer.parsed, Problem).code == "endpoint_not_found"

        # And the other tenant's own routes are a 404 too: they do not exist for this token
        refused = get_endpoint.sync_detailed(other.id, other_endpoint.id, client=customer)
        assert refused.status_code == 404
        assert parsed(refused.parsed, Problem).code == "tenant_not_found"

        # And admin routes are refused
        forbidden = create_portal_token.sync_detailed(tenant.id, client=customer)
        assert forbidden.status_code == 403
        assert parsed(forbidden.parsed, Problem).code == "admin_only"
