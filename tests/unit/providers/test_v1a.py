"""Standard Webhooks ``v1a`` inbound: a ``whpk_`` secret checks ed25519 entries only, an HMAC
secret ``v1`` entries only, and a source holding both (a sender moving between the two) takes
either. Signatures are made by PyNaCl (libsodium), apart from the OpenSSL code that verifies."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime

import pytest

from app.kit import signing
from app.sources.providers import InboundRequest, Rejected, SourceSecret, provider
from tests.unit.providers.cases import SW_BODY, WHPK, WHSEC, standard_sign, v1a_sign

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
PRESET = provider("standard_webhooks")


def verify(request: InboundRequest, *secrets: str) -> None:
    PRESET.verify(request, [SourceSecret(s) for s in secrets], {}, now=NOW)


def cause(request: InboundRequest, *secrets: str) -> str:
    with pytest.raises(Rejected) as rejected:
        verify(request, *secrets)
    return rejected.value.cause


class TestV1a:
    def test_a_public_key_refuses_an_hmac_signature_and_an_hmac_secret_a_v1a_one(self) -> None:
        assert cause(standard_sign(WHSEC, NOW), WHPK) == "signature_invalid"
        assert cause(v1a_sign(WHPK, NOW), WHSEC) == "signature_invalid"

    def test_a_source_with_both_kinds_accepts_either_signature(self) -> None:
        verify(standard_sign(WHSEC, NOW), WHPK, WHSEC)
        verify(v1a_sign(WHPK, NOW), WHSEC, WHPK)

    def test_svix_headers_carry_v1a_too(self) -> None:
        request = v1a_sign(WHPK, NOW)
        headers = {k.replace("webhook-", "svix-"): v for k, v in request.headers.items()}
        verify(dataclasses.replace(request, headers=headers), WHPK)

    def test_a_signature_over_another_id_or_time_is_refused(self) -> None:
        request = v1a_sign(WHPK, NOW)
        for name, value in (("webhook-id", "msg_other"), ("webhook-timestamp", "1764590401")):
            changed = dataclasses.replace(request, headers={**request.headers, name: value})
            assert cause(changed, WHPK) == "signature_invalid"

    @pytest.mark.parametrize(
        "entry", ["v1a,", "v1a,!!!", "v1a," + base64.b64encode(b"short").decode(), "v1b,AAAA"]
    )
    def test_malformed_entries_are_a_401_cause_never_a_crash(self, entry: str) -> None:
        request = v1a_sign(WHPK, NOW)
        headers = {**request.headers, "webhook-signature": entry}
        assert cause(dataclasses.replace(request, headers=headers), WHPK) == "signature_invalid"

    def test_hookrelay_outbound_v1a_verifies_inbound(self) -> None:
        """Both directions agree on the signed bytes: an endpoint of ours signing ``v1a`` can
        post to a source of ours holding its published key."""
        secret_key = signing.generate_signing_key()
        headers = signing.signature_headers(
            [], msg_id="msg_9", timestamp=NOW, body=SW_BODY, signing_keys=[secret_key]
        )
        request = v1a_sign(WHPK, NOW)
        verify(dataclasses.replace(request, headers=headers), signing.public_key_of(secret_key))
