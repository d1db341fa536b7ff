from datetime import datetime

import msgspec


class RecoveryCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Try again every failed delivery of the endpoint whose message was made in [since, until)."""

    since: datetime
    until: datetime | None = None


class RecoveryOut(msgspec.Struct):
    """A background recovery: ``requeued`` of ``total`` failed deliveries put back so far."""

    id: str
    endpoint_id: str
    since: datetime
    until: datetime | None
    status: str  # running, done
    total: int
    requeued: int
    created_at: datetime
    finished_at: datetime | None


class UndeliveredOut(msgspec.Struct):
    """A message x endpoint pair that ended without success (failed, or parked on a disabled
    endpoint)."""

    message_id: str
    endpoint_id: str
    delivery_id: str
    event_type: str
    status: str
    attempt_count: int
    last_attempt_at: datetime | None
    message_created_at: datetime


class Percentiles(msgspec.Struct):
    p50: int | None
    p95: int | None
    p99: int | None


class WindowStats(msgspec.Struct):
    """An endpoint's attempts over one window: counts by outcome (``succeeded``, ``http_5xx``,
    ``http_4xx``, ``timeout``, ``connection``, …), success rate (null without attempts) and
    nearest-rank duration percentiles in milliseconds, read from a log-scale histogram: within
    11 % of the exact value (exact up to 8 ms)."""

    window: str
    since: datetime
    total: int
    succeeded: int
    failed: int
    success_rate: float | None
    outcomes: dict[str, int]
    duration_ms: Percentiles


class EndpointStats(msgspec.Struct):
    """An endpoint's delivery stats over the last hour, day and week."""

    endpoint_id: str
    windows: list[WindowStats]


class SeriesPoint(msgspec.Struct):
    """One bucket of an endpoint's attempts: those that started in [start, start + bucket)."""

    start: datetime
    succeeded: int
    failed: int
    mean_duration_ms: int | None


class EndpointSeries(msgspec.Struct):
    """An endpoint's attempts over a window, in equal buckets, oldest first (empty ones too)."""

    endpoint_id: str
    window: str  # 1h, 24h, 7d, 30d
    bucket_seconds: int
    points: list[SeriesPoint]


class UndeliveredFilter(msgspec.Struct, kw_only=True):
    """The undelivered report's filters: the message's creation time, one endpoint."""

    after: datetime | None = None  # message created at or after
    before: datetime | None = None  # message created before
    endpoint_id: str | None = None


class OrderingKeyOut(msgspec.Struct):
    """A live ordering key of an ordered endpoint: its head (the one delivery of the key that
    may be tried), since when it is held (its head exhausted its tries under "hold"; null: not
    held), and how many deliveries wait behind the head."""

    ordering_key: str
    head_delivery_id: str | None
    head_message_id: str | None
    held_since: datetime | None
    queued: int
