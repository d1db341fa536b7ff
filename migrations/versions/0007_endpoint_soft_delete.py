"""soft delete of endpoints

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

``endpoints.deleted_at``: a delete marks the row (constant time, whatever its history) instead of
cascading through every delivery and attempt in one transaction; retention purges that history
in short batches later, then the row. The partial index finds the few deleted rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DELETED = sa.text("deleted_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_endpoints_deleted",
        "endpoints",
        ["deleted_at"],
        postgresql_where=DELETED,
        sqlite_where=DELETED,
    )


def downgrade() -> None:
    # Deleted endpoints were gone for every reader: without the column they would come back.
    op.execute("DELETE FROM endpoints WHERE deleted_at IS NOT NULL")
    op.drop_index("ix_endpoints_deleted", table_name="endpoints")
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("deleted_at")
