"""Standard Webhooks signing: the only module that touches signing secrets, HMAC and ed25519.

A request is signed over ``{webhook-id}.{webhook-timestamp}.{body}`` with every active secret of the
endpoint; ``webhook-signature`` lists one ``v1,<base64>`` per secret, space-separated, so receivers
keep verifying during a secret rotation.

An endpoint's active secrets are its current one plus each rotated-out one until its
``expires_at`` (``rotated_out`` makes those entries: newest first, at most ``MAX_OLD_SECRETS``).

Asymmetric signatures (``v1a``): an endpoint whose ``signature_scheme`` is ``v1a`` or ``both`` also
holds ed25519 signing keys, each ``v1a,<base64 of the 64-byte signature>`` over the same bytes.
Serialized as the spec and svix do: ``whsk_`` + base64 of the 64-byte secret key (seed, then public
key: libsodium's form) and ``whpk_`` + base64 of the 32-byte public key. The keys rotate like the
secrets: ``rotated_keys`` gives the current key an ``expires_at`` and puts a new one first.
Inbound, a Standard Webhooks source whose secret is a ``whpk_`` key checks ``v1a`` entries with
``verifies_v1a``.
"""

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SECRET_PREFIX = "whsec_"
MAX_OLD_SECRETS = 10
SIGNING_KEY_PREFIX = "whsk_"
PUBLIC_KEY_PREFIX = "whpk_"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def check_secret(secret: str) -> str:
    """A caller-given secret, if it is ``whsec_`` + base64 of 24 to 64 bytes; else ValueError."""
    key = _decode_prefixed(secret, SECRET_PREFIX, "a secret")
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


def generate_signing_key() -> str:
    """A new ed25519 secret key, ``whsk_`` + base64 of seed and public key."""
    return _signing_key_text(secrets.token_bytes(32))


def _signing_key_text(seed: bytes) -> str:
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    return SIGNING_KEY_PREFIX + base64.b64encode(seed + public).decode()


def check_signing_key(secret_key: str) -> str:
    """A caller-given ``whsk_`` key in its 64-byte form (a bare 32-byte seed is completed); else
    ValueError, also when its public half is not the seed's."""
    raw = _decode_prefixed(secret_key, SIGNING_KEY_PREFIX, "a signing key")
    if len(raw) not in (32, 64):
        raise ValueError("a signing key holds 64 bytes (seed and public key) or a 32-byte seed")
    canonical = _signing_key_text(raw[:32])
    if len(raw) == 64 and canonical != secret_key:
        raise ValueError("the signing key's public half does not belong to its seed")
    return canonical


def _decode_prefixed(text: str, prefix: str, what: str) -> bytes:
    """The bytes of ``prefix`` + base64; ValueError naming ``what`` it should have been."""
    if not text.startswith(prefix):
        raise ValueError(f"{what} starts with {prefix!r}")
    try:
        return base64.b64decode(text[len(prefix) :], validate=True)
    except binascii.Error:
        raise ValueError(f"{what} is {prefix} followed by base64") from None


def public_key_of(secret_key: str) -> str:
    """The ``whpk_`` public key of a ``whsk_`` secret key."""
    raw = base64.b64decode(secret_key[len(SIGNING_KEY_PREFIX) :])
    return PUBLIC_KEY_PREFIX + base64.b64encode(raw[32:]).decode()


def rotated_keys(
    keys: Sequence[Mapping[str, Any]], new_key: dict[str, Any], *, now: datetime, grace: timedelta
) -> list[dict[str, Any]]:
    """The signing-key list after a rotation: ``new_key`` first, the current key expiring after
    ``grace``, expired ones dropped (the same overlap and bound as ``rotated_out``)."""
    until = (now + grace).isoformat()
    kept = [
        dict(k) | ({"expires_at": until} if k["expires_at"] is None else {})
        for k in keys
        if k["expires_at"] is None or _expires_at(k["expires_at"]) > now
    ]
    return [new_key, *kept][: MAX_OLD_SECRETS + 1]


def active_signing_keys(
    keys: Sequence[Mapping[str, Any]] | None, *, now: datetime, decrypt: Callable[[str], str]
) -> list[str]:
    """The ed25519 secret keys that sign now: the current one and every unexpired old one."""
    return [
        decrypt(k["secret_encrypted"])
        for k in keys or ()
        if k["expires_at"] is None or _expires_at(k["expires_at"]) > now
    ]


@lru_cache(maxsize=4096)
def _expires_at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@lru_cache(maxsize=65536)
def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


@lru_cache(maxsize=65536)
def _private_key(secret_key: str) -> Ed25519PrivateKey:
    raw = base64.b64decode(secret_key[len(SIGNING_KEY_PREFIX) :])
    return Ed25519PrivateKey.from_private_bytes(raw[:32])


def signature_headers(
    secrets_: Sequence[str],
    *,
    msg_id: str,
    timestamp: datetime,
    body: bytes,
    signing_keys: Sequence[str] = (),
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (the exact bytes that are sent).

    The HMAC is computed here rather than by ``standardwebhooks.Webhook.sign``, which decodes the
    body to text and re-encodes it and builds an HMAC object per call: a fifth of the cost of a
    try's signing, on the hot path. The tests hold both to the same bytes. ``signing_keys`` (ed25519,
    ``whsk_``) add one ``v1a`` signature each after the ``v1`` ones."""
    seconds = int(timestamp.astimezone(UTC).timestamp())
    signed = b"%s.%d.%s" % (msg_id.encode(), seconds, body)
    signatures = " ".join(
        "v1," + base64.b64encode(hmac.digest(_key(s), signed, "sha256")).decode() for s in secrets_
    )
    if signing_keys:
        v1a = " ".join(
            "v1a," + base64.b64encode(_private_key(k).sign(signed)).decode() for k in signing_keys
        )
        signatures = f"{signatures} {v1a}" if signatures else v1a
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": signatures,
    }


def check_public_key(public_key: str) -> str:
    """A ``whpk_`` ed25519 public key (base64 of 32 bytes), as given; else ValueError."""
    if len(_decode_prefixed(public_key, PUBLIC_KEY_PREFIX, "a public key")) != 32:
        raise ValueError("a public key is whpk_ followed by base64 of 32 bytes")
    return public_key


@lru_cache(maxsize=4096)
def _public_key(public_key: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(
        base64.b64decode(public_key[len(PUBLIC_KEY_PREFIX) :])
    )


def verifies_v1a(
    public_key: str, presented: Sequence[str], *, msg_id: str, timestamp_seconds: int, body: bytes
) -> bool:
    """Whether one of the ``presented`` signatures (``webhook-signature`` entries; only the
    ``v1a,`` ones count) is the ed25519 signature of ``{id}.{ts}.{body}`` by ``public_key``'s
    secret key: what a Standard Webhooks sender signing with ``v1a`` sends (inbound)."""
    signed = b"%s.%d.%s" % (msg_id.encode(), timestamp_seconds, body)
    key = _public_key(public_key)
    for entry in presented:
        scheme, _, encoded = entry.partition(",")
        if scheme != "v1a":
            continue
        try:
            key.verify(base64.b64decode(encoded, validate=True), signed)
        except (binascii.Error, ValueError, InvalidSignature):
            continue
        return True
    return False
