"""endpoint delivery state: rate-limit slot, circuit breaker, failing since

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(
            sa.Column("circuit_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("circuit_cooldown_seconds", sa.Float(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("circuit_next_probe_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("send_after", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("failing_since", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_success_at", sa.DateTime(timezone=True)))
    # Circuits whose probe is due are found by the scheduler every round.
    op.create_index(
        "ix_endpoints_open_circuits",
        "endpoints",
        ["circuit_next_probe_at"],
        postgresql_where=sa.text("circuit_state <> 'closed'"),
        sqlite_where=sa.text("circuit_state <> 'closed'"),
    )
    # Parked deliveries (next_attempt_at IS NULL) are resumed per endpoint.
    op.create_index(
        "ix_deliveries_parked",
        "deliveries",
        ["endpoint_id"],
        postgresql_where=sa.text("status = 'pending' AND next_attempt_at IS NULL"),
        sqlite_where=sa.text("status = 'pending' AND next_attempt_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_parked", table_name="deliveries")
    op.drop_index("ix_endpoints_open_circuits", table_name="endpoints")
    with op.batch_alter_table("endpoints") as batch:
        for column in (
            "last_success_at",
            "failing_since",
            "send_after",
            "circuit_next_probe_at",
            "circuit_cooldown_seconds",
            "circuit_failures",
        ):
            batch.drop_column(column)
