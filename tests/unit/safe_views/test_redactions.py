"""Redactions and whole views, compiled and run for real: the fixture cases of ``fixtures/views.yaml`` on DuckDB and
SQLite (PostgreSQL runs them in ``tests/integration/test_safe_view_sql.py``), then the properties the cases do not
show one by one: hashes equal to Python's SHA-256 and joinable across views, types kept, names quoted, misfits
refused with the field named."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import duckdb
import pytest

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.safe_views.compiler import CompiledView, ViewSource, compile_view, describe_removed
from superset_review.safe_views.definition import Grain, Operator, Redaction, ViewDefinition
from superset_review.safe_views.redactions import redaction_sql
from superset_review.safe_views.types import TypeClass, column_class
from tests.unit.safe_views.cases import CASES, SALT, create_sql, definition_of, normalized, source_of


def run_duckdb(case: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect()
    connection.execute(create_sql(case["columns"]))
    marks = ", ".join("?" for _ in case["columns"])
    connection.executemany(f"INSERT INTO people VALUES ({marks})", case["rows"])
    return connection.execute(sql).fetchall()


def run_sqlite(case: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(":memory:")
    connection.execute(create_sql(case["columns"]))
    marks = ", ".join("?" for _ in case["columns"])
    connection.executemany(f"INSERT INTO people VALUES ({marks})", case["rows"])
    return connection.execute(sql).fetchall()


RUNNERS = {"duckdb": run_duckdb, "sqlite": run_sqlite}
PARAMS = [(case, engine) for case in CASES for engine in RUNNERS]


@pytest.mark.parametrize(("case", "engine"), PARAMS, ids=[f"{engine}: {case['title']}" for case, engine in PARAMS])
def test_fixture_view_compiles_and_returns_its_rows(case: dict[str, Any], engine: str) -> None:
    refused = (case.get("refused") or {}).get(engine)
    if refused:
        with pytest.raises(ReviewError) as raised:
            compile_view(definition_of(case), source_of(case), case["columns"], dialect=engine, salt=SALT)
        assert raised.value.code == ErrorCode.BAD_VIEW_DEFINITION
        assert refused in raised.value.message
        assert engine in raised.value.message
        return
    compiled = compile_view(definition_of(case), source_of(case), case["columns"], dialect=engine, salt=SALT)
    assert compiled.sql == case["sql"][engine]
    assert compiled.columns == case["definition"]["columns"]
    assert compiled.removed == case.get("removed", [c for c in case["columns"] if c not in compiled.columns])
    rows = [[normalized(value) for value in row] for row in RUNNERS[engine](case, compiled.sql)]
    assert rows == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=[case["title"] for case in CASES])
def test_fixture_view_sql_for_postgresql(case: dict[str, Any]) -> None:
    compiled = compile_view(definition_of(case), source_of(case), case["columns"], dialect="postgresql", salt=SALT)
    assert compiled.sql == case["sql"]["postgres"]


def python_hash(value: str, salt: str = SALT) -> str:
    return hashlib.sha256((salt + value).encode("utf-8")).hexdigest()


def test_hash_is_salted_sha256_of_the_text_as_python_computes_it() -> None:
    values = ["", "a", "Zoë", "東京", "o'brien", "x" * 300, "line\nbreak"]
    expression = redaction_sql("v", "TEXT", Redaction(Operator.HASH), salt=SALT, dialect="duckdb")
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (v TEXT)")
    connection.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    got = [row[0] for row in connection.execute(f"SELECT {expression.sql('duckdb')} FROM t").fetchall()]
    assert got == [python_hash(v) for v in values]


def test_an_integer_hash_is_a_positive_bigint_of_the_first_60_bits() -> None:
    expression = redaction_sql("v", "BIGINT", Redaction(Operator.HASH), salt=SALT, dialect="duckdb")
    connection = duckdb.connect()
    values = [0, 1, -1, 2**62, -(2**63)]
    connection.execute("CREATE TABLE t (v BIGINT)")
    connection.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    rows = connection.execute(
        f"SELECT {expression.sql('duckdb')}, typeof({expression.sql('duckdb')}) FROM t"
    ).fetchall()
    assert [row[0] for row in rows] == [int(python_hash(str(v))[:15], 16) for v in values]
    assert all(0 <= row[0] < 2**60 and row[1] == "BIGINT" for row in rows)


def test_a_salt_is_a_literal_whatever_it_holds() -> None:
    salt = "s' || (SELECT 1) || '--"
    expression = redaction_sql("v", "TEXT", Redaction(Operator.HASH), salt=salt, dialect="duckdb")
    assert "'s'' || (SELECT 1) || ''--'" in expression.sql("duckdb")
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (v TEXT)")
    connection.execute("INSERT INTO t VALUES ('k')")
    assert connection.execute(f"SELECT {expression.sql('duckdb')} FROM t").fetchall() == [(python_hash("k", salt),)]


def test_hashed_keys_join_across_two_views_of_the_same_database() -> None:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE customers (id BIGINT, email TEXT)")
    connection.execute("CREATE TABLE orders (order_id BIGINT, customer_id BIGINT, total DOUBLE)")
    connection.execute("INSERT INTO customers VALUES (1, 'a@x.io'), (2, 'b@x.io'), (3, 'c@x.io')")
    connection.execute("INSERT INTO orders VALUES (10, 1, 5.0), (11, 1, 7.0), (12, 3, 1.0), (13, 4, 2.0)")
    customers = compile_view(
        ViewDefinition(1, "c", ("id",), None, {"id": Redaction(Operator.HASH)}),
        ViewSource(table="customers"),
        {"id": "BIGINT", "email": "TEXT"},
        dialect="duckdb",
        salt="database-salt",
    )
    orders = compile_view(
        ViewDefinition(2, "o", ("customer_id", "total"), None, {"customer_id": Redaction(Operator.HASH)}),
        ViewSource(table="orders"),
        {"order_id": "BIGINT", "customer_id": "BIGINT", "total": "DOUBLE"},
        dialect="duckdb",
        salt="database-salt",
    )
    joined = connection.execute(
        f"SELECT c.id, sum(o.total) FROM ({customers.sql}) c JOIN ({orders.sql}) o ON o.customer_id = c.id "
        "GROUP BY c.id ORDER BY 2"
    ).fetchall()
    assert [total for _, total in joined] == [1.0, 12.0]
    assert {key for key, _ in joined} == {int(python_hash(str(n), "database-salt")[:15], 16) for n in (1, 3)}


def test_null_keeps_each_columns_type() -> None:
    columns = {
        "i": "INTEGER",
        "b": "BIGINT",
        "t": "VARCHAR(255)",
        "d": "DATE",
        "ts": "TIMESTAMP",
        "n": "NUMERIC(10,2)",
        "f": "DOUBLE PRECISION",
        "ok": "BOOLEAN",
    }
    compiled = compile_view(
        ViewDefinition(1, "v", tuple(columns), None, {name: Redaction(Operator.NULL) for name in columns}),
        ViewSource(table="t"),
        columns,
        dialect="duckdb",
        salt=SALT,
    )
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (" + ", ".join(f"{n} {t}" for n, t in columns.items()) + ")")
    described = {row[0]: row[1] for row in connection.execute(f"DESCRIBE {compiled.sql}").fetchall()}
    assert described == {
        "i": "INTEGER",
        "b": "BIGINT",
        "t": "VARCHAR",
        "d": "DATE",
        "ts": "TIMESTAMP",
        "n": "DECIMAL(10,2)",
        "f": "DOUBLE",
        "ok": "BOOLEAN",
    }
    assert connection.execute(f"SELECT count(*) FROM ({compiled.sql})").fetchall() == [(0,)]


def test_generalize_keeps_a_date_a_date_and_an_integer_an_integer() -> None:
    columns = {"d": "DATE", "ts": "TIMESTAMP", "age": "INTEGER"}
    compiled = compile_view(
        ViewDefinition(
            1,
            "v",
            tuple(columns),
            None,
            {
                "d": Redaction(Operator.GENERALIZE, grain=Grain.MONTH),
                "ts": Redaction(Operator.GENERALIZE, grain=Grain.YEAR),
                "age": Redaction(Operator.GENERALIZE, bucket=5),
            },
        ),
        ViewSource(table="t"),
        columns,
        dialect="duckdb",
        salt=SALT,
    )
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (d DATE, ts TIMESTAMP, age INTEGER)")
    described = {row[0]: row[1] for row in connection.execute(f"DESCRIBE {compiled.sql}").fetchall()}
    assert described == {"d": "DATE", "ts": "TIMESTAMP", "age": "BIGINT"}


def test_names_are_quoted_so_a_hostile_name_stays_a_name() -> None:
    hostile = 'x"; DROP TABLE t; --'
    columns = {hostile: "TEXT", "Mixed Case": "INTEGER"}
    compiled = compile_view(
        ViewDefinition(1, "v", (hostile, "Mixed Case"), None, {hostile: Redaction(Operator.MASK, keep_prefix=1)}),
        ViewSource(table='t"x', schema="main"),
        columns,
        dialect="duckdb",
        salt=SALT,
    )
    assert 'FROM "main"."t""x" AS "base"' in compiled.sql
    connection = duckdb.connect()
    connection.execute('CREATE TABLE "t""x" ("x""; DROP TABLE t; --" TEXT, "Mixed Case" INTEGER)')
    connection.execute('INSERT INTO "t""x" VALUES (\'secret\', 7)')
    assert connection.execute(compiled.sql).fetchall() == [("s*****", 7)]
    assert [d[0] for d in connection.execute(compiled.sql).description] == [hostile, "Mixed Case"]


def test_a_table_with_catalog_and_schema_is_named_in_full() -> None:
    compiled = compile_view(
        ViewDefinition(1, "v", ("a",)),
        ViewSource(table="t", schema="s", catalog="c"),
        {"a": "INT"},
        dialect="postgresql",
        salt=SALT,
    )
    assert compiled.sql == 'SELECT\n  "a"\nFROM "c"."s"."t" AS "base"'


@pytest.mark.parametrize(
    ("definition", "field", "words"),
    [
        (ViewDefinition(1, "v", ()), "columns", "at least one column"),
        (ViewDefinition(1, "v", ("id", "salary", "bonus")), "columns", "no column salary, bonus"),
        (
            ViewDefinition(1, "v", ("id",), None, {"salary": Redaction(Operator.NULL)}),
            "redactions.salary",
            "the base dataset has no column salary",
        ),
        (
            ViewDefinition(1, "v", ("id",), None, {"email": Redaction(Operator.NULL)}),
            "redactions.email",
            "add it to columns or drop the redaction",
        ),
        (
            ViewDefinition(1, "v", ("email",), None, {"email": Redaction(Operator.GENERALIZE, grain=Grain.MONTH)}),
            "redactions.email",
            "a grain (month, year) fits a date or timestamp column only",
        ),
        (
            ViewDefinition(1, "v", ("born",), None, {"born": Redaction(Operator.GENERALIZE, bucket=10)}),
            "redactions.born",
            "a bucket fits a numeric column only",
        ),
        (
            ViewDefinition(1, "v", ("email",), None, {"email": Redaction(Operator.GENERALIZE, bucket=10)}),
            "redactions.email",
            "the column's type is VARCHAR(255)",
        ),
    ],
)
def test_a_definition_the_base_does_not_fit_is_refused_naming_the_field(
    definition: ViewDefinition, field: str, words: str
) -> None:
    columns = {"id": "BIGINT", "email": "VARCHAR(255)", "born": "DATE"}
    with pytest.raises(ReviewError) as raised:
        compile_view(definition, ViewSource(table="t"), columns, dialect="postgresql", salt=SALT)
    assert raised.value.code == ErrorCode.BAD_VIEW_DEFINITION
    assert raised.value.status == 422
    assert raised.value.details["field"] == field
    assert raised.value.message.startswith(field + ": ")
    assert words in raised.value.message


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("SELECT * FROM t WHERE id = {{ user_id }}", "Jinja template"),
        ("SELECT 1; SELECT 2", "not one query"),
        ("DELETE FROM t", "not one query"),
        ("SELECT FROM WHERE (", "sqlglot cannot read it"),
    ],
)
def test_a_virtual_source_must_be_one_plain_query(sql: str, words: str) -> None:
    with pytest.raises(ReviewError) as raised:
        compile_view(ViewDefinition(1, "v", ("id",)), ViewSource(sql=sql), {"id": "INT"}, dialect="duckdb", salt=SALT)
    assert raised.value.code == ErrorCode.BAD_VIEW_DEFINITION
    assert raised.value.details == {"field": "base_dataset_id"}
    assert words in raised.value.message


def test_an_engine_without_a_dialect_is_refused_by_name() -> None:
    with pytest.raises(ReviewError) as raised:
        compile_view(ViewDefinition(1, "v", ("id",)), ViewSource(table="t"), {"id": "INT"}, dialect="acme-db", salt="")
    assert raised.value.code == ErrorCode.BAD_VIEW_DEFINITION
    assert "'acme-db'" in raised.value.message


def test_a_filter_refused_by_the_compiler_keeps_its_position() -> None:
    from superset_review.safe_views.filters import RowFilterError

    with pytest.raises(RowFilterError) as raised:
        compile_view(
            ViewDefinition(1, "v", ("id",), "id = 1 OR t.x = 1"),
            ViewSource(table="t"),
            {"id": "INT"},
            dialect="duckdb",
            salt=SALT,
        )
    assert (raised.value.position, raised.value.fragment) == (10, "t.x = 1")


def test_view_source_is_a_table_or_a_query() -> None:
    with pytest.raises(ValueError, match="one of the two"):
        ViewSource(table="t", sql="SELECT 1")
    with pytest.raises(ValueError, match="one of the two"):
        ViewSource()


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        ("VARCHAR(255)", TypeClass.TEXT),
        ("TEXT", TypeClass.TEXT),
        ("CHAR(2)", TypeClass.TEXT),
        ("UUID", TypeClass.TEXT),
        ("BIGINT", TypeClass.INTEGER),
        ("INTEGER", TypeClass.INTEGER),
        ("SMALLINT", TypeClass.INTEGER),
        ("NUMERIC(10,2)", TypeClass.NUMERIC),
        ("DOUBLE PRECISION", TypeClass.NUMERIC),
        ("REAL", TypeClass.NUMERIC),
        ("DATE", TypeClass.DATE),
        ("TIMESTAMP WITHOUT TIME ZONE", TypeClass.TIMESTAMP),
        ("TIMESTAMP WITH TIME ZONE", TypeClass.TIMESTAMP),
        ("BOOLEAN", TypeClass.BOOLEAN),
        ("INTEGER[]", TypeClass.OTHER),
        ("JSONB", TypeClass.OTHER),
        ("a type nobody knows", TypeClass.TEXT),
        ("", TypeClass.TEXT),
    ],
)
def test_column_class_of_superset_type_strings(type_: str, expected: TypeClass) -> None:
    assert column_class(type_, "postgres") is expected


def test_description_says_what_is_removed_and_redacted_and_why() -> None:
    compiled = CompiledView(
        sql="SELECT 1",
        columns=["id", "email", "born", "age"],
        removed=["ssn", "notes"],
        redacted={
            "email": Redaction(Operator.MASK, keep_prefix=2, keep_suffix=4).to_dict(),
            "born": Redaction(Operator.GENERALIZE, grain=Grain.YEAR).to_dict(),
            "age": Redaction(Operator.GENERALIZE, bucket=10).to_dict(),
            "id": Redaction(Operator.HASH).to_dict(),
        },
    )
    text = describe_removed(compiled, {"ssn": "national id: high-risk", "email": "email: personal"})
    assert text.splitlines() == [
        "AI-safe view: only the columns and rows below may reach an LLM.",
        "Removed: ssn (national id: high-risk), notes.",
        "Redacted: email masked (keeps the first 2 and last 4 characters) (email: personal); born generalized to "
        "the year; age generalized to multiples of 10; id hashed (salted SHA-256: equal values stay equal and "
        "joinable).",
    ]
    plain = describe_removed(CompiledView("SELECT 1", ["a"], [], {}), {})
    assert plain.splitlines()[1] == "Every column of the base dataset is in the view, as it is."


@pytest.mark.parametrize("name", ["{{ config }}", "a{%b", "x{#y"])
def test_a_column_named_like_a_template_is_refused(name: str) -> None:
    with pytest.raises(ReviewError) as raised:
        compile_view(
            ViewDefinition(1, "v", ("id", name)),
            ViewSource(table="t"),
            {"id": "INT", name: "TEXT"},
            dialect="postgresql",
            salt=SALT,
        )
    assert raised.value.code == ErrorCode.BAD_VIEW_DEFINITION
    assert raised.value.details == {"field": "columns", "column": name}
    assert "Jinja marker ({{, {% or {#)" in raised.value.message


def test_a_table_named_like_a_template_is_refused() -> None:
    with pytest.raises(ReviewError) as raised:
        compile_view(
            ViewDefinition(1, "v", ("id",)), ViewSource(table="t{{x}}"), {"id": "INT"}, dialect="duckdb", salt=SALT
        )
    assert raised.value.details == {"field": "base_dataset_id"}
    assert "Jinja marker" in raised.value.message


def test_a_hash_without_a_salt_is_the_callers_bug() -> None:
    with pytest.raises(ValueError, match="needs the database's salt"):
        redaction_sql("v", "TEXT", Redaction(Operator.HASH), salt="", dialect="postgresql")


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("INT); DROP TABLE t; --", "CAST(NULL AS INT)"),  # sqlglot reads the type it starts with, nothing more
        ('VARCHAR(10) COLLATE "C"', "CAST(NULL AS VARCHAR(10))"),
        ("tstzrange(", "CAST(NULL AS TEXT)"),  # unreadable: text
        ("", "CAST(NULL AS TEXT)"),
    ],
)
def test_only_a_type_reaches_the_sql_from_a_type_string(hostile: str, expected: str) -> None:
    expression = redaction_sql("v", hostile, Redaction(Operator.NULL), salt=SALT, dialect="postgresql")
    assert expression.sql("postgres") == expected
