"""Running the extension's alembic history and Superset's, each against its own version table."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

VERSION_TABLE = "dataset_review_alembic_version"


def _review_config(connection: object | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(str(files("superset_review.migrations")))))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def review_head() -> str | None:
    return ScriptDirectory.from_config(_review_config()).get_current_head()


def review_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade_review(engine: Engine, revision: str = "head") -> bool:
    """Apply the extension's migrations; True when anything was applied."""
    before = review_revision(engine)
    with engine.begin() as connection:
        command.upgrade(_review_config(connection), revision)
    return review_revision(engine) != before


def superset_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def superset_head() -> str | None:
    config = Config()
    config.set_main_option("script_location", "superset:migrations")
    return ScriptDirectory.from_config(config).get_current_head()
