"""The HMAC, secret and timestamp rules every signed preset shares (one copy, constant-time).

A secret is used in one of two ways: ``utf8`` (Stripe, Slack, Paddle, GitHub, …: the whole string
as the provider shows it, prefix included) or ``base64`` (what follows an optional ``whsec_``,
decoded: Standard Webhooks' keys, whose HMAC itself is ``app.kit.signing``'s, the outbound one).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from app.kit import signing
from app.sources.providers.base import Rejected, SourceSecret

Algorithm = Literal["sha1", "sha256", "sha512"]
Encoding = Literal["hex", "base64"]
KeyMode = Literal["utf8", "base64"]
ALGORITHMS: tuple[Algorithm, ...] = ("sha1", "sha256", "sha512")
ENCODINGS: tuple[Encoding, ...] = ("hex", "base64")
# A provider that only bounds the past (Stripe, HubSpot) still gets no timestamp from
# further ahead than this: a clock skew allowance, not a replay window.
FUTURE_SKEW_SECONDS = 300
_YEAR_10000 = 253_402_300_800  # past what a datetime holds


def usable(secrets: Sequence[SourceSecret], *, now: datetime) -> list[str]:
    """The unexpired secret values; none at all is ``secret_missing`` (fail closed)."""
    values = [s.value for s in secrets if s.value and (s.expires_at is None or s.expires_at > now)]
    if not values:
        raise Rejected("secret_missing", "the source has no unexpired secret")
    return values


def key(secret: str, mode: KeyMode) -> bytes:
    if mode == "utf8":
        return secret.encode()
    try:
        return decode_base64_key(secret)
    except ValueError as exc:  # refused when saved; a stored one that is not base64 fails closed
        raise Rejected("secret_invalid", str(exc)) from None


def encode(raw: bytes, encoding: Encoding) -> str:
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode()


@dataclass(frozen=True, slots=True)
class Scheme:
    """How a preset's signature is computed from the signed bytes."""

    algorithm: Algorithm = "sha256"
    encoding: Encoding = "hex"
    prefix: str = ""  # before the digest in the header: "sha256=", "v0=", …
    key_mode: KeyMode = "utf8"
    # "hash": a plain hash of key + message (HubSpot's legacy v1/v2, which predate its HMAC)
    construction: Literal["hmac", "hash"] = "hmac"

    def sign(self, secret: str, message: bytes) -> str:
        if self.construction == "hmac":
            raw = hmac.digest(key(secret, self.key_mode), message, self.algorithm)
        else:
            raw = hashlib.new(self.algorithm, key(secret, self.key_mode) + message).digest()
        return self.prefix + encode(raw, self.encoding)


def any_equal(expected: str, presented: Iterable[str]) -> bool:
    """Whether ``expected`` is among ``presented``, each compared in constant time."""
    found = False
    for candidate in presented:
        found |= hmac.compare_digest(expected.encode(), candidate.encode())
    return found


def matching_secret(
    secrets: Sequence[str], messages: Sequence[bytes], presented: Sequence[str], scheme: Scheme
) -> str:
    """The secret whose signature of one of ``messages`` is presented; else signature_invalid."""
    for secret in secrets:
        if any(any_equal(scheme.sign(secret, message), presented) for message in messages):
            return secret
    raise Rejected("signature_invalid", "no secret of the source produced this signature")


def pairs(text: str, separator: str) -> list[tuple[str, str]]:
    """``t=1,v1=ab`` (Stripe) or ``ts=1;h1=ab`` (Paddle) as (key, value) pairs."""
    items = (item.partition("=") for item in text.split(separator))
    return [(k.strip(), v.strip()) for k, sep, v in items if sep]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_timestamp(text: str | None, *, unit_ms: bool = False) -> float:
    """Seconds since the epoch from a provider's integer timestamp (seconds, or milliseconds)."""
    if text is None or text == "":
        raise Rejected("timestamp_missing", "the request carries no timestamp")
    try:
        value = int(text.strip())
    except ValueError:
        raise Rejected("timestamp_invalid", "the timestamp is not an integer") from None
    seconds = value / 1000 if unit_ms else float(value)
    if not 0 <= seconds < _YEAR_10000:
        raise Rejected("timestamp_invalid", "the timestamp is not a time")
    return seconds


def check_timestamp(
    seconds: float, *, now: datetime, tolerance_seconds: int, past_only: bool = False
) -> None:
    """Refuse a timestamp outside the window: ``timestamp_stale`` or ``timestamp_future``."""
    age = now.timestamp() - seconds
    if age > tolerance_seconds:
        raise Rejected("timestamp_stale", f"signed {int(age)} s ago, more than {tolerance_seconds}")
    ahead = FUTURE_SKEW_SECONDS if past_only else tolerance_seconds
    if -age > ahead:
        raise Rejected("timestamp_future", f"signed {int(-age)} s ahead of this server's clock")


def decode_base64_key(secret: str) -> bytes:
    """A base64 key (Standard Webhooks: after ``whsec_``), or ValueError when it is not base64."""
    try:
        raw = base64.b64decode(secret.removeprefix(signing.SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("this secret is base64 (after an optional whsec_)") from None
    if not raw:
        raise ValueError("this secret is base64 (after an optional whsec_)")
    return raw


_NOT_RSA = "this secret is an RSA public key in PEM (-----BEGIN PUBLIC KEY-----)"


@lru_cache(maxsize=256)
def rsa_public_key(pem: str) -> RSAPublicKey:
    """An RSA public key in PEM (Paddle Classic's), or ValueError."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError(_NOT_RSA) from None
    if not isinstance(key, RSAPublicKey):
        raise ValueError(_NOT_RSA)
    return key


def rsa_sha1_verifies(pem: str, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is the PKCS#1 v1.5 SHA-1 signature of ``message`` by ``pem``'s key
    (a stored key that no longer loads fails closed as ``secret_invalid``)."""
    try:
        key = rsa_public_key(pem)
    except ValueError as exc:
        raise Rejected("secret_invalid", str(exc)) from None
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return False
    return True
