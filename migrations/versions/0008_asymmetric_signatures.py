"""asymmetric signatures: an endpoint's signature scheme and its ed25519 signing keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

``endpoints.signature_scheme``: ``v1`` (HMAC, every existing endpoint), ``v1a`` (ed25519) or
``both``. ``endpoints.signing_keys``: the ed25519 keys (secret halves encrypted like the HMAC
secrets), null for an endpoint that never signed with ``v1a``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(
            sa.Column("signature_scheme", sa.String(8), nullable=False, server_default="v1")
        )
        batch.add_column(sa.Column("signing_keys", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("endpoints") as batch:
        batch.drop_column("signing_keys")
        batch.drop_column("signature_scheme")
