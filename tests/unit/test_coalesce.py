"""The API's background sender merges several requests' scheduled sends into few tasks."""

from app.kit.jobs import coalesce
from workers.contracts import RunRecovery, SendDeliveries


def ids_of(tasks: list[object]) -> list[list[str]]:
    return [t.delivery_ids for t in tasks if isinstance(t, SendDeliveries)]


class TestCoalesce:
    def test_scheduled_sends_merge_up_to_deliveries_per_task(self) -> None:
        tasks = [SendDeliveries(delivery_ids=[f"d{n}", f"e{n}"]) for n in range(5)]

        merged = coalesce(list(tasks), deliveries_per_task=4)

        assert ids_of(merged) == [["d0", "e0", "d1", "e1"], ["d2", "e2", "d3", "e3"], ["d4", "e4"]]

    def test_manual_sends_and_other_tasks_are_kept_as_they_are(self) -> None:
        manual = SendDeliveries(delivery_ids=["m"], trigger="manual")
        recovery = RunRecovery(recovery_id="rcv_1")  # any other task: passed through untouched
        scheduled = [SendDeliveries(delivery_ids=["a"]), SendDeliveries(delivery_ids=["b"])]

        merged = coalesce([manual, scheduled[0], recovery, scheduled[1]], deliveries_per_task=200)

        assert merged[:2] == [manual, recovery]
        assert ids_of(merged[2:]) == [["a", "b"]]
        assert merged[2].trigger == "scheduled"  # type: ignore[attr-defined]

    def test_nothing_in_nothing_out(self) -> None:
        assert coalesce([], deliveries_per_task=200) == []
