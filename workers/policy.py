"""Delivery policy as pure functions of the configured schedule and an outcome."""

from __future__ import annotations

import random
from collections.abc import Sequence


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def retry_delay_seconds(
    schedule: Sequence[int],
    tries_made: int,
    *,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next try after ``tries_made`` tries, or None when the tries are used up.

    ``schedule[i]`` is the wait after try ``i + 1``; with ``jitter`` 0.2 each wait is drawn from
    ±20 % around it so that a burst of failures does not retry in lock-step.
    """
    if tries_made < 1 or tries_made > len(schedule):
        return None
    base = float(schedule[tries_made - 1])
    if not jitter:
        return base
    return base * (rng or random).uniform(1 - jitter, 1 + jitter)
