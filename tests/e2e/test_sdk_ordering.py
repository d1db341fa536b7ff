"""Ordered delivery through the generated Python SDK against a running ``hookrelay dev``: an
ordered endpoint created with the SDK gets each key's messages in publish order, and its live
keys read back through the SDK."""

from __future__ import annotations

import secrets

import pytest
from hookrelay_client.api.delivery_log import list_ordering_keys
from hookrelay_client.api.endpoints import create_endpoint, get_endpoint_secret
from hookrelay_client.api.messages import publish_message
from hookrelay_client.api.tenants import create_tenant
from hookrelay_client.models import (
    EndpointCreate,
    EndpointCreateOrderingFailurePolicy,
    EndpointOut,
    EndpointSecretOut,
    MessageCreate,
    MessageCreatePayload,
    MessageOut,
    PageOrderingKeyOut,
    TenantCreate,
    TenantOut,
)

from tests.e2e.harness import Stack, start_embedded, start_receiver, wait_until
from tests.e2e.test_sdk import parsed, sdk

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_sdk_sets_up_an_ordered_endpoint_and_each_key_arrives_in_publish_order(
    stack: Stack,
) -> None:
    # Given a dev instance, a verifying receiver, and an ordered endpoint made through the SDK
    receiver = start_receiver(stack)
    service = start_embedded(stack)
    uid = "sdk_ord_" + secrets.token_hex(4)
    with sdk(service) as client:
        tenant = parsed(
            create_tenant.sync(client=client, body=TenantCreate(uid=uid, name=uid)), TenantOut
        )
        policy: EndpointCreateOrderingFailurePolicy = "hold"
        endpoint = parsed(
            create_endpoint.sync(
                tenant.id,
                client=client,
                body=EndpointCreate(
                    url=receiver.url(f"/ordered/{uid}"),
                    event_types=["order.*"],
                    ordered=True,
                    ordering_failure_policy=policy,
                ),
            ),
            EndpointOut,
        )
        assert (endpoint.ordered, endpoint.ordering_failure_policy) == (True, "hold")
        secret = parsed(
            get_endpoint_secret.sync(tenant.uid, endpoint.id, client=client), EndpointSecretOut
        )
        receiver.set_secrets({f"/ordered/{uid}": secret.secret})

        # When 30 messages over 3 keys are published through the SDK, interleaved
        published: dict[str, list[str]] = {"cus_a": [], "cus_b": [], "cus_c": []}
        for n in range(30):
            key = list(published)[n % 3]
            body = MessageCreate(
                event_type="order.updated",
                payload=MessageCreatePayload.from_dict({"n": n, "customer": key}),
                ordering_key=key,
            )
            message = parsed(publish_message.sync(tenant.uid, client=client, body=body), MessageOut)
            assert message.ordering_key == key
            published[key].append(message.id)

        # Then every key's messages arrive verified, once each, in publish order
        records = receiver.wait_for_requests(30, stack=stack)
        assert all(r["verified"] for r in records)
        arrived = [r["webhook_id"] for r in records]
        assert sorted(arrived) == sorted(i for ids in published.values() for i in ids)
        for ids in published.values():
            assert [i for i in arrived if i in ids] == ids

        # And once the last results are stored, no key is live (nor held)
        def live_keys() -> bool:
            page = list_ordering_keys.sync(tenant.uid, endpoint.id, client=client)
            return parsed(page, PageOrderingKeyOut).data == []

        wait_until(live_keys, timeout_seconds=30, stack=stack, what="the keys to be done")
