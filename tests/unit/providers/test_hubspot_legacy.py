"""HubSpot's legacy v1/v2 signatures are refused unless the source opts in with
``legacy_signatures: true``; with it, v3 still takes precedence and still works."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from app.sources.providers import InboundRequest, Rejected, SourceSecret, provider
from tests.unit.providers.cases import hubspot_legacy_sign, hubspot_sign

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
SECRET = "client-secret"
PRESET = provider("hubspot")
LEGACY = PRESET.check_options({"legacy_signatures": True})


def cause(request: InboundRequest, options: dict[str, object]) -> str:
    with pytest.raises(Rejected) as rejected:
        PRESET.verify(request, [SourceSecret(SECRET)], options, now=NOW)
    return rejected.value.cause


class TestLegacySignatures:
    @pytest.mark.parametrize("version", ["v1", "v2"])
    def test_refused_unless_the_source_opts_in(self, version: str) -> None:
        request = hubspot_legacy_sign(version)(SECRET, NOW)
        assert cause(request, {}) == "signature_unsupported"
        assert cause(request, PRESET.check_options({"legacy_signatures": False})) == (
            "signature_unsupported"
        )
        PRESET.verify(request, [SourceSecret(SECRET)], LEGACY, now=NOW)

    def test_v2_covers_the_url_and_method_and_v1_does_not(self) -> None:
        v1, v2 = (hubspot_legacy_sign(v)(SECRET, NOW) for v in ("v1", "v2"))
        elsewhere = "https://hooks.example.com/in/other"
        PRESET.verify(
            dataclasses.replace(v1, url=elsewhere), [SourceSecret(SECRET)], LEGACY, now=NOW
        )
        assert cause(dataclasses.replace(v2, url=elsewhere), LEGACY) == "signature_invalid"
        assert cause(dataclasses.replace(v2, method="PUT"), LEGACY) == "signature_invalid"

    def test_an_unknown_or_missing_version_is_unsupported(self) -> None:
        request = hubspot_legacy_sign("v1")(SECRET, NOW)
        for version in ("v3", "v9", None):
            headers = {
                k: v for k, v in request.headers.items() if k != "x-hubspot-signature-version"
            }
            if version is not None:
                headers["x-hubspot-signature-version"] = version
            assert cause(dataclasses.replace(request, headers=headers), LEGACY) == (
                "signature_unsupported"
            )

    def test_a_v3_signature_is_checked_first_even_when_a_legacy_one_is_sent(self) -> None:
        v3 = hubspot_sign(SECRET, NOW)
        legacy = hubspot_legacy_sign("v1")(SECRET, NOW)
        both = dataclasses.replace(v3, headers={**legacy.headers, **v3.headers})
        PRESET.verify(both, [SourceSecret(SECRET)], LEGACY, now=NOW)
        forged = {**both.headers, "x-hubspot-signature-v3": "Zm9yZ2Vk"}
        assert cause(dataclasses.replace(both, headers=forged), LEGACY) == "signature_invalid"

    def test_the_option_is_a_boolean(self) -> None:
        with pytest.raises(ValueError, match="legacy_signatures"):
            PRESET.check_options({"legacy_signatures": "yes"})
        with pytest.raises(ValueError):
            provider("stripe").check_options({"legacy_signatures": True})
