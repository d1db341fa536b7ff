"""Where new deliveries go in their ordering key's sequence (``app.deliveries.ordering``)."""

from datetime import UTC, datetime

from app.deliveries.ordering import _places

AT = datetime(2026, 12, 7, tzinfo=UTC)


def rows(*ids: str) -> list[dict[str, object]]:
    return [{"id": i, "next_attempt_at": AT, "enqueued_at": AT} for i in ids]


class TestPlaces:
    def test_a_new_key_makes_its_first_delivery_the_head_and_queues_the_rest_in_order(
        self,
    ) -> None:
        places = _places(rows("d1", "d2", "d3"), "k", 3, "d1")
        assert [(p["delivery_id"], p["seq"], p["is_queued"]) for p in places] == [
            ("d1", 1, False),
            ("d2", 2, True),
            ("d3", 3, True),
        ]
        assert places[0]["due_at"] == AT and places[1]["due_at"] is None
        assert places[1]["enqueued"] is None

    def test_behind_a_live_head_every_new_delivery_is_queued_after_the_keys_last(self) -> None:
        places = _places(rows("d7", "d8"), "k", 12, "d1")
        assert [(p["seq"], p["is_queued"]) for p in places] == [(11, True), (12, True)]
