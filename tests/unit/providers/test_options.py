"""Options and secrets are checked when a source is saved: a clear message, never a crash later."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from app.sources.providers import PROVIDERS, provider


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("stripe", {"tolerance": 5}, "takes no option tolerance"),
        ("github", {"tolerance_seconds": 60}, "signs no timestamp"),
        ("stripe", {"tolerance_seconds": 0}, "between 1 and 86400"),
        ("stripe", {"tolerance_seconds": True}, "is an integer"),
        ("stripe", {"dedup": {"body": "id"}}, "dedup is one of"),
        ("stripe", {"dedup": {"json_path": "data.id"}}, "starts with \\$"),
        ("stripe", {"event_type": {"json_path": "$.a..b"}}, "cannot read the JSON path"),
        ("generic_hmac", {}, "header names the header"),
        ("generic_hmac", {"header": "x", "algorithm": "md5"}, "algorithm is one of"),
        ("generic_hmac", {"header": "x", "signed": "{timestamp}"}, "must include \\{body\\}"),
        ("generic_hmac", {"header": "x", "signed": "{ts}.{body}"}, "unknown fields"),
        ("generic_hmac", {"header": "x", "signed": "{timestamp}.{body}"}, "say where it is"),
        ("generic_hmac", {"header": "x", "timestamp": {"query": "t"}}, "a header or a JSON path"),
        ("meta", {"verify_token": ""}, "verify_token is"),
        ("api_key", {"header": " "}, "header is a header name"),
    ],
)
def test_bad_options_are_refused_with_a_message(
    name: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        provider(name).check_options(options)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_checked_options_check_again_to_themselves(name: str) -> None:
    given: dict[str, Any] = {"dedup": {"header": "X-Id"}}
    if name == "generic_hmac":
        given |= {"header": "X-Sig", "signed": "{timestamp}.{body}", "timestamp": {"header": "X-T"}}
    checked = provider(name).check_options(given)
    assert checked["dedup"] == {"header": "x-id"}
    assert provider(name).check_options(checked) == checked


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("standard_webhooks", "whsec_not base64!"),
        ("standard_webhooks", "whpk_not base64!"),
        ("standard_webhooks", "whpk_" + base64.b64encode(b"30 bytes: not an ed25519 key").decode()),
        ("basic_auth", "no-colon"),
        ("stripe", " "),
    ],
)
def test_bad_secrets_are_refused(name: str, secret: str) -> None:
    with pytest.raises(ValueError):
        provider(name).check_secret(secret)


def test_a_stripe_secret_is_kept_whole() -> None:
    assert provider("stripe").check_secret("whsec_abc") == "whsec_abc"
