"""endpoints.transformation and attempts.request_body: payload transformations (issue 17)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07

An endpoint may carry a transformation, ``{"expression": <JMESPath>, "headers": {…}}`` (null:
the payload is sent as published); an attempt keeps the body it sent when that differs from the
message's payload. Plain ``add_column`` / ``drop_column`` on both databases: on SQLite,
``batch_alter_table`` would recreate ``endpoints`` and drop 0010's triggers with it. The
transformation is not among the columns those triggers watch (publish does not read it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("endpoints", sa.Column("transformation", sa.JSON(), nullable=True))
    op.add_column("attempts", sa.Column("request_body", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("attempts", "request_body")
    op.drop_column("endpoints", "transformation")
