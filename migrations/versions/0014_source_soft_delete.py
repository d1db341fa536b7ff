"""soft delete of sources

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-07

``sources.deleted_at``: deleting a source marks its row (and its destinations, as an endpoint's
delete does) instead of cascading through its hidden tenant's whole history in one transaction;
retention purges that history in short batches later, then the source and its tenant. The
partial index finds the few deleted rows. A plain ``add_column``: on SQLite a batch operation
would recreate ``sources`` for nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DELETED = sa.text("deleted_at IS NOT NULL")
_GONE_SOURCES = "SELECT id FROM sources WHERE deleted_at IS NOT NULL"
_GONE_TENANTS = "SELECT tenant_id FROM sources WHERE deleted_at IS NOT NULL"
_GONE_ENDPOINTS = f"SELECT id FROM endpoints WHERE tenant_id IN ({_GONE_TENANTS})"
_GONE_MESSAGES = f"SELECT id FROM messages WHERE tenant_id IN ({_GONE_TENANTS})"
# Children first: SQLite enforces no cascade unless the connection asks for it.
_DOWNGRADE_DELETES = (
    f"DELETE FROM attempts WHERE message_id IN ({_GONE_MESSAGES})",
    f"DELETE FROM deliveries WHERE message_id IN ({_GONE_MESSAGES})",
    f"DELETE FROM message_channels WHERE message_id IN ({_GONE_MESSAGES})",
    f"DELETE FROM message_payloads WHERE message_id IN ({_GONE_MESSAGES})",
    f"DELETE FROM messages WHERE id IN ({_GONE_MESSAGES})",
    f"DELETE FROM recoveries WHERE endpoint_id IN ({_GONE_ENDPOINTS})",
    f"DELETE FROM endpoints WHERE id IN ({_GONE_ENDPOINTS})",
    f"DELETE FROM inbound_dedup WHERE source_id IN ({_GONE_SOURCES})",
    f"DELETE FROM inbound_events WHERE source_id IN ({_GONE_SOURCES})",
    f"DELETE FROM portal_tokens WHERE tenant_id IN ({_GONE_TENANTS})",
    "DELETE FROM sources WHERE deleted_at IS NOT NULL",
    # The hidden tenants those sources owned (a source tenant always has its source).
    "DELETE FROM tenants WHERE kind = 'source' AND id NOT IN (SELECT tenant_id FROM sources)",
)


def upgrade() -> None:
    op.add_column("sources", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_sources_deleted",
        "sources",
        ["deleted_at"],
        postgresql_where=DELETED,
        sqlite_where=DELETED,
    )


def downgrade() -> None:
    # Deleted sources were gone for every reader: without the column they would come back.
    for statement in _DOWNGRADE_DELETES:
        op.execute(statement)
    op.drop_index("ix_sources_deleted", table_name="sources")
    op.drop_column("sources", "deleted_at")
