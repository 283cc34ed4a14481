"""Rule proposals, table-driven: per case a catalog and one target column, and the strategy, sources and operations
the best candidate must have (validated by the DSL's parser, ending in the target's type)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from superset_review.onboarding.mapping.columns import header_units, source_columns
from superset_review.onboarding.mapping.stage import MappingRun
from superset_review.onboarding.mapping.strategies import strategy_of
from tests.unit.onboarding.mapping_bodies import catalog, context, source, target, target_schema

CASES: list[tuple[str, list[dict[str, Any]], dict[str, Any], str, list[str], list[str]]] = [
    (
        "atomic by domain, different names",
        [source("cust_mail", domain="contact.email", pii="EMAIL"), source("qty", "integer")],
        target("email_address", domain="contact.email"),
        "atomic",
        ["cust_mail"],
        [],
    ),
    (
        "atomic by name, no domains",
        [source("order_total", "float"), source("order_id", "integer")],
        target("order_total", "float"),
        "atomic",
        ["order_total"],
        [],
    ),
    (
        "atomic by abbreviation (cust_tel_no ~ customer telephone number)",
        [source("cust_tel_no"), source("city")],
        target("customer_telephone_number"),
        "atomic",
        ["cust_tel_no"],
        [],
    ),
    (
        "compose: first + last name",
        [
            source("first_name", domain="person.first_name"),
            source("last_name", domain="person.last_name"),
            source("age", "integer", domain="person.age"),
        ],
        target("full_name", domain="person.full_name"),
        "compose",
        ["first_name", "last_name"],
        ["trim", "concat"],
    ),
    (
        "compose by headers alone (no domains yet)",
        [source("fname"), source("surname")],
        target("customer_name", domain="person.full_name"),
        "compose",
        ["fname", "surname"],
        ["trim", "concat"],
    ),
    (
        "decompose: first name from a full name",
        [source("customer", domain="person.full_name")],
        target("first_name", domain="person.first_name"),
        "decompose",
        ["customer"],
        ["trim", "collapse_whitespace", "regex_split"],
    ),
    (
        "decompose: last name, whatever the middle names",
        [source("customer", domain="person.full_name")],
        target("last_name", domain="person.last_name"),
        "decompose",
        ["customer"],
        ["trim", "collapse_whitespace", "regex_extract"],
    ),
    (
        "unit: pounds to kilograms",
        [source("weight_lb", "float", domain="measure.weight")],
        target("weight_kg", "float", domain="measure.weight"),
        "unit",
        ["weight_lb"],
        ["unit_convert"],
    ),
    (
        "unit: pounds as text to integer kilograms",
        [source("weight_lb", "string")],
        target("weight_kg", "integer"),
        "unit",
        ["weight_lb"],
        ["trim", "type_cast", "unit_convert", "safe_math", "type_cast"],
    ),
    (
        "type alignment: US dates as text, format from the catalog's min and max",
        [source("signup", min="03/15/2024", max="12/31/2024")],
        target("signup_date", "date", domain="datetime.date"),
        "type_alignment",
        ["signup"],
        ["trim", "date_parse"],
    ),
    (
        "type alignment: ISO timestamps as text",
        [source("created", min="2024-01-05 10:00:00", max="2024-12-31 23:59:59")],
        target("created_at", "timestamp"),
        "type_alignment",
        ["created"],
        ["trim", "date_parse"],
    ),
    (
        "type alignment: a number written as text",
        [source("amount", "string", domain="money.amount")],
        target("amount", "float", domain="money.amount"),
        "type_alignment",
        ["amount"],
        ["trim", "type_cast"],
    ),
    (
        "type alignment: a date written out as text",
        [source("birthday", "date", domain="datetime.date_of_birth")],
        target("birthday", "string"),
        "type_alignment",
        ["birthday"],
        ["date_format"],
    ),
]


@pytest.mark.parametrize(
    ("sources", "column", "strategy", "expected_sources", "ops"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_best_candidate(
    tmp_path: Path,
    sources: list[dict[str, Any]],
    column: dict[str, Any],
    strategy: str,
    expected_sources: list[str],
    ops: list[str],
) -> None:
    stage = MappingRun(context(tmp_path), catalog(*sources), target_schema(column), None)
    [candidates], dropped = stage.propose()
    assert candidates, f"no candidate; dropped: {dropped}"
    best = candidates[0]
    assert (best.strategy, list(best.sources)) == (strategy, expected_sources), best
    assert [op["op"] for op in best.pipeline["ops"]] == ops, best.pipeline
    assert best.pipeline["target"] == column["name"]
    assert 0.5 <= best.confidence <= 1.0 and best.rationale


def test_compose_and_decompose_parameters(tmp_path: Path) -> None:
    sources = [
        source("first_name", domain="person.first_name"),
        source("last_name", domain="person.last_name"),
        source("contact", domain="person.full_name"),
    ]
    columns = [target("full_name", domain="person.full_name"), target("given", domain="person.first_name")]
    stage = MappingRun(context(tmp_path), catalog(*sources), target_schema(*columns), None)
    [full, given], _ = stage.propose()
    # The full name the source already has wins; composing it from its parts is the runner-up.
    assert [(c.strategy, c.sources) for c in full][:2] == [
        ("atomic", ("contact",)),
        ("compose", ("first_name", "last_name")),
    ]
    concat = full[1].pipeline["ops"][1]
    assert concat == {"op": "concat", "parts": [{"column": "last_name"}], "separator": " "}
    assert given[0].strategy == "atomic" and given[0].sources == ("first_name",)
    decompose = next(c for c in given if c.strategy == "decompose")
    assert decompose.pipeline["ops"][2] == {"op": "regex_split", "pattern": " +", "index": 0}


def test_unit_parameters_are_the_dsls_names(tmp_path: Path) -> None:
    sources = [source("temp_fahrenheit", "float", domain="measure.temperature"), source("height_ft", "float")]
    columns = [target("temp_celsius", "float", domain="measure.temperature"), target("height_cm", "float")]
    stage = MappingRun(context(tmp_path), catalog(*sources), target_schema(*columns), None)
    [temperature, height], _ = stage.propose()
    assert temperature[0].pipeline["ops"] == [{"op": "unit_convert", "from": "fahrenheit", "to": "celsius"}]
    assert height[0].pipeline["ops"] == [{"op": "unit_convert", "from": "ft", "to": "cm"}]


def test_day_first_dates_from_the_sample_beat_the_catalog(tmp_path: Path) -> None:
    """Min and max (01/02/2024, 03/04/2024) read either way; the sample's 25/12/2024 says day first."""
    import polars as pl

    from tests.unit.onboarding.mapping_bodies import sample_file

    path = sample_file(tmp_path, {"signed": ["01/02/2024", "25/12/2024", "03/04/2024"]})
    sources = [source("signed", min="01/02/2024", max="03/04/2024")]
    from superset_review.onboarding.models import RunMode

    stage = MappingRun(
        context(tmp_path, RunMode.DATA_MODE), catalog(*sources), target_schema(target("signed_on", "date")), path
    )
    assert isinstance(stage.sample, pl.DataFrame)
    [candidates], _ = stage.propose()
    assert candidates[0].pipeline["ops"][1] == {"op": "date_parse", "format": "%d/%m/%Y"}


