"""portal tokens, endpoint management fields, delivery log indexes, recoveries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("link_hash", sa.String(length=64), nullable=True),
        sa.Column("link_used_at", TS, nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_portal_tokens_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_tokens")),
        sa.UniqueConstraint("link_hash", name=op.f("uq_portal_tokens_link_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_tokens_token_hash")),
    )
    op.create_index(op.f("ix_portal_tokens_tenant_id"), "portal_tokens", ["tenant_id"])
    op.create_table(
        "message_channels",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_channels_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "channel", "message_id", name=op.f("pk_message_channels")
        ),
    )
    op.create_table(
        "recoveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("endpoint_id", sa.String(length=32), nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("until", TS, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("requeued", sa.Integer(), nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["endpoints.id"],
            name=op.f("fk_recoveries_endpoint_id_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recoveries")),
    )
    op.create_index(op.f("ix_recoveries_endpoint_id"), "recoveries", ["endpoint_id"])

    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("request_headers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("response_headers", sa.JSON(), nullable=True))
    # Endpoint stats read an endpoint's attempts by time; the composite serves endpoint_id alone.
    op.drop_index("ix_attempts_endpoint_id", table_name="attempts")
    op.create_index("ix_attempts_endpoint_id_created_at", "attempts", ["endpoint_id", "created_at"])

    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("trigger", sa.String(length=16), nullable=False, server_default="scheduled")
        )
    op.drop_index("ix_deliveries_endpoint_id", table_name="deliveries")
    op.create_index(
        "ix_deliveries_endpoint_id_message_id", "deliveries", ["endpoint_id", "message_id"]
    )
    op.create_index(
        "ix_deliveries_tenant_id_status_message_id",
        "deliveries",
        ["tenant_id", "status", "message_id"],
    )

    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(sa.Column("channels", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("payload_filter", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("headers", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("metadata", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("old_secrets", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("event_types") as batch:
        batch.add_column(sa.Column("example", sa.JSON(), nullable=True))
    op.create_index(
        "ix_messages_tenant_id_event_type_id", "messages", ["tenant_id", "event_type", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_messages_tenant_id_event_type_id", table_name="messages")
    with op.batch_alter_table("event_types") as batch:
        batch.drop_column("example")
    with op.batch_alter_table("endpoints") as batch:
        for column in ("old_secrets", "metadata", "headers", "payload_filter", "channels"):
            batch.drop_column(column)
    op.drop_index("ix_deliveries_tenant_id_status_message_id", table_name="deliveries")
    op.drop_index("ix_deliveries_endpoint_id_message_id", table_name="deliveries")
    op.create_index("ix_deliveries_endpoint_id", "deliveries", ["endpoint_id"])
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("trigger")
    op.drop_index("ix_attempts_endpoint_id_created_at", table_name="attempts")
    op.create_index("ix_attempts_endpoint_id", "attempts", ["endpoint_id"])
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("response_headers")
        batch.drop_column("request_headers")
    op.drop_index(op.f("ix_recoveries_endpoint_id"), table_name="recoveries")
    op.drop_table("recoveries")
    op.drop_table("message_channels")
    op.drop_index(op.f("ix_portal_tokens_tenant_id"), table_name="portal_tokens")
    op.drop_table("portal_tokens")
