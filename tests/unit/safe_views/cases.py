"""The fixture cases of AI-safe views (``fixtures/views.yaml``) and what reads them, for the unit tests (DuckDB,
SQLite) and the integration test (PostgreSQL)."""

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
