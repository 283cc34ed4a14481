"""AI-safe views on the suite's real PostgreSQL: every accepted row filter run, the fixture cases of ``tests/unit/safe_views/fixtures/views.yaml``
compiled for PostgreSQL and run (the same rows as DuckDB and SQLite return), a view's column types as PostgreSQL
reports them, hashed keys joinable across two views, and PostgreSQL and DuckDB agreeing on every hash."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import psycopg2
import pytest

from superset_review.safe_views.compiler import ViewSource, compile_view
from superset_review.safe_views.definition import Operator, Redaction, ViewDefinition
from superset_review.safe_views.filters import filter_sql
from superset_review.safe_views.redactions import redaction_sql
from tests.services import Services
from tests.unit.safe_views.cases import ACCEPTED, CASES, COLUMNS, SALT, create_sql, definition_of, normalized, source_of

SCHEMA = "safe_view_sql"


@pytest.fixture(scope="module")
def cursor(services: Services) -> Iterator[Any]:
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        yield cursor
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    connection.close()


def load(cursor: Any, case: dict[str, Any]) -> None:
    cursor.execute("DROP TABLE IF EXISTS people CASCADE")
    cursor.execute(create_sql(case["columns"]))
    marks = ", ".join("%s" for _ in case["columns"])
    cursor.executemany(f"INSERT INTO people VALUES ({marks})", case["rows"])


def by_value(rows: list[list[Any]]) -> list[list[Any]]:
    return sorted(rows, key=repr)


@pytest.mark.parametrize("case", CASES, ids=[case["title"] for case in CASES])
def test_fixture_view_returns_its_rows_on_postgresql(cursor: Any, case: dict[str, Any]) -> None:
    cursor.execute(f"SET search_path TO {SCHEMA}")
    load(cursor, case)
    compiled = compile_view(definition_of(case), source_of(case), case["columns"], dialect="postgresql", salt=SALT)
    assert compiled.sql == case["sql"]["postgres"]
    cursor.execute(compiled.sql)
    rows = [[normalized(value) for value in row] for row in cursor.fetchall()]
    assert by_value(rows) == by_value(case["expected"])
    assert [column.name for column in cursor.description] == case["definition"]["columns"]


def test_a_view_keeps_the_types_postgresql_reports(cursor: Any) -> None:
    cursor.execute(f"SET search_path TO {SCHEMA}")
    columns = {
        "id": "BIGINT",
        "n": "INTEGER",
        "email": "VARCHAR(255)",
        "born": "DATE",
        "seen": "TIMESTAMP WITHOUT TIME ZONE",
        "amount": "NUMERIC(10,2)",
        "ok": "BOOLEAN",
    }
    cursor.execute("DROP TABLE IF EXISTS typed CASCADE")
    cursor.execute("CREATE TABLE typed (" + ", ".join(f"{n} {t}" for n, t in columns.items()) + ")")
    definition = ViewDefinition.from_dict(
        {
            "base_dataset_id": 1,
            "name": "typed",
            "columns": list(columns),
            "redactions": {
                "id": {"operator": "hash"},
                "n": {"operator": "generalize", "bucket": 10},
                "email": {"operator": "mask", "keep_prefix": 1},
                "born": {"operator": "generalize", "grain": "month"},
                "seen": {"operator": "generalize", "grain": "year"},
                "amount": {"operator": "null"},
                "ok": {"operator": "null"},
            },
        }
    )
    compiled = compile_view(definition, ViewSource(table="typed"), columns, dialect="postgresql", salt=SALT)
    cursor.execute(f"CREATE VIEW typed_view AS {compiled.sql}")
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = 'typed_view' ORDER BY ordinal_position",
        (SCHEMA,),
    )
    assert cursor.fetchall() == [
        ("id", "bigint"),
        ("n", "bigint"),
        ("email", "text"),
        ("born", "date"),
        ("seen", "timestamp without time zone"),
        ("amount", "numeric"),
        ("ok", "boolean"),
    ]


def test_hashed_keys_join_across_two_views_on_postgresql(cursor: Any) -> None:
    cursor.execute(f"SET search_path TO {SCHEMA}")
    cursor.execute("DROP TABLE IF EXISTS customers, orders CASCADE")
    cursor.execute("CREATE TABLE customers (id bigint, email text)")
    cursor.execute("CREATE TABLE orders (order_id bigint, customer_id bigint, total numeric(10,2))")
    cursor.execute("INSERT INTO customers VALUES (1, 'a@x.io'), (2, 'b@x.io'), (3, 'c@x.io')")
    cursor.execute("INSERT INTO orders VALUES (10, 1, 5), (11, 1, 7), (12, 3, 1), (13, 4, 2)")
    hashed = Redaction(Operator.HASH)
    customers = compile_view(
        ViewDefinition(1, "c", ("id", "email"), None, {"id": hashed, "email": hashed}),
        ViewSource(table="customers", schema=SCHEMA),
        {"id": "BIGINT", "email": "TEXT"},
        dialect="postgresql",
        salt="database-salt",
    )
    orders = compile_view(
        ViewDefinition(2, "o", ("customer_id", "total"), "total > 1", {"customer_id": hashed}),
        ViewSource(table="orders", schema=SCHEMA),
        {"order_id": "BIGINT", "customer_id": "BIGINT", "total": "NUMERIC(10,2)"},
        dialect="postgresql",
        salt="database-salt",
    )
    cursor.execute(
        f"SELECT c.id, c.email, sum(o.total) FROM ({customers.sql}) c JOIN ({orders.sql}) o "
        "ON o.customer_id = c.id GROUP BY c.id, c.email"
    )
    joined = cursor.fetchall()
    assert len(joined) == 1  # customer 1's two orders; customer 3's only order is filtered out (total 1)
    key, email, total = joined[0]
    assert float(total) == 12.0
    assert len(email) == 64 and email != "a@x.io"
    cursor.execute(f"SELECT id FROM ({customers.sql}) c ORDER BY id")
    keys = [row[0] for row in cursor.fetchall()]
    assert key in keys and len(set(keys)) == 3 and all(0 <= k < 2**60 for k in keys)


VALUES = [
    ("BIGINT", "bigint", "BIGINT", [0, 1, -42, 9007199254740993, None]),
    ("TEXT", "text", "TEXT", ["", "Zoë", "東京", "o'brien", None]),
    ("DATE", "date", "DATE", ["1990-05-06", "2024-02-29", None]),
    ("TIMESTAMP", "timestamp", "TIMESTAMP", ["2024-03-04 05:06:07", "1999-12-31 23:59:59", None]),
    ("NUMERIC(10,2)", "numeric(10,2)", "DECIMAL(10,2)", [12.5, -0.01, 0, None]),
    ("BOOLEAN", "boolean", "BOOLEAN", [True, False, None]),
]


@pytest.mark.parametrize(("type_", "pg_type", "duck_type", "values"), VALUES, ids=[v[0] for v in VALUES])
def test_postgresql_and_duckdb_hash_equal_values_equally(
    cursor: Any, type_: str, pg_type: str, duck_type: str, values: list[Any]
) -> None:
    cursor.execute(f"SET search_path TO {SCHEMA}")
    cursor.execute("DROP TABLE IF EXISTS hashed")
    cursor.execute(f"CREATE TABLE hashed (n int, v {pg_type})")
    cursor.executemany("INSERT INTO hashed VALUES (%s, %s)", list(enumerate(values)))
    redaction = Redaction(Operator.HASH)
    on_postgres = redaction_sql("v", type_, redaction, salt=SALT, dialect="postgresql").sql("postgres")
    cursor.execute(f"SELECT {on_postgres} FROM hashed ORDER BY n")
    postgres = [row[0] for row in cursor.fetchall()]
    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE hashed (n INT, v {duck_type})")
    duck.executemany("INSERT INTO hashed VALUES (?, ?)", [list(pair) for pair in enumerate(values)])
    on_duckdb = redaction_sql("v", type_, redaction, salt=SALT, dialect="duckdb").sql("duckdb")
    assert [row[0] for row in duck.execute(f"SELECT {on_duckdb} FROM hashed ORDER BY n").fetchall()] == postgres
    assert postgres[-1] is None and len(set(postgres[:-1])) == len(values) - 1


@pytest.fixture(scope="module")
def filtered(cursor: Any) -> Any:
    cursor.execute(f"SET search_path TO {SCHEMA}")
    cursor.execute("DROP TABLE IF EXISTS filtered")
    cursor.execute("CREATE TABLE filtered (" + ", ".join(f'"{name}" {type_}' for name, type_ in COLUMNS.items()) + ")")
    cursor.execute(
        "INSERT INTO filtered VALUES (1, 'bob', 'bob@example.com', now(), DATE '1990-02-03', 5, TRUE, 0.5, 'EU'), "
        "(2, 'O''Brien', NULL, TIMESTAMP '2020-01-01', DATE '2001-01-01', 1.25, FALSE, -2, 'US')"
    )
    return cursor


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[text for text, _ in ACCEPTED])
def test_accepted_filter_runs_on_postgresql(filtered: Any, text: str, expected: str) -> None:
    where = filter_sql(text, COLUMNS, "postgresql")
    assert where == expected
    filtered.execute(f"SET search_path TO {SCHEMA}")
    filtered.execute(f"SELECT id FROM filtered WHERE {where}")
    assert {row[0] for row in filtered.fetchall()} <= {1, 2}
