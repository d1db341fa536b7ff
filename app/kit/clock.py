"""The clock: the one function that tells the time, so tests can move it."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
