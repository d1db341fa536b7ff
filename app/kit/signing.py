"""Standard Webhooks signing: the only module that touches signing secrets and HMAC.

A request is signed over ``{webhook-id}.{webhook-timestamp}.{body}`` with every active secret of the
endpoint; ``webhook-signature`` lists one ``v1,<base64>`` per secret, space-separated, so receivers
keep verifying during a secret rotation.
"""

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


@lru_cache(maxsize=65536)
def _webhook(secret: str) -> Webhook:
    return Webhook(secret)


def signature_headers(
    secrets_: Sequence[str], *, msg_id: str, timestamp: datetime, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (the exact bytes that are sent)."""
    utc = timestamp.astimezone(UTC)
    text = body.decode()
    signatures = " ".join(_webhook(s).sign(msg_id, utc, text) for s in secrets_)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(utc.timestamp())),
        "webhook-signature": signatures,
    }
