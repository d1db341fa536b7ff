"""Signing-key routes: the authenticated management of one endpoint's keys, and the public,
cacheable key documents under ``/.well-known/hookrelay/``.

The documents are addressed by tenant id only, never by ``uid`` (the platform's own id, which
may be guessable): a tenant id holds 80 random bits (``app.kit.ids``), so it cannot be found by
guessing, and an unknown tenant answers the same 404 as one without ``v1a`` endpoints. A separate
key-set id would add a secret to issue and rotate for keys that are public by nature.
"""

import hashlib
from typing import Any, cast

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from app.endpoints import service as endpoints
from app.kit.deps import Session
from app.kit.pagination import Page
from app.signing_keys import service
from app.signing_keys.schemas import (
    KeysDocument,
    SigningKeyOut,
    SigningKeyRotate,
    SigningKeySecretOut,
)
from app.tenants import service as tenants

# Well under the rotation grace (24 h by default): a receiver's cached copy always still lists a
# key that signs, since the key it replaced keeps signing for the whole grace.
DOCUMENT_MAX_AGE_SECONDS = 300


class SigningKeyController(Controller):
    path = "/api/v1/tenants/{tenant:str}/endpoints/{endpoint:str}/signing-keys"
    tags = ["endpoints"]

    @get("/", operation_id="list_signing_keys")
    async def list_(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> Page[SigningKeyOut]:
        """List the endpoint's ed25519 public keys that sign now (current first)."""
        found = await endpoints.get(session, await tenants.get(session, tenant), endpoint)
        return Page(data=service.public_keys(found), next_cursor=None)

    @post("/rotate", operation_id="rotate_signing_key", status_code=200)
    async def rotate(
        self,
        session: Session,
        state: State,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        data: JSONBody[SigningKeyRotate | None] = None,
    ) -> SigningKeyOut:
        """Rotate the ed25519 key; the old one keeps signing for the grace period (24 h)."""
        found = await endpoints.get(session, await tenants.get(session, tenant), endpoint)
        return await service.rotate(
            session,
            found,
            state.secret_box,
            secret_key=data.secret_key if data is not None else None,
            grace_hours=state.settings.secret_rotation_grace_hours,
        )

    @get("/secret", operation_id="get_signing_key_secret")
    async def secret(
        self, session: Session, state: State, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> SigningKeySecretOut:
        """Reveal the endpoint's current ed25519 secret key (receivers need only the public one)."""
        found = await endpoints.get(session, await tenants.get(session, tenant), endpoint)
        return service.current_secret(found, state.secret_box)


class KeysDocumentController(Controller):
    path = "/.well-known/hookrelay/{tenant:str}"
    tags = ["keys"]

    @get("/keys.json", operation_id="get_tenant_keys_document")
    async def tenant_document(
        self, session: Session, request: Request[Any, Any, Any], tenant: FromPath[str]
    ) -> Response[KeysDocument]:
        """The public keys that verify this tenant's v1a signatures (no credentials, cacheable)."""
        return _cacheable(request, await service.document(session, tenant))

    @get("/endpoints/{endpoint:str}/keys.json", operation_id="get_endpoint_keys_document")
    async def endpoint_document(
        self,
        session: Session,
        request: Request[Any, Any, Any],
        tenant: FromPath[str],
        endpoint: FromPath[str],
    ) -> Response[KeysDocument]:
        """The public keys that verify one endpoint's v1a signatures (no credentials, cacheable)."""
        return _cacheable(request, await service.document(session, tenant, endpoint_id=endpoint))


def _cacheable(request: Request[Any, Any, Any], document: KeysDocument) -> Response[KeysDocument]:
    """The document with its validators; 304 when the receiver's copy is still the same."""
    etag = '"' + hashlib.sha256(msgspec.json.encode(document)).hexdigest()[:32] + '"'
    headers = {
        "cache-control": f"public, max-age={DOCUMENT_MAX_AGE_SECONDS}",
        "etag": etag,
    }
    if etag in request.headers.get("if-none-match", "").replace("W/", "").split(", "):
        # Without a body (HTTP forbids one on a 304); typed as the 200 for the schema.
        return cast("Response[KeysDocument]", Response(None, status_code=304, headers=headers))
    return Response(document, headers=headers)
