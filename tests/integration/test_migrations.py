"""Migrations are the only way the schema changes: they must match the models, both ways."""

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import migrations
from app.db import migrate, sync_url
from app.models import Base


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", sync_url(url))
    return config


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.db'}"


class TestMigrations:
    def test_migrated_schema_matches_the_models(self, database_url: str) -> None:
        engine = create_engine(sync_url(database_url))
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        engine.dispose()
        assert diff == []

    def test_downgrade_to_base_and_up_again(self, fresh_sqlite: str) -> None:
        migrate(fresh_sqlite)
        command.downgrade(alembic_config(fresh_sqlite), "base")
        migrate(fresh_sqlite)
