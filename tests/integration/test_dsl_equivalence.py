"""The transform DSL gives the same values and reasons on PostgreSQL (the suite's real one), DuckDB (in process)
and Polars: the fixture cases of ``tests/unit/transform_dsl/fixtures`` on PostgreSQL, then hypothesis-generated
plans (random sequences of valid operations with valid parameters, random accepted regular expressions) over
generated rows (NULLs, NaN, ±inf, huge and tiny numbers, non-ASCII text, dates), compared row by row.

Each example batches up to 60 rows into one query per engine; the example counts keep the file near two minutes on
a loaded machine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings

from superset_review.transform_dsl import compile_sql, parse_plan
from tests.services import Services
from tests.unit.transform_dsl.cases import CASES, IDS
from tests.unit.transform_dsl.engines import (
    TABLE,
    create_table_sql,
    duckdb_connection,
    plan_of,
    run_duckdb,
    run_polars,
    run_postgres,
)
from tests.unit.transform_dsl.strategies import SCHEMA, plans, regex_plans, regex_rows, rows

SCHEMA_NAME = "dsl_equivalence"
PROPERTY = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow,
                    HealthCheck.filter_too_much, HealthCheck.data_too_large])  # fmt: skip


@pytest.fixture(scope="module")
def cursor(services: Services) -> Iterator[Any]:
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA_NAME} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA_NAME}")
        cursor.execute(f"SET search_path TO {SCHEMA_NAME}")
        cursor.execute("SET synchronous_commit TO off")  # thousands of small loads; nothing here must survive a crash
        yield cursor
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA_NAME} CASCADE")
    connection.close()


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb_connection()
    yield connection
    connection.close()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixture_runs_on_postgresql(cursor: Any, case: dict[str, Any]) -> None:
    expected = [
        [0.0 if value == 0 and isinstance(value, float) else value for value in row] for row in case["expected"]
    ]
    assert run_postgres(cursor, plan_of(case), case["schema"], case["rows"]) == expected


def by_row_id(rows_out: list[list[Any]]) -> list[list[Any]]:
    return sorted(rows_out, key=lambda row: row[0])


def same_on_three_engines(cursor: Any, duck: Any, data: dict[str, Any], input_rows: list[list[Any]]) -> None:
    plan = parse_plan(data, SCHEMA)
    on_postgres = by_row_id(run_postgres(cursor, plan, SCHEMA, input_rows, create=False))
    on_duckdb = by_row_id(run_duckdb(plan, SCHEMA, input_rows, duck))
    on_polars = by_row_id(run_polars(plan, SCHEMA, input_rows))
    assert len(on_postgres) == len(input_rows)
    for row, postgres_row, duckdb_row, polars_row in zip(input_rows, on_postgres, on_duckdb, on_polars, strict=True):
        assert postgres_row == duckdb_row == polars_row, {"plan": data, "input": row, "postgres": postgres_row,
                                                           "duckdb": duckdb_row, "polars": polars_row}  # fmt: skip


@pytest.fixture()
def generated_table(cursor: Any) -> Any:
    cursor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')
    cursor.execute(create_table_sql(SCHEMA))
    return cursor


def test_random_plans_give_the_same_rows_on_the_three_engines(generated_table: Any, duck: Any) -> None:
    @settings(PROPERTY, max_examples=220)
    @given(plans(), rows())
    def check(data: dict[str, Any], input_rows: list[list[Any]]) -> None:
        same_on_three_engines(generated_table, duck, data, input_rows)

    check()


def test_random_accepted_regexes_match_alike_on_the_three_engines(generated_table: Any, duck: Any) -> None:
    @settings(PROPERTY, max_examples=150)
    @given(regex_plans(), regex_rows())
    def check(data: dict[str, Any], input_rows: list[list[Any]]) -> None:
        same_on_three_engines(generated_table, duck, data, input_rows)

    check()


def test_the_generated_sql_runs_unchanged_on_both_dialects(cursor: Any) -> None:
    """A plan of every operation compiles for each dialect to SQL the other dialect's engine would refuse or read
    differently (the dialects are not interchangeable), and each runs on its own engine."""
    case = next(case for case in CASES if case["title"].startswith("the reason names the first step"))
    plan = plan_of(case)
    postgres_sql, duckdb_sql = compile_sql(plan, "postgres", TABLE), compile_sql(plan, "duckdb", TABLE)
    assert "REGEXP_MATCH(" in postgres_sql and "OFFSET 0" in postgres_sql
    assert "REGEXP_EXTRACT(" in duckdb_sql and "OFFSET 0" not in duckdb_sql
    run_postgres(cursor, plan, case["schema"], case["rows"])
    with pytest.raises(psycopg2.Error):
        cursor.execute(duckdb_sql)
