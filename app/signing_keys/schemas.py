from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

# An example pair, for the API documentation only.
_SECRET_EXAMPLE = (
    "whsk_N0bABxMVVzwySu4W+WORWWlncbBIZElZPDguNOkHgH8rsdKTCfXjuHsrTsETc6VvPiEWxWMyu8BNTdLcHk8MYg=="
)
_PUBLIC_EXAMPLE = "whpk_K7HSkwn147h7K07BE3Olbz4hFsVjMrvATU3S3B5PDGI="

SignatureScheme = Literal["v1", "v1a", "both"]
SigningKey = Annotated[
    str,
    Meta(
        min_length=10,
        max_length=200,
        pattern=r"^whsk_[A-Za-z0-9+/=]+$",
        examples=[_SECRET_EXAMPLE],
    ),
]
PublicKey = Annotated[str, Meta(examples=[_PUBLIC_EXAMPLE])]


class SigningKeyOut(msgspec.Struct):
    """One ed25519 public key of an endpoint; ``valid_until`` is null for the current key and set
    for one that is rotating out (it signs until then)."""

    id: str
    endpoint_id: str
    algorithm: str  # ed25519
    public_key: PublicKey  # whpk_ + base64 of the 32-byte public key
    status: str  # active or rotating_out
    valid_from: datetime
    valid_until: datetime | None


class SigningKeySecretOut(msgspec.Struct):
    """The endpoint's current ed25519 secret key (``whsk_`` + base64 of seed and public key)."""

    id: str
    secret_key: SigningKey
    public_key: PublicKey


class SigningKeyRotate(msgspec.Struct, forbid_unknown_fields=True):
    """A secret key to rotate to (``whsk_``, 64 bytes or a 32-byte seed); omitted: one is made."""

    secret_key: SigningKey | None = None


class KeysDocument(msgspec.Struct):
    """The public keys that verify a tenant's ``v1a`` signatures: every endpoint that signs with
    ``v1a`` or ``both``, its current key and those rotating out. Never holds a secret key."""

    tenant_id: str
    keys: list[SigningKeyOut]