def test_no_candidate(tmp_path: Path) -> None:
    sources = [source("zip", domain="address.postal_code"), source("qty", "integer", domain="measure.quantity")]
    stage = MappingRun(context(tmp_path), catalog(*sources), target_schema(target("favourite_colour")), None)
    [candidates], _ = stage.propose()
    assert candidates == []


def test_domains_that_differ_are_not_matched_by_a_shared_word(tmp_path: Path) -> None:
    """product_name shares "name" with the target; its domain says it is no person's name."""
    sources = [source("product_name", domain="product.name")]
    stage = MappingRun(
        context(tmp_path), catalog(*sources), target_schema(target("name", domain="person.full_name")), None
    )
    [candidates], _ = stage.propose()
    assert candidates == []


def test_a_boolean_is_no_date(tmp_path: Path) -> None:
    stage = MappingRun(
        context(tmp_path), catalog(source("shipped", "boolean")), target_schema(target("shipped", "date")), None
    )
    [candidates], _ = stage.propose()
    assert candidates == []


def test_candidates_are_ranked_and_capped(tmp_path: Path) -> None:
    sources = [source(f"email_{n}", domain="contact.email", domain_confidence=0.5 + n / 20) for n in range(6)]
    stage = MappingRun(
        context(tmp_path), catalog(*sources), target_schema(target("email", domain="contact.email")), None
    )
    [candidates], _ = stage.propose()
    assert len(candidates) == 3
    assert [c.confidence for c in candidates] == sorted((c.confidence for c in candidates), reverse=True)


@pytest.mark.parametrize(
    ("header", "units"),
    [
        ("weight_lb", ("lb",)),
        ("weightKg", ("kg",)),
        ("check_in_date", ()),
        ("distance_miles", ("mi",)),
        ("price_usd", ()),
        ("duration_minutes", ("min",)),
    ],
)
def test_header_units(header: str, units: tuple[str, ...]) -> None:
    [column] = source_columns(catalog(source(header)))
    assert header_units(column.tokens) == units


@pytest.mark.parametrize(
    ("ops", "strategy"),
    [
        ([], "atomic"),
        ([{"op": "trim"}], "atomic"),
        ([{"op": "unit_convert", "from": "lb", "to": "kg"}], "unit"),
        ([{"op": "concat", "parts": [{"column": "b"}]}], "compose"),
        ([{"op": "concat", "parts": [{"literal": "x"}]}], "atomic"),
        ([{"op": "regex_split", "pattern": " ", "index": 0}], "decompose"),
        ([{"op": "type_cast", "to": "integer"}], "type_alignment"),
    ],
)
def test_strategy_of_a_written_pipeline(ops: list[dict[str, Any]], strategy: str) -> None:
    assert strategy_of({"target": "t", "source": "a", "ops": ops}) == strategy


def test_hostile_catalog_fields_give_fewer_candidates_not_errors(tmp_path: Path) -> None:
    body = catalog(source("ok", "integer"))
    body["tables"][0]["columns"] += [
        None,
        7,
        {"name": ["x"]},
        {"name": "y" * 10_000, "dtype": "bogus"},
        {"name": "ok", "dtype": "float"},
    ]
    stage = MappingRun(context(tmp_path), body, {"columns": "not a list"}, None)
    assert [c.name for c in stage.sources] == ["ok", "y" * 255]
    assert stage.sources[1].dtype == "string" and stage.targets == []
