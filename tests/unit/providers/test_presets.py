"""Every preset, the same questions: signed by the provider accepted, anything else rejected
with its cause; secrets rotate with an overlap and an expired one never verifies."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from app.sources.providers import InboundRequest, Rejected, SourceSecret, provider
from tests.unit.providers.cases import CASES, Case

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
SIGNED = [c for c in CASES if c.signs_body]
TIMED = [c for c in CASES if c.past_seconds is not None]


def verify(
    case: Case, request: InboundRequest, secrets: list[SourceSecret], *, now: datetime = NOW
) -> None:
    preset = provider(case.preset)
    preset.verify(request, secrets, preset.check_options(case.options), now=now)


def cause(
    case: Case, request: InboundRequest, secrets: list[SourceSecret], *, now: datetime = NOW
) -> str:
    with pytest.raises(Rejected) as rejected:
        verify(case, request, secrets, now=now)
    return rejected.value.cause


@pytest.mark.parametrize("case", CASES, ids=str)
class TestEveryPreset:
    def test_signed_by_the_provider_is_accepted_with_its_type_and_dedup_key(
        self, case: Case
    ) -> None:
        request = case.sign(case.secret, NOW)
        verify(case, request, [SourceSecret(case.secret)])
        preset = provider(case.preset)
        (first, *_) = preset.events(request, preset.check_options(case.options))
        assert (first.event_type, first.dedup_key) == case.event

    def test_wrong_secret_is_rejected(self, case: Case) -> None:
        request = case.sign(case.secret, NOW)
        assert cause(case, request, [SourceSecret(case.other_secret)]) == case.wrong_cause

    def test_missing_signature_header_is_rejected(self, case: Case) -> None:
        request = case.sign(case.secret, NOW)
        headers = {k: v for k, v in request.headers.items() if k != case.signature_header}
        unsigned = dataclasses.replace(request, headers=headers)
        assert cause(case, unsigned, [SourceSecret(case.secret)]) == case.missing_cause

    def test_no_secret_is_refused_fail_closed(self, case: Case) -> None:
        assert cause(case, case.sign(case.secret, NOW), []) == "secret_missing"

    def test_an_expired_secret_never_verifies(self, case: Case) -> None:
        request = case.sign(case.secret, NOW)
        expired = SourceSecret(case.secret, expires_at=NOW - timedelta(seconds=1))
        assert cause(case, request, [expired]) == "secret_missing"
        current = SourceSecret(case.other_secret)
        assert cause(case, request, [current, expired]) == case.wrong_cause

    def test_the_old_secret_verifies_within_its_overlap_and_so_does_the_new(
        self, case: Case
    ) -> None:
        secrets = [
            SourceSecret(case.other_secret),
            SourceSecret(case.secret, expires_at=NOW + timedelta(hours=1)),
        ]
        verify(case, case.sign(case.secret, NOW), secrets)
        verify(case, case.sign(case.other_secret, NOW), secrets)


@pytest.mark.parametrize("case", SIGNED, ids=str)
def test_tampered_body_is_rejected(case: Case) -> None:
    request = case.sign(case.secret, NOW)
    tampered = dataclasses.replace(request, body=request.body + b" ")
    assert cause(case, tampered, [SourceSecret(case.secret)]) == "signature_invalid"


def test_unsigned_schemes_do_not_cover_the_body() -> None:
    """basic_auth and api_key authenticate the sender only: said here so nobody assumes more."""
    for case in CASES:
        if not case.signs_body:
            request = case.sign(case.secret, NOW)
            verify(case, dataclasses.replace(request, body=b"other"), [SourceSecret(case.secret)])


@pytest.mark.parametrize("case", TIMED, ids=str)
class TestReplayWindow:
    def test_inside_the_window_both_ways_is_accepted(self, case: Case) -> None:
        assert case.past_seconds is not None and case.future_seconds is not None
        for offset in (-case.past_seconds + 1, case.future_seconds - 1):
            at = NOW + timedelta(seconds=offset)
            verify(case, case.sign(case.secret, at), [SourceSecret(case.secret)])

    def test_stale_timestamp_is_rejected(self, case: Case) -> None:
        assert case.past_seconds is not None
        at = NOW - timedelta(seconds=case.past_seconds + 2)
        assert cause(case, case.sign(case.secret, at), [SourceSecret(case.secret)]) == (
            "timestamp_stale"
        )

    def test_future_timestamp_is_rejected(self, case: Case) -> None:
        assert case.future_seconds is not None
        at = NOW + timedelta(seconds=case.future_seconds + 2)
        assert cause(case, case.sign(case.secret, at), [SourceSecret(case.secret)]) == (
            "timestamp_future"
        )

    def test_the_window_is_configurable_per_source(self, case: Case) -> None:
        assert case.past_seconds is not None
        at = NOW - timedelta(seconds=case.past_seconds + 2)
        options = {**case.options, "tolerance_seconds": case.past_seconds + 60}
        verify(
            dataclasses.replace(case, options=options),
            case.sign(case.secret, at),
            [SourceSecret(case.secret)],
        )
