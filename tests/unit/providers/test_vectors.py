"""The providers' published test vectors, through the presets (not through a copy of the HMAC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.sources.providers import InboundRequest, Rejected, SourceSecret, provider

SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F"
    b"96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_github_documented_example() -> None:
    signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    request = InboundRequest(
        "POST", "https://h/in/t", {"x-hub-signature-256": signature}, b"Hello, World!"
    )
    secret = SourceSecret("It's a Secret to Everybody")
    provider("github").verify(request, [secret], {}, now=at(0))
    legacy = InboundRequest(
        "POST", "https://h/in/t", {"x-hub-signature": "sha1=00"}, b"Hello, World!"
    )
    with pytest.raises(Rejected, match="signature_missing"):  # no downgrade to the SHA-1 header
        provider("github").verify(legacy, [secret], {}, now=at(0))


def test_slack_documented_slash_command() -> None:
    headers = {
        "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "x-slack-request-timestamp": "1531420618",
        "content-type": "application/x-www-form-urlencoded",
    }
    request = InboundRequest("POST", "https://h/in/t", headers, SLACK_BODY)
    slack = provider("slack")
    slack.verify(
        request, [SourceSecret("8f742231b10e8888abcd99yyyzzz85a5")], {}, now=at(1531420618)
    )
    assert [e.event_type for e in slack.events(request, {})] == ["slash_command"]


def test_twilio_sdk_test_vector_with_and_without_the_default_port() -> None:
    body = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212"
    headers = {"x-twilio-signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}
    for url in (
        "https://mycompany.com/myapp.php?foo=1&bar=2",
        "https://mycompany.com:443/myapp.php?foo=1&bar=2",
    ):
        request = InboundRequest("POST", url, headers, body)
        provider("twilio").verify(request, [SourceSecret("12345")], {}, now=at(0))


def test_twilio_body_hash_example() -> None:
    body = b'{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}'
    digest = "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9"
    url = f"https://mycompany.com/myapp.php?bodySHA256={digest}"
    forged_body = InboundRequest("POST", url, {"x-twilio-signature": "x"}, body + b" ")
    with pytest.raises(Rejected, match="signature_invalid: the body does not match"):
        provider("twilio").verify(forged_body, [SourceSecret("12345")], {}, now=at(0))


def test_svix_documented_example() -> None:
    headers = {
        "svix-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "svix-timestamp": "1614265330",
        "svix-signature": "v1,bad v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    request = InboundRequest("POST", "https://h/in/t", headers, b'{"test": 2432232314}')
    secret = SourceSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    now = at(1614265330) + timedelta(seconds=10)
    provider("standard_webhooks").verify(request, [secret], {}, now=now)
