"""Standard Webhooks signing: the only module that touches signing secrets and HMAC.

A request is signed over ``{webhook-id}.{webhook-timestamp}.{body}`` with every active secret of the
endpoint; ``webhook-signature`` lists one ``v1,<base64>`` per secret, space-separated, so receivers
keep verifying during a secret rotation.

An endpoint's active secrets are its current one plus each rotated-out one until its
``expires_at`` (``rotated_out`` makes those entries: newest first, at most ``MAX_OLD_SECRETS``).
"""

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

SECRET_PREFIX = "whsec_"
MAX_OLD_SECRETS = 10


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def check_secret(secret: str) -> str:
    """A caller-given secret, if it is ``whsec_`` + base64 of 24 to 64 bytes; else ValueError."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("a secret is whsec_ followed by base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("a secret holds 24 to 64 bytes")
    return secret


def rotated_out(
    current_encrypted: str,
    old_secrets: Sequence[Mapping[str, str]],
    *,
    now: datetime,
    grace: timedelta,
) -> list[dict[str, str]]:
    """The old-secret list after a rotation: the current secret first, expired ones dropped."""
    kept = [dict(s) for s in old_secrets if _expires_at(s["expires_at"]) > now]
    entry = {"secret_encrypted": current_encrypted, "expires_at": (now + grace).isoformat()}
    return [entry, *kept][:MAX_OLD_SECRETS]


def active_secrets(
    current_encrypted: str,
    old_secrets: Sequence[Mapping[str, str]] | None,
    *,
    now: datetime,
    decrypt: Callable[[str], str],
) -> list[str]:
    """The secrets that sign now: the current one and every unexpired old one, decrypted."""
    active = [decrypt(current_encrypted)]
    for old in old_secrets or ():
        if _expires_at(old["expires_at"]) > now:
            active.append(decrypt(old["secret_encrypted"]))
    return active


@lru_cache(maxsize=4096)
def _expires_at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@lru_cache(maxsize=65536)
def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature_headers(
    secrets_: Sequence[str], *, msg_id: str, timestamp: datetime, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (the exact bytes that are sent).

    The HMAC is computed here rather than by ``standardwebhooks.Webhook.sign``, which decodes the
    body to text and re-encodes it and builds an HMAC object per call: a fifth of the cost of a
    try's signing, on the hot path. The tests hold both to the same bytes."""
    seconds = int(timestamp.astimezone(UTC).timestamp())
    signed = b"%s.%d.%s" % (msg_id.encode(), seconds, body)
    signatures = " ".join(
        "v1," + base64.b64encode(hmac.digest(_key(s), signed, "sha256")).decode() for s in secrets_
    )
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": signatures,
    }
