"""The roll-up's duration histogram: fixed bounds, and percentiles within the stated bound."""

from __future__ import annotations

import importlib.util
import math
import random
from pathlib import Path

from app.kit.histogram import (
    BUCKETS,
    ERROR_BOUND,
    LOWER_BOUNDS_MS,
    bucket_of,
    percentile_ms,
    representative_ms,
)


def exact_nearest_rank(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


class TestHistogram:
    def test_every_duration_falls_in_the_bucket_of_its_bounds(self) -> None:
        assert len(LOWER_BOUNDS_MS) == BUCKETS and list(LOWER_BOUNDS_MS) == sorted(LOWER_BOUNDS_MS)
        for duration in range(LOWER_BOUNDS_MS[-1] + 10):
            bucket = bucket_of(duration)
            assert LOWER_BOUNDS_MS[bucket] <= duration
            assert bucket == BUCKETS - 1 or duration < LOWER_BOUNDS_MS[bucket + 1]
        assert bucket_of(-5) == 0

    def test_a_bucket_stands_for_its_durations_within_the_bound(self) -> None:
        assert ERROR_BOUND <= 1 / 9 + 1e-9  # the stated bound: 11.1 %
        for duration in range(1, LOWER_BOUNDS_MS[-1]):
            value = representative_ms(bucket_of(duration))
            assert abs(value - duration) <= ERROR_BOUND * duration, duration
        for duration in range(9):  # the first milliseconds are exact
            assert representative_ms(bucket_of(duration)) == duration

    def test_percentiles_from_counts_are_within_the_bound_of_the_exact_ones(self) -> None:
        rng = random.Random(16)
        for _ in range(200):
            values = [int(rng.lognormvariate(4, 1.2)) for _ in range(rng.randint(1, 400))]
            counts = [0] * BUCKETS
            for v in values:
                counts[bucket_of(v)] += 1
            for fraction in (0.5, 0.95, 0.99):
                exact = exact_nearest_rank(values, fraction)
                found = percentile_ms(counts, fraction)
                assert found is not None and abs(found - exact) <= ERROR_BOUND * exact

    def test_an_empty_histogram_has_no_percentile(self) -> None:
        assert percentile_ms([0] * BUCKETS, 0.5) is None

    def test_the_migration_backfills_with_the_same_bounds(self) -> None:
        path = Path(__file__).parents[2] / "migrations" / "versions" / "0011_attempt_rollup.py"
        spec = importlib.util.spec_from_file_location("migration_0011", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.LOWER_BOUNDS_MS == LOWER_BOUNDS_MS
