"""What the receiver's records and the attempts API must show after a run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.e2e.harness.api import Published, Setup, wait_for_attempts
from tests.e2e.harness.processes import Receiver, Stack, wait_until
from tests.e2e.harness.services import Service, delivery_statuses


def duplicates(records: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(path, webhook-id) pairs that arrived more than once, with their counts."""
    counts = Counter((r["path"], r["webhook_id"]) for r in records)
    return {pair: n for pair, n in counts.items() if n > 1}


def missing_deliveries(
    records: Sequence[dict[str, Any]], message_ids: Sequence[str], paths: Sequence[str]
) -> list[tuple[str, str]]:
    """(path, message id) pairs that never got a 2xx answer from the receiver."""
    delivered = {(r["path"], r["webhook_id"]) for r in records if 200 <= r["status"] < 300}
    return [(p, m) for m in message_ids for p in paths if (p, m) not in delivered]


def assert_fanned_out_once(
    service: Service,
    receiver: Receiver,
    setup: Setup,
    published: Sequence[Published],
    *,
    stack: Stack,
    timeout_seconds: float = 120.0,
) -> None:
    """Every message reached every endpoint exactly once, signed, and the attempts API says so."""
    message_ids = [p.message_id for p in published]
    expected = len(message_ids) * len(setup.paths)
    receiver.wait_for_requests(expected, stack=stack, timeout_seconds=timeout_seconds)
    attempts = wait_for_attempts(
        service, setup.tenant, message_ids, per_message=len(setup.paths), stack=stack
    )
    # Fetched after the attempts settled, so a late duplicate would be counted too.
    records = receiver.records()
    assert [r for r in records if not r["verified"]] == []
    assert duplicates(records) == {}
    assert missing_deliveries(records, message_ids, setup.paths) == []
    assert len(records) == expected
    for message_id in message_ids:
        succeeded = sorted(
            a["endpoint_id"] for a in attempts[message_id] if a["status"] == "succeeded"
        )
        assert succeeded == sorted(setup.endpoint_ids), attempts[message_id]


@dataclass(frozen=True)
class Tally:
    """What a run published and what the receiver got."""

    published: int  # messages
    expected: int  # messages x endpoints: the distinct (path, webhook-id) pairs owed
    received: int  # requests the receiver recorded
    duplicates: int  # requests beyond the first 2xx per pair (an at-least-once re-send)

    def __str__(self) -> str:
        return (
            f"published={self.published} expected={self.expected} "
            f"received={self.received} duplicates={self.duplicates}"
        )


def assert_all_delivered(
    receiver: Receiver,
    setup: Setup,
    message_ids: Sequence[str],
    *,
    stack: Stack,
    database_url: str,
    timeout_seconds: float = 120.0,
    deliveries_in_database: int | None = None,
) -> Tally:
    """Every message reached every endpoint, verified, at least once, and the database shows
    every delivery succeeded (none left to be sent again); return the counts.

    Duplicates are allowed (at-least-once): the caller bounds them. ``deliveries_in_database``:
    all the database holds, when other endpoints than ``setup``'s (on another receiver) have some.
    """
    owed = {(p, m) for m in message_ids for p in setup.paths}
    seen = 0

    def delivered() -> bool:
        nonlocal seen
        records = receiver.records()
        for r in records[seen:]:
            if r["verified"] and 200 <= r["status"] < 300:
                owed.discard((r["path"], r["webhook_id"]))
        seen = len(records)
        return not owed

    wait_until(
        delivered,
        timeout_seconds=timeout_seconds,
        stack=stack,
        what=lambda: (
            f"every delivery at the receiver ({len(owed)} missing, e.g. {sorted(owed)[:3]})"
        ),
        interval=0.5,
    )
    expected = len(message_ids) * len(setup.paths)
    statuses: Counter[str] = Counter()

    def settled() -> bool:
        nonlocal statuses
        statuses = delivery_statuses(database_url)
        return statuses["pending"] == 0

    # A try that reached the receiver is stored a moment later; one cut short by a crash is
    # sent again once its lease runs out.
    wait_until(
        settled,
        timeout_seconds=timeout_seconds,
        stack=stack,
        what=lambda: f"no pending deliveries in the database (have {dict(statuses)})",
        interval=0.5,
    )
    assert dict(statuses) == {"succeeded": deliveries_in_database or expected}
    # Read after the database settled, so that a late re-send is counted too.
    records = receiver.records()
    assert [r for r in records if not r["verified"]] == []
    known_ids = set(message_ids)
    assert [r for r in records if r["webhook_id"] not in known_ids] == []
    assert [r for r in records if r["path"] not in setup.paths] == []
    ok = [r for r in records if 200 <= r["status"] < 300]
    return Tally(len(message_ids), expected, len(records), len(ok) - expected)
