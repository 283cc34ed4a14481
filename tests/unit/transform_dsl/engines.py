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


def run_duckdb(plan: Plan, schema: Mapping[str, str], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    connection = duckdb.connect()
    try:
        connection.execute(create_table_sql(schema))
        if rows:
            marks = ", ".join("?" for _ in schema)
            connection.executemany(f'INSERT INTO "{TABLE}" VALUES ({marks})', typed_rows(schema, rows))
        # The generated query reads the rows in the table's order (no ORDER BY: one scan, one thread keeps it).
        connection.execute("SET threads = 1")
        return normalized_rows(connection.execute(compile_sql(plan, "duckdb", TABLE)).fetchall())
    finally:
        connection.close()


def run_postgres(cursor: Any, plan: Plan, schema: Mapping[str, str], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """On PostgreSQL through ``cursor`` (its search_path names a schema of the test's own)."""
    cursor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')
    cursor.execute(create_table_sql(schema))
    if rows:
        marks = ", ".join("%s" for _ in schema)
        cursor.executemany(f'INSERT INTO "{TABLE}" VALUES ({marks})', typed_rows(schema, rows))
    cursor.execute(compile_sql(plan, "postgres", TABLE))
    return normalized_rows(cursor.fetchall())
