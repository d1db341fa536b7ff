"""The API's background sender merges several requests' scheduled sends into few tasks."""

from app.kit.jobs import coalesce
from workers.contracts import (
    DELIVERY_QUEUE,
    RunRecovery,
    SendDeliveries,
    delivery_queues,
    lane_queue,
)


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

    def test_sends_of_different_lanes_are_never_merged(self) -> None:
        # Given two tenants whose lanes differ among 8
        a, b = "tnt_a", next(f"tnt_{n}" for n in range(100) if _lane(f"tnt_{n}") != _lane("tnt_a"))
        tasks = [
            SendDeliveries(delivery_ids=["a1"], lane_key=a),
            SendDeliveries(delivery_ids=["b1"], lane_key=b),
            SendDeliveries(delivery_ids=["a2"], lane_key=a),
        ]

        merged = coalesce(tasks, deliveries_per_task=200, lanes=8)

        assert [(t.delivery_ids, t.queue_for(8)) for t in merged] == [  # type: ignore[attr-defined]
            (["a1", "a2"], _lane(a)),
            (["b1"], _lane(b)),
        ]

    def test_without_lanes_every_tenant_merges_into_the_one_queue(self) -> None:
        tasks = [SendDeliveries(delivery_ids=[t], lane_key=t) for t in ("tnt_a", "tnt_b")]

        merged = coalesce(tasks, deliveries_per_task=200, lanes=0)

        assert ids_of(merged) == [["tnt_a", "tnt_b"]]
        assert merged[0].queue_for(0) == DELIVERY_QUEUE


class TestLanes:
    def test_a_tenant_always_takes_the_same_lane_and_the_message_does_not_carry_it(self) -> None:
        task = SendDeliveries(delivery_ids=["d"], lane_key="tnt_x")

        message = task.to_message(lanes=8)

        assert message.queue_name == _lane("tnt_x") == lane_queue("tnt_x", 8)
        assert message.queue_name in delivery_queues(8)
        assert message.kwargs == {"delivery_ids": ["d"], "trigger": "scheduled"}

    def test_tenants_spread_over_every_lane(self) -> None:
        lanes = {lane_queue(f"tnt_{n:04d}", 8) for n in range(200)}

        assert lanes == set(delivery_queues(8)) - {DELIVERY_QUEUE}


def _lane(tenant_id: str) -> str:
    return lane_queue(tenant_id, 8)
