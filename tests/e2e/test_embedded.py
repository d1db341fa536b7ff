"""End to end on the embedded default: ``hookrelay dev`` (SQLite, in-process broker) delivering to a
real receiver process that verifies every signature."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.e2e.harness import (
    Stack,
    assert_fanned_out_once,
    publish_many,
    set_up_tenant,
    start_embedded,
    start_receiver,
    wait_for_attempts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

# Retries one second apart, without jitter, and a scheduler that looks for them twice a second.
# Every first try fails, so the circuit would open after a few and hold the rest back: keep it
# closed, this is about retries.
FAST_RETRIES = {
    "HOOKRELAY_RETRY_SCHEDULE": "1,1,1",
    "HOOKRELAY_RETRY_JITTER": "0",
    "HOOKRELAY_SCHEDULER_INTERVAL_SECONDS": "0.5",
    "HOOKRELAY_CIRCUIT_FAILURE_THRESHOLD": "100000",
}


def test_every_message_reaches_every_endpoint_once_signed(stack: Stack) -> None:
    # Given a dev instance and three endpoints on a verifying receiver
    receiver = start_receiver(stack)
    service = start_embedded(stack)
    setup = set_up_tenant(service, receiver, endpoints=3)

    # When 200 messages are published concurrently
    published = publish_many(service, setup.tenant, 200)

    # Then 600 verified requests arrive, one per message and endpoint, each recorded as an attempt
    assert_fanned_out_once(service, receiver, setup, published, stack=stack)


def test_failed_first_try_is_retried_with_the_same_webhook_id(stack: Stack) -> None:
    # Given a receiver that answers 500 to the first try of each message, and 1 s retries
    receiver = start_receiver(stack, fail_first=True)
    service = start_embedded(stack, settings=FAST_RETRIES)
    setup = set_up_tenant(service, receiver, endpoints=3)

    # When 60 messages are published
    message_ids = [p.message_id for p in publish_many(service, setup.tenant, 60)]

    # Then each (endpoint, message) got two verified tries under one webhook-id: 500, then 204
    records = receiver.wait_for_requests(2 * 60 * 3, stack=stack, timeout_seconds=60)
    assert [r for r in records if not r["verified"]] == []
    expected_pairs = {(path, m) for m in message_ids for path in setup.paths}
    assert statuses_by_pair(records) == dict.fromkeys(expected_pairs, (500, 204))

    # And the attempts API shows a failed then a succeeded attempt per endpoint
    attempts = wait_for_attempts(service, setup.tenant, message_ids, per_message=6, stack=stack)
    expected_history = ((1, "failed", 500), (2, "succeeded", 204))
    for message_id in message_ids:
        assert attempt_history(attempts[message_id]) == dict.fromkeys(
            setup.endpoint_ids, expected_history
        )
    # And nothing came a third time in the meantime
    assert statuses_by_pair(receiver.records()) == dict.fromkeys(expected_pairs, (500, 204))


def statuses_by_pair(records: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, ...]]:
    """The statuses the receiver answered, in order, per (path, webhook-id)."""
    statuses: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r["received_at"]):
        statuses[(record["path"], record["webhook_id"])].append(record["status"])
    return {pair: tuple(answered) for pair, answered in statuses.items()}


def attempt_history(attempts: list[dict[str, Any]]) -> dict[str, tuple[tuple[int, str, int], ...]]:
    """(attempt number, status, HTTP status) per endpoint, in attempt order."""
    history: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for a in sorted(attempts, key=lambda a: a["attempt_number"]):
        history[a["endpoint_id"]].append((a["attempt_number"], a["status"], a["status_code"]))
    return {endpoint: tuple(tries) for endpoint, tries in history.items()}
