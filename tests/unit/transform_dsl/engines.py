"""Run a DSL plan on the three engines and read back rows in one form, for the fixture and property tests.

Rows go in as Python values of the schema's logical types (dates and timestamps as ISO text or ``date``/``datetime``
objects, NaN as the string ``"NaN"`` or a float) and come out normalized: dates and timestamps as ISO text, NaN as
``"NaN"``, -0.0 as 0.0, so that equal rows compare equal whatever engine produced them.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import polars as pl
from psycopg2.extras import execute_values

from superset_review.transform_dsl import DSL_VERSION, Plan, apply_polars, compile_sql, parse_plan

TABLE = "source"
POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "float": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
}
SQL_TYPES = {
    "string": "TEXT",
    "integer": "BIGINT",
    "float": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def plan_of(case: Mapping[str, Any]) -> Plan:
    return parse_plan({"dsl_version": DSL_VERSION, **case["plan"]}, case["schema"])


def typed(value: Any, dtype: str) -> Any:
    """A fixture's value as the engine's type expects it."""
    if value is None:
        return None
    if dtype == "float":
        return float(value)
    if dtype == "date" and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if dtype == "timestamp" and isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value


def typed_rows(schema: Mapping[str, str], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    types = list(schema.values())
    return [tuple(typed(value, dtype) for value, dtype in zip(row, types, strict=True)) for row in rows]


def normalized(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return 0.0 if value == 0 else value
    return value


def normalized_rows(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return [[normalized(value) for value in row] for row in rows]


def frame_of(schema: Mapping[str, str], rows: Sequence[Sequence[Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        typed_rows(schema, rows),
        schema={name: POLARS_TYPES[dtype] for name, dtype in schema.items()},
        orient="row",
    )


def run_polars(plan: Plan, schema: Mapping[str, str], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return normalized_rows(apply_polars(plan, frame_of(schema, rows)).rows())


def create_table_sql(schema: Mapping[str, str], table: str = TABLE) -> str:
    columns = ", ".join(f'"{name}" {SQL_TYPES[dtype]}' for name, dtype in schema.items())
    return f'CREATE TABLE "{table}" ({columns})'


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    # The generated query reads the rows in the table's order (no ORDER BY: one scan, one thread keeps it).
    connection.execute("SET threads = 1")
    return connection


def run_duckdb(
    plan: Plan,
    schema: Mapping[str, str],
    rows: Sequence[Sequence[Any]],
    connection: duckdb.DuckDBPyConnection | None = None,
) -> list[list[Any]]:
    """On DuckDB in process: a connection of its own, or ``connection`` (which may hold the table already)."""
    own = connection is None
    database = duckdb_connection() if connection is None else connection
    try:
        database.execute(f'DROP TABLE IF EXISTS "{TABLE}"')
        database.execute(create_table_sql(schema))
        database.register("rows_frame", frame_of(schema, rows).to_arrow())
        database.execute(f'INSERT INTO "{TABLE}" SELECT * FROM rows_frame')
        database.unregister("rows_frame")
        return normalized_rows(database.execute(compile_sql(plan, "duckdb", TABLE)).fetchall())
    finally:
        if own:
            database.close()


def load_postgres(cursor: Any, schema: Mapping[str, str], rows: Sequence[Sequence[Any]], create: bool = True) -> None:
    """The rows into ``source`` (created for the schema, or emptied when it already has it)."""
    if create:
        cursor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')
        cursor.execute(create_table_sql(schema))
    else:
        cursor.execute(f'TRUNCATE "{TABLE}"')
    if rows:
        execute_values(cursor, f'INSERT INTO "{TABLE}" VALUES %s', typed_rows(schema, rows))


def run_postgres(
    cursor: Any, plan: Plan, schema: Mapping[str, str], rows: Sequence[Sequence[Any]], create: bool = True
) -> list[list[Any]]:
    """On PostgreSQL through ``cursor`` (its search_path names a schema of the test's own)."""
    load_postgres(cursor, schema, rows, create)
    cursor.execute(compile_sql(plan, "postgres", TABLE))
    return normalized_rows(cursor.fetchall())
