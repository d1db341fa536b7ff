"""A fixed log-scale histogram of durations in whole milliseconds: what the attempt roll-up keeps
so that p50/p95/p99 come from bucket counts instead of raw attempts.

Bucket ``i`` holds the integer durations in ``[LOWER_BOUNDS_MS[i], LOWER_BOUNDS_MS[i + 1])``; the
bounds are ``ceil(2 ** (k / 4))`` (four buckets an octave), so 0 to 8 ms are exact and the last
bucket starts at ~110 s (past any timeout). A percentile is read as its bucket's geometric
middle: within ``ERROR_BOUND`` (1/9, from the bucket 8-9 ms; ~9 % from 10 ms up) of the exact
nearest-rank value, for every duration below the last bucket's start. Fixed bounds make histograms additive: rows from two
workers, or minutes into an hour, are summed column by column.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

BUCKETS = 64


def _bounds() -> tuple[int, ...]:
    found = [0]
    k = 0
    while len(found) < BUCKETS:
        bound = math.ceil(2 ** (k / 4))
        if bound > found[-1]:
            found.append(bound)
        k += 1
    return tuple(found)


LOWER_BOUNDS_MS = _bounds()


def bucket_of(duration_ms: int) -> int:
    """The bucket a duration counts in (negative ones in the first)."""
    return max(bisect_right(LOWER_BOUNDS_MS, duration_ms) - 1, 0)


def representative_ms(bucket: int) -> int:
    """The duration a bucket stands for: the geometric middle of the integers it holds."""
    low = LOWER_BOUNDS_MS[bucket]
    if bucket + 1 >= BUCKETS:
        return low
    high = LOWER_BOUNDS_MS[bucket + 1] - 1
    return low if low == 0 else round(math.sqrt(low * high))


def _error_bound() -> float:
    worst = 0.0
    for bucket in range(1, BUCKETS - 1):
        value = representative_ms(bucket)
        for duration in (LOWER_BOUNDS_MS[bucket], LOWER_BOUNDS_MS[bucket + 1] - 1):
            worst = max(worst, abs(value - duration) / duration)
    return worst


ERROR_BOUND = _error_bound()  # 1/9: |reported - exact| <= 11.1 % of the exact value


def percentile_ms(counts: Sequence[int], fraction: float) -> int | None:
    """The nearest-rank ``fraction`` percentile of a histogram's durations (None when empty)."""
    total = sum(counts)
    if total == 0:
        return None
    rank = max(math.ceil(fraction * total), 1)
    seen = 0
    for bucket, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return representative_ms(bucket)
    raise AssertionError("unreachable: rank <= total")
