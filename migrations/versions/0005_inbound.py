"""inbound gateway: sources, inbound events, dedup keys; destination endpoints; message headers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

A source owns a hidden tenant (``tenants.kind = 'source'``) whose endpoints (``destination``) are
its destinations, so inbound events use the outbound engine as they are. ``message_payloads.headers``
carries an inbound message's content type and forwarded provider headers to the worker's claim.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="customer")
        )
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(
            sa.Column("destination", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("message_payloads") as batch:
        batch.add_column(sa.Column("headers", sa.JSON(), nullable=True))
    _create_sources()
    _create_inbound_events()
    _create_inbound_dedup()


def _create_sources() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("secrets", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("old_token_hash", sa.String(length=64), nullable=True),
        sa.Column("old_token_expires_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sources_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_sources_tenant_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sources_token_hash")),
    )
    op.create_index(op.f("ix_sources_old_token_hash"), "sources", ["old_token_hash"])


def _create_inbound_events() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("cause", sa.String(length=64), nullable=True),
        sa.Column("event_type", sa.String(length=256), nullable=True),
        sa.Column("dedup_key", sa.String(length=256), nullable=True),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("duplicate_of", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("content_type", sa.String(length=256), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_inbound_events_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_events")),
    )
    op.create_index("ix_inbound_events_source_id_id", "inbound_events", ["source_id", "id"])
    op.create_index(
        "ix_inbound_events_source_id_outcome_id", "inbound_events", ["source_id", "outcome", "id"]
    )
    op.create_index(
        "ix_inbound_events_source_id_event_type_id",
        "inbound_events",
        ["source_id", "event_type", "id"],
    )


def _create_inbound_dedup() -> None:
    op.create_table(
        "inbound_dedup",
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("dedup_key", sa.String(length=256), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_inbound_dedup_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "dedup_key", name=op.f("pk_inbound_dedup")),
    )
    op.create_index(op.f("ix_inbound_dedup_expires_at"), "inbound_dedup", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_dedup_expires_at"), table_name="inbound_dedup")
    op.drop_table("inbound_dedup")
    for name in ("event_type_id", "outcome_id", "id"):
        op.drop_index(f"ix_inbound_events_source_id_{name}", table_name="inbound_events")
    op.drop_table("inbound_events")
    op.drop_index(op.f("ix_sources_old_token_hash"), table_name="sources")
    op.drop_table("sources")
    with op.batch_alter_table("message_payloads") as batch:
        batch.drop_column("headers")
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("destination")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("kind")
