"""What the receiver's records and the attempts API must show after a run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from tests.e2e.harness.api import Published, Setup, wait_for_attempts
from tests.e2e.harness.processes import Receiver, Stack
from tests.e2e.harness.services import Service


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
