import random

import pytest

from app.config import DEFAULT_RETRY_SCHEDULE
from workers.policy import is_success, retry_delay_seconds


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
