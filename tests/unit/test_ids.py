import time

from app.kit.ids import new_id


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
