"""read-only portal tokens; an admin API key's last use

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

``portal_tokens.read_only``: a token that may view everything of its tenant and change nothing
(no secret reveal either). ``api_keys.last_used_at``: when the key last authenticated a request
(written when a process looks the key up, so at most once per key per process per cache period).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("portal_tokens") as batch:
        batch.add_column(
            sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
    with op.batch_alter_table("portal_tokens") as batch:
        batch.drop_column("read_only")
