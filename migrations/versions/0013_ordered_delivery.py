"""ordered delivery per key: messages.ordering_key, endpoints.ordered, ordering_keys

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07

Issue 17: an ordered endpoint receives the messages of one ``ordering_key`` in publish order, one
in flight per key (``app.deliveries.ordering``). Deliveries queued behind their key's head carry
``queued`` (a partial index finds the next of a key; unordered endpoints never have a row in it);
``ordering_keys`` holds each live key's head and sequence. Plain ``add_column`` (no batch): on
SQLite a batch would recreate ``endpoints`` and lose 0010's triggers. The endpoints_version
trigger on update now also watches ``ordered``: publish reads it with the subscriptions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUED = sa.text("queued")
COLUMNS = (
    "tenant_id, event_types, channels, payload_filter, disabled, deleted_at, rate_limit_per_second"
)
BUMP = "UPDATE tenants SET endpoints_version = endpoints_version + 1 WHERE id = {row}.tenant_id"


def _version_trigger(columns: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER endpoints_version_update ON endpoints")
        op.execute(
            f"CREATE TRIGGER endpoints_version_update AFTER UPDATE OF {columns} ON endpoints "
            "FOR EACH ROW EXECUTE FUNCTION hookrelay_bump_endpoints_version()"
        )
    else:
        op.execute("DROP TRIGGER endpoints_version_update")
        op.execute(
            f"CREATE TRIGGER endpoints_version_update AFTER UPDATE OF {columns} ON endpoints "
            f"BEGIN {BUMP.format(row='NEW')}; {BUMP.format(row='OLD')}; END"
        )


def upgrade() -> None:
    op.add_column("messages", sa.Column("ordering_key", sa.String(128), nullable=True))
    op.add_column(
        "endpoints",
        sa.Column("ordered", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.add_column(
        "endpoints",
        sa.Column("ordering_failure_policy", sa.String(8), nullable=False, server_default="hold"),
    )
    op.add_column("deliveries", sa.Column("ordering_key", sa.String(128), nullable=True))
    op.add_column("deliveries", sa.Column("ordering_seq", sa.BigInteger(), nullable=True))
    op.add_column(
        "deliveries",
        sa.Column("queued", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.create_index(
        "ix_deliveries_queued",
        "deliveries",
        ["endpoint_id", "ordering_key", "ordering_seq"],
        postgresql_where=QUEUED,
        sqlite_where=QUEUED,
    )
    op.create_table(
        "ordering_keys",
        sa.Column("endpoint_id", sa.String(32), nullable=False),
        sa.Column("ordering_key", sa.String(128), nullable=False),
        sa.Column("tenant_id", sa.String(32), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_id", sa.String(32), nullable=True),
        sa.Column("held_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["endpoints.id"],
            name="fk_ordering_keys_endpoint_id_endpoints",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("endpoint_id", "ordering_key", name="pk_ordering_keys"),
    )
    op.create_index("ix_ordering_keys_head_id", "ordering_keys", ["head_id"])
    _version_trigger(f"{COLUMNS}, ordered")


def downgrade() -> None:
    _version_trigger(COLUMNS)
    op.drop_index("ix_ordering_keys_head_id", table_name="ordering_keys")
    op.drop_table("ordering_keys")
    op.drop_index("ix_deliveries_queued", table_name="deliveries")
    for table, column in (
        ("deliveries", "queued"),
        ("deliveries", "ordering_seq"),
        ("deliveries", "ordering_key"),
        ("endpoints", "ordering_failure_policy"),
        ("endpoints", "ordered"),
        ("messages", "ordering_key"),
    ):
        op.drop_column(table, column)
