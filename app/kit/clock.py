"""The clock: the one function that tells the time, so tests can move it."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """A time a client gave: a naive one is taken as UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
