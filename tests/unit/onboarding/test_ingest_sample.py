"""The Sample Pack's pieces: which column stratifies, each stratum's share, the row and byte caps, determinism, the
masking of what the body shows; and the bands the Domains stage gives under a run's profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from superset_review.domains.catalog import builtin_catalog
from superset_review.domains.classify import Band, ColumnDomain
from superset_review.domains.domaining import PiiVerdict
from superset_review.onboarding.ingest import sample
from superset_review.onboarding.ingest.stage import _banded
from superset_review.pii.types import PiiType


def column(name: str, dtype: str, distinct: int | None) -> dict[str, Any]:
    return {"name": name, "dtype": dtype, "distinct_estimate": distinct}


@pytest.mark.parametrize(
    ("columns", "chosen", "kind"),
    [
        ([column("id", "integer", 1000), column("ordered_on", "date", 300)], "ordered_on", "date"),
        ([column("id", "integer", 1000), column("region", "string", 4), column("colour", "string", 3)], "region",
         "key"),
        ([column("id", "integer", 1000), column("shade", "string", 9), column("colour", "string", 3)], "colour",
         "key"),
        ([column("id", "integer", 1000), column("note", "string", 990)], None, "uniform"),
        ([column("only", "date", 1), column("same", "string", 1)], None, "uniform"),
    ],
)  # fmt: skip
def test_the_stratum_column_is_a_date_then_a_key(columns: list[dict[str, Any]], chosen: str | None, kind: str) -> None:
    choice = sample.choose_stratification(columns, 1000)
    assert (choice.column, choice.kind) == (chosen, kind) and choice.reason


@pytest.mark.parametrize(
    ("sizes", "rows_max", "expected"),
    [
        ({"a": 500, "b": 500}, 10, {"a": 5, "b": 5}),
        ({"a": 990, "b": 10}, 10, {"a": 9, "b": 1}),  # a small stratum keeps a row
        ({"a": 3, "b": 1000}, 100, {"a": 1, "b": 99}),
        ({"a": 2, "b": 2}, 10, {"a": 2, "b": 2}),  # fewer rows than asked: all of them
        ({"a": 334, "b": 333, "c": 333}, 10, {"a": 4, "b": 3, "c": 3}),
    ],
)
def test_quotas_are_proportional_with_a_floor_of_one(
    sizes: dict[str, int], rows_max: int, expected: dict[str, int]
) -> None:
    counts = pl.DataFrame({sample.STRATUM: list(sizes), "len": list(sizes.values())})
    given = sample.quotas(counts, rows_max)
    assert given == expected and sum(given.values()) <= max(rows_max, len(sizes))


def frame(rows: int) -> pl.LazyFrame:
    index = pl.int_range(0, rows, eager=True)
    return pl.DataFrame({"day": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 12, 31), eager=True).gather(
        index % 366), "region": pl.Series(["n", "s", "e"]).gather(index % 3), "value": index}).lazy()  # fmt: skip


def test_chosen_rows_are_deterministic_and_stratified() -> None:
    choice = sample.Stratification("day", "date", "test")
    first, strata = sample.chosen_rows(frame(10_000), choice, 120, 10_000)
    again, _ = sample.chosen_rows(frame(10_000), choice, 120, 10_000)
    assert first == again and len(first) == 120 and strata == 12
    months = frame(10_000).collect()[first].get_column("day").dt.month()
    assert months.value_counts().get_column("count").min() >= 9, "each month in proportion"
    uniform, _ = sample.chosen_rows(frame(10_000), sample.Stratification(None, "uniform", "test"), 50, 10_000)
    assert len(uniform) == 50 and uniform == sorted(uniform) and uniform != list(range(50))


def test_more_strata_than_rows_falls_back_to_the_lowest_ranks() -> None:
    rows, strata = sample.chosen_rows(frame(3000), sample.Stratification("value", "key", "test"), 10, 3000)
    assert len(rows) == 10 and strata == 3000


def test_within_bytes_keeps_whole_rows() -> None:
    drawn = pl.DataFrame({"text": ["x" * 100] * 100, sample.ROW: range(100)}).with_columns(
        pl.col(sample.ROW).hash(sample.SEED).alias(sample.RANK)
    )
    capped = sample.within_bytes(drawn, 2_000)
    assert 0 < capped.height < 100 and capped.estimated_size() <= 2_000
    assert capped.get_column(sample.ROW).to_list() == sorted(capped.get_column(sample.ROW).to_list())
    assert sample.within_bytes(drawn, 10**9).height == 100


def test_written_rows_are_the_same_file_twice(tmp_path: Path) -> None:
    rows = frame(100).collect()
    path_one, hash_one = sample.write_rows(rows, tmp_path / "one")
    path_two, hash_two = sample.write_rows(rows, tmp_path / "two")
    assert hash_one == hash_two and path_one.name == path_two.name == sample.FILE_NAME
    assert not list(tmp_path.rglob("*.partial")), "written whole, then renamed"


def test_shown_values_are_masked_by_domain_and_span() -> None:
    rows = pl.DataFrame({
        "email": ["ann.lee@example.com", "bo.chen@example.org", None],
        "note": ["call +44 20 7946 0958 today", "write to cy.park@example.net", "plain"],
        "amount": [1.5, 2.0, None],
    })  # fmt: skip
    verdicts = {"email": PiiVerdict("email", PiiType.EMAIL, 0.99, "contact.email", "high", "classifier")}
    shown = sample.masked_columns(rows, verdicts, builtin_catalog())
    text = repr(shown)
    for raw in ("ann.lee@example.com", "bo.chen@example.org", "7946 0958", "cy.park@example.net"):
        assert raw not in text
    assert shown["email"][2] is None and shown["note"][2] == "plain" and shown["amount"] == ["1.5", "2.0", None]
    assert sample.examples_of(shown, 2)["note"][1].startswith("write to")


def verdict(domain: str | None, confidence: float, band: Band, pii: PiiType | None = None) -> ColumnDomain:
    return ColumnDomain("c", domain, confidence, band, pii)


@pytest.mark.parametrize(
    ("result", "values_seen", "expected"),
    [
        (verdict("contact.email", 0.95, Band.HIGH, PiiType.EMAIL), True, ("contact.email", "high", "EMAIL")),
        (verdict("contact.email", 0.95, Band.HIGH, PiiType.EMAIL), False, ("contact.email", "borderline", "EMAIL")),
        (verdict("contact.email", 0.8, Band.HIGH, PiiType.EMAIL), True, ("contact.email", "borderline", "EMAIL")),
        (verdict("contact.email", 0.2, Band.BORDERLINE, PiiType.EMAIL), True, (None, "low", None)),
        (verdict(None, 0.1, Band.LOW), True, (None, "low", None)),
    ],
)
def test_bands_follow_the_run_profile(result: ColumnDomain, values_seen: bool, expected: tuple[Any, ...]) -> None:
    banded = _banded(result, {"tau_high": 0.9, "tau_low": 0.5}, values_seen)
    assert (banded["domain"], banded["domain_band"], banded["pii"]) == expected
