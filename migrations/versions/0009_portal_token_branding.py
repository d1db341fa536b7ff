"""a portal token's own branding (white-label per link)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

``portal_tokens.branding``: the product name, logo, primary colour and theme a link's page shows
instead of the operator's (``PORTAL_*``); null (or a missing key) keeps the operator's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("portal_tokens") as batch:
        batch.add_column(sa.Column("branding", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portal_tokens") as batch:
        batch.drop_column("branding")
