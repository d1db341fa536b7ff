import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from app.config import DEFAULT_RETRY_SCHEDULE
from workers.policy import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    Circuit,
    CircuitConfig,
    is_success,
    parse_retry_after,
    reserve_slots,
    retry_delay_seconds,
    says_nothing_of_health,
    should_auto_disable,
)


class TestRetryDelay:
    @pytest.mark.parametrize(
        ("tries_made", "expected"),
        [(1, 5), (2, 300), (3, 1800), (4, 7200), (5, 18000), (6, 36000), (7, 36000), (8, None)],
    )
    def test_default_schedule_without_jitter(self, tries_made: int, expected: float | None) -> None:
        assert retry_delay_seconds(DEFAULT_RETRY_SCHEDULE, tries_made) == expected

    def test_default_schedule_is_eight_tries_in_about_27_6_hours(self) -> None:
        assert len(DEFAULT_RETRY_SCHEDULE) + 1 == 8
        assert sum(DEFAULT_RETRY_SCHEDULE) / 3600 == pytest.approx(27.6, abs=0.05)

    def test_jitter_stays_within_twenty_percent(self) -> None:
        rng = random.Random(7)
        delays = [retry_delay_seconds([100], 1, jitter=0.2, rng=rng) for _ in range(2000)]
        assert all(d is not None and 80 <= d <= 120 for d in delays)
        assert max(d for d in delays if d) - min(d for d in delays if d) > 30

    def test_no_try_yet_has_no_retry_delay(self) -> None:
        assert retry_delay_seconds([5], 0) is None


@pytest.mark.parametrize(
    ("status_code", "expected"),
    [
        (200, True),
        (204, True),
        (299, True),
        (301, False),
        (400, False),
        (500, False),
        (None, False),
    ],
)
def test_success_is_any_2xx(status_code: int | None, expected: bool) -> None:
    assert is_success(status_code) is expected


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONFIG = CircuitConfig(failure_threshold=3, cooldown_seconds=30, max_cooldown_seconds=100)


def after(c: Circuit, *outcomes: bool, probe: bool = False) -> Circuit:
    for ok in outcomes:
        c = c.after(succeeded=ok, probe=probe, now=NOW, config=CONFIG)
    return c


class TestRetryAfter:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("120", 120.0),
            ("0", 0.0),
            ("Mon, 23 Nov 2026 12:01:00 GMT", 60.0),
            ("Mon, 23 Nov 2026 11:00:00 GMT", 0.0),
            ("soon", None),
            ("-5", None),
            ("", None),
            (None, None),
        ],
    )
    def test_parse(self, header: str | None, expected: float | None) -> None:
        assert parse_retry_after(header, NOW) == expected

    @pytest.mark.parametrize(
        ("tries_made", "retry_after", "expected"),
        [
            (1, None, 5),  # no header: the schedule
            (1, 0, 5),  # "Retry-After: 0" or 1 cannot make a retry sooner than the schedule
            (1, 1, 5),
            (2, 1, 300),
            (1, 120, 120),  # longer than the schedule: the receiver's wait
            (2, 120, 300),
            (1, 99999, 3600),  # bounded by retry_after_max
            (3, 99999, None),  # the tries are used up whatever the header says
        ],
    )
    def test_retry_after_only_lengthens_the_scheduled_wait_within_bounds(
        self, tries_made: int, retry_after: float | None, expected: float | None
    ) -> None:
        delay = retry_delay_seconds(
            [5, 300], tries_made, retry_after=retry_after, retry_after_max=3600
        )
        assert delay == expected

    def test_a_short_retry_after_never_spends_the_tries_faster_than_the_schedule(self) -> None:
        schedule = [5, 300, 1800]
        waits = [retry_delay_seconds(schedule, n, retry_after=1) for n in range(1, 4)]
        assert waits == [5, 300, 1800]
        assert retry_delay_seconds(schedule, 4, retry_after=1) is None

    def test_jittered_schedule_still_bounds_retry_after_from_below(self) -> None:
        rng = random.Random(3)
        delays = [
            retry_delay_seconds([100], 1, jitter=0.2, rng=rng, retry_after=90) for _ in range(500)
        ]
        assert all(d is not None and 90 <= d <= 120 for d in delays)


@pytest.mark.parametrize(
    ("status_code", "neutral"),
    [
        (429, True),
        (500, False),
        (503, False),
        (502, False),
        (410, False),
        (None, False),
        (200, False),
    ],
)
def test_only_429_says_nothing_of_the_endpoints_health(
    status_code: int | None, neutral: bool
) -> None:
    assert says_nothing_of_health(status_code) is neutral


