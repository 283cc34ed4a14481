"""Each fixture case of ``fixtures/*.yaml`` compiled and run on DuckDB and Polars (PostgreSQL runs them in
tests/integration/test_dsl_equivalence.py): the SQL is the expected text, and both engines return the expected rows."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.transform_dsl import compile_sql
from tests.unit.transform_dsl.cases import CASES, IDS
from tests.unit.transform_dsl.engines import TABLE, plan_of, run_duckdb, run_polars


def expected_of(case: dict[str, Any]) -> list[list[Any]]:
    return [[0.0 if value == 0 and isinstance(value, float) else value for value in row] for row in case["expected"]]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixture_runs_on_duckdb(case: dict[str, Any]) -> None:
    assert run_duckdb(plan_of(case), case["schema"], case["rows"]) == expected_of(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixture_runs_on_polars(case: dict[str, Any]) -> None:
    assert run_polars(plan_of(case), case["schema"], case["rows"]) == expected_of(case)


@pytest.mark.parametrize(
    "case", [case for case in CASES if "sql" in case], ids=[c["title"][:80] for c in CASES if "sql" in c]
)
@pytest.mark.parametrize("dialect", ["postgres", "duckdb"])
def test_fixture_compiles_to_its_sql(case: dict[str, Any], dialect: str) -> None:
    if dialect not in case["sql"]:
        pytest.fail(f"the fixture gives no {dialect} SQL")
    assert compile_sql(plan_of(case), dialect, TABLE) == case["sql"][dialect]
