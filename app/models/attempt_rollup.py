"""The attempt roll-up: a Core table (no ORM class), written and read only in bulk."""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from app.kit.histogram import BUCKETS
from app.models.base import Base

# Histogram columns d00…d63: attempts whose duration fell in each bucket of app.kit.histogram.
HISTOGRAM_COLUMNS = tuple(f"d{i:02d}" for i in range(BUCKETS))
MINUTE, HOUR = 60, 3600  # the two periods rolled up, in seconds

# An endpoint's attempts of one minute or one hour with one outcome: their count, summed
# duration and duration histogram, kept up to date by the worker as it records attempts.
ATTEMPT_ROLLUPS = Table(
    "attempt_rollups",
    Base.metadata,
    Column("endpoint_id", String(32), primary_key=True),
    Column("period_seconds", Integer, primary_key=True),  # MINUTE or HOUR
    Column("start_epoch_seconds", BigInteger, primary_key=True),  # the period's start
    Column("outcome", String(32), primary_key=True),  # app.deliveries.rollup.outcome_of
    Column("attempts", Integer, nullable=False),
    Column("duration_ms_total", BigInteger, nullable=False),
    *(Column(name, Integer, nullable=False, server_default="0") for name in HISTOGRAM_COLUMNS),
    # Retention purges by age across endpoints.
    Index("ix_attempt_rollups_period_seconds", "period_seconds", "start_epoch_seconds"),
)