class TestCircuit:
    def test_of_reads_the_breaker_from_an_endpoints_columns(self) -> None:
        class Columns:
            circuit_state = OPEN
            circuit_failures = 5
            circuit_cooldown_seconds = 60.0
            circuit_next_probe_at = NOW

        assert Circuit.of(Columns()) == Circuit(OPEN, 5, 60.0, NOW)

    @pytest.mark.parametrize(
        ("outcomes", "state", "failures"),
        [
            ((False,), CLOSED, 1),
            ((False, False), CLOSED, 2),
            ((False, False, False), OPEN, 3),
            ((False, False, True), CLOSED, 0),
            ((False, False, True, False, False), CLOSED, 2),
        ],
    )
    def test_opens_after_consecutive_failures(
        self, outcomes: tuple[bool, ...], state: str, failures: int
    ) -> None:
        c = after(Circuit(), *outcomes)
        assert (c.state, c.failures) == (state, failures)

    def test_open_circuit_waits_for_its_cooldown_then_probes(self) -> None:
        c = after(Circuit(), False, False, False)
        assert c.next_probe_at == NOW + timedelta(seconds=30)
        assert c.admit(NOW) == "wait"
        assert c.admit(NOW + timedelta(seconds=29)) == "wait"
        assert c.admit(NOW + timedelta(seconds=30)) == "probe"

    def test_half_open_lets_one_probe_out_then_another_after_the_window(self) -> None:
        c = after(Circuit(), False, False, False).probing(NOW, 20)
        assert c.state == HALF_OPEN
        assert c.admit(NOW + timedelta(seconds=5)) == "wait"
        assert c.admit(NOW + timedelta(seconds=20)) == "probe"

    def test_probe_success_closes(self) -> None:
        c = after(Circuit(), False, False, False).probing(NOW, 20)
        assert after(c, True, probe=True) == Circuit()

    @pytest.mark.parametrize(("probes_failed", "cooldown"), [(1, 60), (2, 100), (3, 100)])
    def test_failed_probe_reopens_with_a_longer_cooldown(
        self, probes_failed: int, cooldown: float
    ) -> None:
        c = after(Circuit(), False, False, False)
        for _ in range(probes_failed):
            c = after(c.probing(NOW, 20), False, probe=True)
        assert (c.state, c.cooldown_seconds) == (OPEN, cooldown)
        assert c.next_probe_at == NOW + timedelta(seconds=cooldown)

    def test_straggler_failure_does_not_extend_an_open_circuit(self) -> None:
        opened = after(Circuit(), False, False, False)
        later = after(opened, False, probe=False)
        assert (later.state, later.next_probe_at) == (OPEN, opened.next_probe_at)

    def test_any_success_closes(self) -> None:
        assert after(after(Circuit(), False, False, False), True) == Circuit()


class TestReserveSlots:
    def test_rate_limit_spaces_sends_and_hands_out_only_the_horizon(self) -> None:
        slots, send_after = reserve_slots(
            send_after=None, now=NOW, wanted=50, per_second=10, horizon_seconds=1
        )
        assert len(slots) == 11
        assert slots[0] == NOW and slots[-1] == NOW + timedelta(seconds=1)
        assert all(b - a == timedelta(seconds=0.1) for a, b in itertools.pairwise(slots))
        assert send_after == NOW + timedelta(seconds=1.1)

    def test_later_reservation_continues_after_the_last_slot(self) -> None:
        _, send_after = reserve_slots(
            send_after=None, now=NOW, wanted=5, per_second=10, horizon_seconds=1
        )
        slots, _ = reserve_slots(
            send_after=send_after, now=NOW, wanted=1, per_second=10, horizon_seconds=1
        )
        assert slots == [NOW + timedelta(seconds=0.5)]

    def test_past_send_after_starts_now(self) -> None:
        slots, _ = reserve_slots(
            send_after=NOW - timedelta(hours=1), now=NOW, wanted=1, per_second=1, horizon_seconds=1
        )
        assert slots == [NOW]

    def test_no_limit_sends_everything_now(self) -> None:
        slots, send_after = reserve_slots(
            send_after=None, now=NOW, wanted=3, per_second=None, horizon_seconds=1
        )
        assert (slots, send_after) == ([NOW] * 3, None)

    def test_pause_beyond_the_horizon_hands_out_nothing(self) -> None:
        paused = NOW + timedelta(seconds=5)
        assert reserve_slots(
            send_after=paused, now=NOW, wanted=3, per_second=None, horizon_seconds=1
        ) == ([], paused)

    def test_no_one_second_window_holds_more_than_rate_plus_one(self) -> None:
        send_after, sent, now = None, [], NOW
        while len(sent) < 200:
            slots, send_after = reserve_slots(
                send_after=send_after, now=now, wanted=37, per_second=10, horizon_seconds=1
            )
            sent.extend(slots)
            now += timedelta(seconds=0.37)
        for start in sent:
            window = [s for s in sent if start <= s < start + timedelta(seconds=1)]
            assert len(window) <= 11


class TestAutoDisable:
    @pytest.mark.parametrize(
        ("hours_failing", "expected"), [(None, False), (119.9, False), (120, True), (200, True)]
    )
    def test_after_hours(self, hours_failing: float | None, expected: bool) -> None:
        since = None if hours_failing is None else NOW - timedelta(hours=hours_failing)
        assert should_auto_disable(since, NOW, 120) is expected
