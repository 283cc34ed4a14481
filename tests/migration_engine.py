"""Helpers of the migration engine's tests: a target database on the suite's PostgreSQL, a source file or table of
a few thousand rows, a plan over it, and specs."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import polars as pl
import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from superset_review.migration.engine import FileSource, MigrationSpec, TableSource, Target
from superset_review.transform_dsl import DSL_VERSION, Plan, parse_plan
from tests.services import Services

DATABASE = "migration_engine"
SCHEMA = {"id": "integer", "name": "string", "email": "string", "qty": "string", "day": "string",
          "weight": "float", "region": "string", "seq": "integer"}  # fmt: skip
PIPELINES: list[dict[str, Any]] = [
    {"target": "id", "source": "id", "ops": []},
    {"target": "name_clean", "source": "name", "ops": [{"op": "trim"}, {"op": "case", "to": "upper"}]},
    {"target": "email", "source": "email", "ops": [{"op": "trim"}]},
    {"target": "qty_n", "source": "qty", "ops": [{"op": "type_cast", "to": "integer"}]},
    {"target": "day_d", "source": "day", "ops": [{"op": "date_parse", "format": "%d/%m/%Y"}]},
    {"target": "weight_lb", "source": "weight", "ops": [{"op": "unit_convert", "from": "kg", "to": "lb"}]},
    {"target": "region", "source": "region", "ops": []},
]


def run_id() -> str:
    """A fresh ULID-like run id (26 upper-case letters and digits)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(26))


def database_uri(services: Services) -> str:
    services.postgres.ensure_database(DATABASE)
    return services.postgres.uri(DATABASE)


def engine(services: Services) -> Engine:
    return create_engine(database_uri(services), pool_pre_ping=True)


def rows(count: int, bad_every: int = 0, start: int = 1) -> pl.DataFrame:
    """``count`` source rows; every ``bad_every``-th has a quantity no integer reads (its transform fails)."""
    ids = list(range(start, start + count))
    return pl.DataFrame({
        "id": ids,
        "name": [f"  person {i} " for i in ids],
        "email": [f"user{i}@example.com" for i in ids],
        "qty": [("x" + str(i)) if bad_every and i % bad_every == 0 else str(i % 97) for i in ids],
        "day": [(dt.date(2020, 1, 1) + dt.timedelta(days=i % 900)).strftime("%d/%m/%Y") for i in ids],
        "weight": [i / 7 for i in ids],
        "region": [None if i % 11 == 0 else ("", "north", "south")[i % 3] for i in ids],
        "seq": [i % 5 for i in ids],
    }, schema={"id": pl.Int64, "name": pl.String, "email": pl.String, "qty": pl.String, "day": pl.String,
               "weight": pl.Float64, "region": pl.String, "seq": pl.Int64})  # fmt: skip


def plan(pipelines: list[dict[str, Any]] | None = None) -> Plan:
    return parse_plan({"dsl_version": DSL_VERSION, "pipelines": pipelines or PIPELINES}, SCHEMA)


def write_parquet(frame: pl.DataFrame, directory: Path) -> FileSource:
    path = directory / "source.parquet"
    frame.write_parquet(path)
    return FileSource(path=path, format="parquet")


def write_table(frame: pl.DataFrame, services: Services, table: str, schema: str = "public") -> None:
    """``frame`` as a fresh PostgreSQL table ``schema.table`` (COPY)."""
    import io

    types = {pl.Int64: "bigint", pl.String: "text", pl.Float64: "double precision"}
    columns = ", ".join(f'"{name}" {types[dtype]}' for name, dtype in frame.schema.items())  # type: ignore[index]
    connection = psycopg2.connect(services.postgres.dsn(DATABASE))
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cursor.execute(f'DROP TABLE IF EXISTS "{schema}"."{table}"')
            cursor.execute(f'CREATE TABLE "{schema}"."{table}" ({columns})')
            buffer = io.BytesIO()
            frame.write_csv(buffer, include_header=False, quote_style="non_numeric")
            buffer.seek(0)
            cursor.copy_expert(f'COPY "{schema}"."{table}" FROM STDIN WITH (FORMAT csv)', buffer)
        connection.commit()
    finally:
        connection.close()


def spec_for(source: FileSource | TableSource, target_engine: Engine, run: str, **overrides: Any) -> MigrationSpec:
    values: dict[str, Any] = {
        "run_id": run,
        "source": source,
        "target": Target(target_engine, "staging_area", f"final_{run.lower()}"),
        "plan": plan(),
        "key_columns": ("id",),
        "batch_size": 1000,
        "validations": ("row_count", "checksum"),
        "strategy": "etl",
    }
    values.update(overrides)
    return MigrationSpec(**values)


def query_uri(uri: str, sql: str) -> list[tuple[Any, ...]]:
    """``sql`` on the database of a SQLAlchemy URI (a PostgreSQL of a test's own)."""
    with create_engine(uri).connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(sql)
        return list(cursor.fetchall())


def query(services: Services, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(services.postgres.dsn(DATABASE))
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
    finally:
        connection.rollback()
        connection.close()
