"""tenants.endpoints_version: bumped by the database on every change to what a tenant subscribes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Publish caches each tenant's subscriptions per process (issue 15: reading the endpoints was a
fifth of the API's CPU per publish). The cache stays right across processes because the version
comes back with the message INSERT of every publish: a different version is a changed endpoint
set, read again. Triggers, not application code, bump it, so every writer (API, worker disabling
an endpoint, retention, any future one) counts: an insert or delete of an endpoint, or an update
of a column subscriptions read (``tenant_id``, ``event_types``, ``channels``, ``payload_filter``,
``disabled``, ``deleted_at``, ``rate_limit_per_second``: publish plans a rate-limited
endpoint's deliveries along its line). Circuit and rate-limit state updates do not touch it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "tenant_id, event_types, channels, payload_filter, disabled, deleted_at, rate_limit_per_second"
)
BUMP = "UPDATE tenants SET endpoints_version = endpoints_version + 1 WHERE id = {row}.tenant_id"

POSTGRESQL = [
    f"""CREATE FUNCTION hookrelay_bump_endpoints_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN {BUMP.format(row="NEW")}; END IF;
        IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN {BUMP.format(row="OLD")}; END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER endpoints_version_rows AFTER INSERT OR DELETE ON endpoints "
    "FOR EACH ROW EXECUTE FUNCTION hookrelay_bump_endpoints_version()",
    f"CREATE TRIGGER endpoints_version_update AFTER UPDATE OF {COLUMNS} ON endpoints "
    "FOR EACH ROW EXECUTE FUNCTION hookrelay_bump_endpoints_version()",
]
SQLITE = [
    f"CREATE TRIGGER endpoints_version_insert AFTER INSERT ON endpoints "
    f"BEGIN {BUMP.format(row='NEW')}; END",
    f"CREATE TRIGGER endpoints_version_delete AFTER DELETE ON endpoints "
    f"BEGIN {BUMP.format(row='OLD')}; END",
    f"CREATE TRIGGER endpoints_version_update AFTER UPDATE OF {COLUMNS} ON endpoints "
    f"BEGIN {BUMP.format(row='NEW')}; {BUMP.format(row='OLD')}; END",
]


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(
            sa.Column("endpoints_version", sa.Integer(), nullable=False, server_default="0")
        )
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER endpoints_version_update ON endpoints")
        op.execute("DROP TRIGGER endpoints_version_rows ON endpoints")
        op.execute("DROP FUNCTION hookrelay_bump_endpoints_version()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER endpoints_version_{name}")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("endpoints_version")
