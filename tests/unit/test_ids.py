import time
from datetime import UTC, datetime, timedelta

from app.kit.ids import id_bound, id_time, new_id
from tests.conftest import Clock


class TestNewId:
    def test_id_has_prefix_and_fixed_length(self) -> None:
        value = new_id("msg")
        assert value.startswith("msg_")
        assert len(value) == 4 + 26

    def test_ids_sort_by_creation_time(self) -> None:
        first = new_id("msg")
        time.sleep(0.002)
        second = new_id("msg")
        assert first < second

    def test_ids_are_unique(self) -> None:
        assert len({new_id("x") for _ in range(10_000)}) == 10_000


class TestIdBound:
    def test_ids_made_after_a_time_sort_at_or_above_its_bound(self) -> None:
        before = datetime.now(UTC)
        time.sleep(0.002)
        made = new_id("msg")
        time.sleep(0.002)
        after = datetime.now(UTC)
        assert id_bound("msg", before) <= made < id_bound("msg", after)

    def test_bound_is_the_lowest_id_of_its_millisecond(self) -> None:
        at = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
        bound = id_bound("msg", at)
        assert bound.startswith("msg_") and len(bound) == 30
        assert bound.endswith("0" * 16)  # the 80 random bits are zero
        assert id_bound("msg", at + timedelta(milliseconds=1)) > bound

    def test_times_before_the_epoch_clamp_to_zero(self) -> None:
        assert id_bound("msg", datetime(1960, 1, 1, tzinfo=UTC)) == "msg_" + "0" * 26


class TestIdTime:
    def test_the_time_of_an_id_is_the_time_of_its_bound(self) -> None:
        at = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
        assert id_time(id_bound("msg", at)) == at
        assert id_time(id_bound("msg", at)[:-3] + "zzz") == at  # random bits do not count

    def test_a_new_id_reads_back_its_making_time(self) -> None:
        before = datetime.now(UTC) - timedelta(milliseconds=1)
        made = id_time(new_id("att"))
        assert before <= made <= datetime.now(UTC)

    def test_ids_follow_the_clock_seam_when_a_test_moves_it(self, clock: Clock) -> None:
        clock.advance(86_400)
        made = id_time(new_id("msg"))
        assert made >= datetime.now(UTC) + timedelta(hours=23)
