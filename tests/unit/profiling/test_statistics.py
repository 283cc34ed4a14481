"""Column statistics of a sample: one row of figures per column, PII columns' values withheld."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from superset_review.profiling.statistics import TOP_VALUES, column_statistics

FRAME = pl.DataFrame(
    {
        "country": ["FR", "FR", "ES", None, "FR", "US"],
        "amount": [1.5, None, None, None, 7.0, -2.0],
        "day": [date(2024, 1, 2), date(2023, 5, 1), None, None, None, date(2025, 1, 1)],
        "email": ["a@x.io", "b@x.io", "a@x.io", "c@x.io", None, "d@x.io"],
        "empty": pl.Series([None] * 6, dtype=pl.String),
    }
)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("country", {"null_rate": 0.1667, "distinct": 3, "min": "ES", "max": "US", "withheld": False}),
        ("amount", {"null_rate": 0.5, "distinct": 3, "min": -2.0, "max": 7.0}),
        ("day", {"null_rate": 0.5, "distinct": 3, "min": "2023-05-01", "max": "2025-01-01"}),
        ("email", {"null_rate": 0.1667, "distinct": 4, "min": None, "max": None, "top_values": None, "withheld": True}),
        ("empty", {"null_rate": 1.0, "distinct": 0, "min": None, "max": None, "top_values": []}),
    ],
)
def test_figures_per_column(column: str, expected: dict[str, Any]) -> None:
    stats = column_statistics(FRAME, rows=600, withheld={"email"})
    assert (stats["rows"], stats["sampled_rows"]) == (600, 6)
    figures = stats["columns"][column]
    assert {key: figures[key] for key in expected} == expected


def test_top_values_are_ordered_by_count_and_capped() -> None:
    frame = pl.DataFrame({"v": [str(i % 8) for i in range(100)] + ["7"] * 20})
    top = column_statistics(frame, rows=120)["columns"]["v"]["top_values"]
    assert len(top) == TOP_VALUES
    assert top[0] == {"value": "7", "count": 32}
    assert [item["count"] for item in top] == sorted((item["count"] for item in top), reverse=True)


def test_an_empty_frame() -> None:
    assert column_statistics(pl.DataFrame(), rows=0) == {"rows": 0, "sampled_rows": 0, "columns": {}}
