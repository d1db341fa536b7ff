"""attempt_rollups: attempts per endpoint, minute or hour and outcome, with a duration histogram

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

The endpoint stats, series and the portal's endpoint pages read raw attempts (issue 16: 0.6 to
1.6 s at 1M messages). The worker now keeps this roll-up as it records attempts
(app.deliveries.rollup); the upgrade fills it from the attempts already stored (hour rows for
all, minute rows for the last two days, as retention keeps them), in one statement on each
database. The histogram's bounds are app.kit.histogram.LOWER_BOUNDS_MS, copied here so that
this migration stays as it was written.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOWER_BOUNDS_MS = (
    *(0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 23, 27, 32, 39, 46, 54, 64, 77, 91, 108),
    *(128, 153, 182, 216, 256, 305, 363, 431, 512, 609, 725, 862, 1024, 1218, 1449, 1723),
    *(2048, 2436, 2897, 3445, 4096, 4871, 5793, 6889, 8192, 9742, 11586, 13778, 16384, 19484),
    *(23171, 27555, 32768, 38968, 46341, 55109, 65536, 77936, 92682, 110218),
)
HISTOGRAM = [f"d{i:02d}" for i in range(len(LOWER_BOUNDS_MS))]
MINUTE_RETENTION = timedelta(days=2)


def _bucket_sql() -> str:
    whens = " ".join(
        f"WHEN duration_ms < {bound} THEN {i - 1}"
        for i, bound in enumerate(LOWER_BOUNDS_MS)
        if i > 0
    )
    return f"CASE {whens} ELSE {len(LOWER_BOUNDS_MS) - 1} END"


def backfill_sql(dialect: str) -> str:
    """Every stored attempt into the roll-up (``:minutes_since``: minute rows from then on)."""
    epoch = (
        "CAST(floor(extract(epoch FROM created_at)) AS bigint)"
        if dialect == "postgresql"
        else "CAST(strftime('%s', created_at) AS INTEGER)"
    )
    outcome = (
        "CASE WHEN status = 'succeeded' THEN 'succeeded' "
        "WHEN error_kind = 'http_status' AND status_code IS NOT NULL "
        "THEN 'http_' || CAST(status_code / 100 AS VARCHAR) || 'xx' "
        "ELSE COALESCE(error_kind, 'other') END"
    )
    sums = ", ".join(f"SUM(CASE WHEN b = {i} THEN 1 ELSE 0 END)" for i in range(len(HISTOGRAM)))
    return f"""
        INSERT INTO attempt_rollups (endpoint_id, period_seconds, start_epoch_seconds, outcome,
            attempts, duration_ms_total, {", ".join(HISTOGRAM)})
        SELECT endpoint_id, period, s - s % period, outcome, COUNT(*), SUM(duration_ms), {sums}
        FROM (
            SELECT endpoint_id, {epoch} AS s, {outcome} AS outcome, duration_ms,
                {_bucket_sql()} AS b, created_at
            FROM attempts
        ) AS a
        CROSS JOIN (SELECT 60 AS period UNION ALL SELECT 3600) AS p
        WHERE period = 3600 OR created_at >= :minutes_since
        GROUP BY endpoint_id, period, s - s % period, outcome
    """


def upgrade() -> None:
    op.create_table(
        "attempt_rollups",
        sa.Column("endpoint_id", sa.String(32), nullable=False),
        sa.Column("period_seconds", sa.Integer(), nullable=False),
        sa.Column("start_epoch_seconds", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duration_ms_total", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in HISTOGRAM),
        sa.PrimaryKeyConstraint(
            "endpoint_id",
            "period_seconds",
            "start_epoch_seconds",
            "outcome",
            name="pk_attempt_rollups",
        ),
    )
    op.create_index(
        "ix_attempt_rollups_period_seconds",
        "attempt_rollups",
        ["period_seconds", "start_epoch_seconds"],
    )
    bind = op.get_bind()
    since: datetime | str = datetime.now(UTC) - MINUTE_RETENTION
    if bind.dialect.name == "sqlite":  # attempts.created_at is naive UTC text there
        since = f"{since:%Y-%m-%d %H:%M:%S.%f}"
    bind.execute(sa.text(backfill_sql(bind.dialect.name)), {"minutes_since": since})


def downgrade() -> None:
    op.drop_index("ix_attempt_rollups_period_seconds", table_name="attempt_rollups")
    op.drop_table("attempt_rollups")
