"""The fixture cases of AI-safe views (``fixtures/views.yaml``) and what reads them, and the row filters accepted
(with the SQL each becomes), for the unit tests (DuckDB, SQLite) and the integration test (PostgreSQL)."""

from __future__ import annotations

import datetime
import decimal
from pathlib import Path
from typing import Any

import yaml

from superset_review.safe_views.compiler import ViewSource
from superset_review.safe_views.definition import ViewDefinition

FIXTURES = Path(__file__).parent / "fixtures" / "views.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(FIXTURES.read_text(encoding="utf-8"))
SALT = "fixture-salt"


def definition_of(case: dict[str, Any]) -> ViewDefinition:
    return ViewDefinition.from_dict({"base_dataset_id": 1, "name": case["title"][:40], **case["definition"]})


def source_of(case: dict[str, Any]) -> ViewSource:
    return ViewSource(**case.get("source", {"table": "people"}))


def normalized(value: Any) -> Any:
    """A value as the fixtures write it: dates and timestamps as ISO text, decimals as numbers."""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def create_sql(columns: dict[str, str]) -> str:
    return "CREATE TABLE people (" + ", ".join(f'"{name}" {type_}' for name, type_ in columns.items()) + ")"


# The base columns row filters are read against, and filters accepted with the PostgreSQL SQL each becomes.
COLUMNS = {
    "id": "BIGINT",
    "name": "VARCHAR(255)",
    "email": "VARCHAR(255)",
    "created_at": "TIMESTAMP WITHOUT TIME ZONE",
    "birth_date": "DATE",
    "Amount": "NUMERIC(10,2)",
    "active": "BOOLEAN",
    "score": "DOUBLE PRECISION",
    "region code": "TEXT",
}

ACCEPTED = [
    ("id = 1", '"id" = 1'),
    ("id <> 1", '"id" <> 1'),
    ("id != 1", '"id" <> 1'),
    ("id < 10", '"id" < 10'),
    ("id <= 10", '"id" <= 10'),
    ("id > 10", '"id" > 10'),
    ("id >= 10", '"id" >= 10'),
    ("name = 'O''Brien'", "\"name\" = 'O''Brien'"),
    ("id = 1 AND name = 'a'", '"id" = 1 AND "name" = \'a\''),
    ("id = 1 OR id = 2", '"id" = 1 OR "id" = 2'),
    ("NOT id = 1", 'NOT "id" = 1'),
    ("NOT (id = 1 OR id = 2)", 'NOT ("id" = 1 OR "id" = 2)'),
    ("id IN (1, 2, 3)", '"id" IN (1, 2, 3)'),
    ("id NOT IN (1, 2)", 'NOT "id" IN (1, 2)'),
    ("id BETWEEN 1 AND 10", '"id" BETWEEN 1 AND 10'),
    ("id NOT BETWEEN 1 AND 10", 'NOT "id" BETWEEN 1 AND 10'),
    ("email IS NULL", '"email" IS NULL'),
    ("email IS NOT NULL", 'NOT "email" IS NULL'),
    ("active IS TRUE", '"active" IS TRUE'),
    ("active = FALSE", '"active" = FALSE'),
    ("name LIKE 'A%'", "\"name\" LIKE 'A%'"),
    ("name ILIKE 'a%'", "\"name\" ILIKE 'a%'"),
    ("name NOT LIKE '%x%'", "NOT \"name\" LIKE '%x%'"),
    ("lower(email) LIKE '%@example.com'", "LOWER(\"email\") LIKE '%@example.com'"),
    ("upper(trim(name)) = 'BOB'", "UPPER(TRIM(\"name\")) = 'BOB'"),
    ("length(name) > 3", 'LENGTH("name") > 3'),
    ("coalesce(name, 'n/a') <> 'n/a'", "COALESCE(\"name\", 'n/a') <> 'n/a'"),
    ("abs(score) < 1.5", 'ABS("score") < 1.5'),
    ("round(amount, 1) = 2.5", 'ROUND("Amount", 1) = 2.5'),
    ("birth_date >= DATE '2000-01-01'", "\"birth_date\" >= CAST('2000-01-01' AS DATE)"),
    ("created_at < TIMESTAMP '2024-01-01 00:00:00'", "\"created_at\" < CAST('2024-01-01 00:00:00' AS TIMESTAMP)"),
    ("created_at > now() - INTERVAL '30 days'", "\"created_at\" > CURRENT_TIMESTAMP - INTERVAL '30 DAYS'"),
    ("birth_date < current_date", '"birth_date" < CURRENT_DATE'),
    ("extract(year from birth_date) = 1990", 'EXTRACT(YEAR FROM "birth_date") = 1990'),
    (
        "date_trunc('month', created_at) = TIMESTAMP '2024-05-01 00:00:00'",
        "DATE_TRUNC('MONTH', \"created_at\") = CAST('2024-05-01 00:00:00' AS TIMESTAMP)",
    ),
    ("CAST(id AS TEXT) = '7'", "CAST(\"id\" AS TEXT) = '7'"),
    ("id::text = '7'", "CAST(\"id\" AS TEXT) = '7'"),
    ("amount * 2 > 10", '"Amount" * 2 > 10'),  # an unquoted name matches whatever its case, then named exactly
    ("id % 2 = 0", '"id" % 2 = 0'),
    ("score > -1", '"score" > -1'),
    ("\"region code\" = 'EU'", "\"region code\" = 'EU'"),
    ("ID = 1", '"id" = 1'),
    ("name IS DISTINCT FROM 'x'", "\"name\" IS DISTINCT FROM 'x'"),
    ("((id = 1))", '(("id" = 1))'),
    ("score < .5", '"score" < 0.5'),
    ("name = '-- not a comment; nor /* this */'", "\"name\" = '-- not a comment; nor /* this */'"),
    ("name IN ('SELECT 1', 'a.b', 'x''y')", "\"name\" IN ('SELECT 1', 'a.b', 'x''y')"),
    ("trim(both 'x' from name) = 'a'", "TRIM(BOTH 'x' FROM \"name\") = 'a'"),
]
