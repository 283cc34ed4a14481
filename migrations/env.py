"""Alembic environment of superset-review: its own version table, so Superset's history never sees ours."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

VERSION_TABLE = "dataset_review_alembic_version"

config = context.config


def _configure_and_run(connection: Connection) -> None:
    context.configure(connection=connection, version_table=VERSION_TABLE, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        version_table=VERSION_TABLE,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()
elif (given := config.attributes.get("connection")) is not None:
    _configure_and_run(given)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as own_connection:
        _configure_and_run(own_connection)
    engine.dispose()
