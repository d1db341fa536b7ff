"""Transformations through the generated Python SDK against a running ``hookrelay dev``: saved
with the endpoint, previewed, and the transformed body delivered signed to a verifying receiver
and shown in the attempts."""

from __future__ import annotations

import hashlib
import secrets

import pytest
from hookrelay_client.api.endpoints import (
    create_endpoint,
    get_endpoint_secret,
    preview_endpoint_transformation,
    preview_transformation,
)
from hookrelay_client.api.tenants import create_tenant
from hookrelay_client.models import (
    EndpointCreate,
    EndpointOut,
    EndpointSecretOut,
    EndpointTransformationPreview,
    Problem,
    TenantCreate,
    TenantOut,
    Transformation,
    TransformationHeaders,
    TransformationPreview,
    TransformationPreviewOut,
)

from tests.e2e.harness import Stack, start_embedded, start_receiver
from tests.e2e.test_sdk import parsed, publish_invoice, sdk, wait_for_attempt

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

EXPRESSION = "{text: join(' ', ['Invoice', invoice, 'paid:', to_string(amount_cents)])}"
SENT = b'{"text":"Invoice in_1 paid: 4200"}'


def test_sdk_saves_previews_and_delivers_a_transformation(stack: Stack) -> None:
    # Given a dev instance, a verifying receiver, and a tenant through the SDK
    receiver = start_receiver(stack)
    service = start_embedded(stack)
    with sdk(service) as client:
        uid = "tr_" + secrets.token_hex(4)
        tenant = parsed(
            create_tenant.sync(client=client, body=TenantCreate(uid=uid, name=uid)), TenantOut
        )

        # When an endpoint is created with a transformation
        path = f"/sdk/{uid}"
        transformation = Transformation(
            expression=EXPRESSION, headers=TransformationHeaders.from_dict({"X-Shape": "chat"})
        )
        endpoint = parsed(
            create_endpoint.sync(
                tenant.id,
                client=client,
                body=EndpointCreate(
                    url=receiver.url(path), event_types=["*"], transformation=transformation
                ),
            ),
            EndpointOut,
        )
        secret = parsed(
            get_endpoint_secret.sync(tenant.id, endpoint.id, client=client), EndpointSecretOut
        )
        receiver.set_secrets({path: secret.secret})

        # Then it reads back, and both previews show what will be sent
        assert isinstance(endpoint.transformation, Transformation)
        assert endpoint.transformation.expression == EXPRESSION
        sample = {"invoice": "in_1", "amount_cents": 4200}
        preview = parsed(
            preview_transformation.sync(
                tenant.id,
                client=client,
                body=TransformationPreview(expression=EXPRESSION, payload=sample),
            ),
            TransformationPreviewOut,
        )
        assert preview.payload == {"text": "Invoice in_1 paid: 4200"}
        saved = parsed(
            preview_endpoint_transformation.sync(
                tenant.id,
                endpoint.id,
                client=client,
                body=EndpointTransformationPreview(payload=sample),
            ),
            TransformationPreviewOut,
        )
        assert saved.headers.to_dict() == {"X-Shape": "chat"}
        refused = preview_transformation.sync(
            tenant.id,
            client=client,
            body=TransformationPreview(expression="invoice.[", payload=sample),
        )
        assert parsed(refused, Problem).code == "invalid_transformation"

        # And a published event arrives transformed, verified against the signature
        message = publish_invoice(client, tenant, "evt_tr_1")
        attempt = wait_for_attempt(client, tenant, message, stack)
        assert (attempt.status, attempt.status_code) == ("succeeded", 204)
        assert attempt.request_body == SENT.decode()
        (record,) = receiver.wait_for_requests(1, stack=stack)
        assert record["verified"] is True
        assert record["body_sha256"] == hashlib.sha256(SENT).hexdigest()
