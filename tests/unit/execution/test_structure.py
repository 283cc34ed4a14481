"""Values stay data: only literals may differ between the real and the inert compilation."""

from __future__ import annotations

import pytest

from superset_review.execution.structure import dialect_of, same_shape

INERT = "SELECT * FROM t WHERE s >= 0 AND d = 'x' AND c IN ('x', 'x')"


@pytest.mark.parametrize(
    ("real", "same"),
    [
        ("SELECT * FROM t WHERE s >= 5000 AND d = 'Large' AND c IN ('FR', 'US')", True),
        ("SELECT * FROM t WHERE s >= 0 AND d = 'x'' OR ''1''=''1' AND c IN ('a', 'b')", True),
        ("SELECT * FROM t WHERE s >= 0 OR 1=1 AND d = 'x' AND c IN ('x', 'x')", False),
        ("SELECT * FROM t WHERE s >= total AND d = 'x' AND c IN ('x', 'x')", False),
        ("SELECT * FROM t WHERE s >= 0; DROP TABLE t; SELECT 1 AND d = 'x' AND c IN ('x', 'x')", False),
        ("SELECT * FROM t WHERE s >= 0 AND d = 'x' AND c IN ('x', 'x') --", True),
    ],
)
def test_shapes(real: str, same: bool) -> None:
    check = same_shape(real, INERT, "postgresql")
    assert check.same is same and check.verified


def test_unreadable_template_sql_is_not_verified() -> None:
    check = same_shape("SELECT (", "SELECT (", "postgresql")
    assert check.same and not check.verified and "sqlglot" in (check.detail or "")


@pytest.mark.parametrize("engine", ["elasticsearch", "kustosql", "crate", "no such engine"])
def test_an_engine_sqlglot_has_no_dialect_for_is_not_verified_but_passes(engine: str) -> None:
    """Superset engines missing from its sqlglot table: the check once asked sqlglot for a dialect of that name
    and raised (the preview answered 500)."""
    check = same_shape(INERT, INERT, engine)
    assert check.same and not check.verified and engine in (check.detail or "")


@pytest.mark.parametrize(("engine", "dialect"), [("postgresql", "postgres"), ("mssql", "tsql"), ("duckdb", "duckdb")])
def test_engines_read_with_supersets_own_dialects(engine: str, dialect: str) -> None:
    assert dialect_of(engine) == dialect
    assert same_shape("SELECT 1 WHERE a = 2", "SELECT 1 WHERE a = 0", engine).verified
