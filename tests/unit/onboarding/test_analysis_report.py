"""The analysis report on hand-built artifacts: metadata_only sections, data_mode checks on a real Sample Pack
(Polars through the DSL), PSI/KS against a target sample, and every recommended fix staged as a mapping change
that makes the pipeline better when it is run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from superset_review.extension.errors import ReviewError
from superset_review.onboarding.analysis import fix_to_mapping, run_analysis
from superset_review.onboarding.analysis.report import Report
from superset_review.onboarding.mapping import evaluate_mapping, run_mapping
from superset_review.onboarding.mapping.stage import MappingRun
from superset_review.onboarding.models import RunMode
from tests.unit.onboarding.mapping_bodies import catalog, context, sample_file, source, target, target_schema


def mapping(target_name: str, source_name: str, ops: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "target": target_name,
        "sources": extra.get("sources", [source_name]),
        "strategy": extra.get("strategy", "atomic"),
        "dsl": {"target": target_name, "source": source_name, "ops": ops},
        "origin": "user",
        "decision": extra.get("decision", "hold"),
        "confidence": 0.9,
        "rationale": [],
    }


def by_kind(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [anomaly for anomaly in report["anomalies"] if anomaly["kind"] == kind]


def test_metadata_only_sections(tmp_path: Path) -> None:
    body = catalog(
        source("amount", "string"),
        source("mail", domain="contact.email", pii="EMAIL"),
        source("first", domain="person.first_name"),
        source("last", domain="person.last_name"),
    )
    schema = target_schema(
        target("amount", "float"),
        target("contact"),
        target("full_name", domain="person.full_name"),
        target("loyalty_tier", required=True),
    )
    mappings = [
        mapping("amount", "amount", []),  # text into a float column: inconsistent
        mapping("contact", "mail", []),  # e-mail addresses into a column not marked as PII
        mapping(
            "full_name",
            "first",
            [{"op": "concat", "parts": [{"column": "last"}], "separator": " "}],
            strategy="compose",
            sources=["first", "last"],
        ),
        {**mapping("loyalty_tier", "amount", []), "strategy": "none", "sources": [], "decision": "fix"},
    ]
    [artifact] = run_analysis(context(tmp_path), body, schema, mappings, None)
    report = artifact.body
    assert str(artifact.kind) == "analysis" and report["mode"] == "metadata_only" and report["data"] is None
    consistency = {row["target"]: row for row in report["consistency"]}
    assert consistency["amount"]["consistent"] is False and consistency["amount"]["output_type"] == "string"
    assert consistency["full_name"]["consistent"] is True
    coverage = report["coverage"]
    assert (coverage["targets"], coverage["mapped"], coverage["required_unmapped"]) == (4, 3, ["loyalty_tier"])
    [pii] = [row for row in coverage["pii"] if row["side"] == "source"]
    assert pii["column"] == "mail" and pii["into"] == ["contact"] and "not marked as PII" in pii["treatment"]
    matrix = {row["target"]: row["cells"] for row in report["feasibility"]["rows"]}
    assert matrix["full_name"]["compose"] == "chosen"
    assert matrix["amount"]["type_alignment"] == "feasible" and matrix["amount"]["atomic"] == "chosen"
    assert set(matrix["loyalty_tier"].values()) == {None}
    assert {a["kind"] for a in report["anomalies"]} == {"type_mismatch", "pii_unmarked", "required_unmapped"}
    [mismatch] = by_kind(report, "type_mismatch")
    change = fix_to_mapping(report, mismatch["fix"]["id"])
    assert change["target"] == "amount" and change["dsl"]["ops"] == [{"op": "type_cast", "to": "float"}]
    assert all(anomaly["id"].startswith("an_") for anomaly in report["anomalies"])


AMOUNTS = ["$7", "8", "$9.5", "10", "$11", " 12 ", "13", "14", "15", "16"]  # 4 fail as they are, 3 once trimmed


def data_run(
    tmp_path: Path,
    mappings: list[dict[str, Any]],
    rows: dict[str, list[Any]],
    columns: list[dict[str, Any]],
    targets: list[dict[str, Any]],
    target_sample: pl.DataFrame | None = None,
) -> dict[str, Any]:
    path = sample_file(tmp_path, rows)
    stage = MappingRun(context(tmp_path, RunMode.DATA_MODE), catalog(*columns), target_schema(*targets), path)
    return Report(stage, mappings, target_sample, None if target_sample is not None else "no target sample").body()


def test_null_rates_and_their_fixes(tmp_path: Path) -> None:
    columns = [source("amount")]
    targets = [target("amount", "float")]
    report = data_run(
        tmp_path,
        [mapping("amount", "amount", [{"op": "type_cast", "to": "float"}])],
        {"amount": AMOUNTS},
        columns,
        targets,
    )
    [nulls] = report["data"]["nulls"]
    assert (nulls["null_rate"], nulls["failed_rate"], nulls["over"]) == (0.4, 0.4, True)
    [anomaly] = by_kind(report, "null_rate")
    change = fix_to_mapping(report, anomaly["fix"]["id"])
    assert change["dsl"]["ops"] == [{"op": "trim"}, {"op": "type_cast", "to": "float"}]
    ctx = context(tmp_path, RunMode.DATA_MODE)
    path = tmp_path / "sample.parquet"
    trimmed = evaluate_mapping(ctx, change, catalog(*columns), target_schema(*targets), path)
    assert trimmed.fail_rate == 0.3, "the trim fix rescued ' 12 '"
    # Run again with the trim in place: the next fix extracts the number, and then nothing fails.
    again = data_run(
        tmp_path, [mapping("amount", "amount", change["dsl"]["ops"])], {"amount": AMOUNTS}, columns, targets
    )
    second = fix_to_mapping(again, by_kind(again, "null_rate")[0]["fix"]["id"])
    assert [op["op"] for op in second["dsl"]["ops"]] == ["trim", "regex_extract", "type_cast"]
    assert evaluate_mapping(ctx, second, catalog(*columns), target_schema(*targets), path).fail_rate == 0.0


def test_duplicate_keys(tmp_path: Path) -> None:
    report = data_run(
        tmp_path,
        [mapping("customer_id", "cid", [])],
        {"cid": [1, 2, 2, 3, None]},
        [source("cid", "integer")],
        [target("customer_id", "integer")],
    )
    [row] = report["data"]["duplicates"]
    assert (row["duplicate_rate"], row["over"]) == (0.25, True)
    assert report["duplicate_keys"] == {"key": "customer_id", "rate": 0.25}
    [anomaly] = by_kind(report, "duplicate_keys")
    assert fix_to_mapping(report, anomaly["fix"]["id"])["decision"] == "hold"


def test_dates_out_of_range_suggest_the_other_day_month_order(tmp_path: Path) -> None:
    # Read month first, 13/02/2024 fails and 01/02/1850 is before 1900.
    ops = [{"op": "date_parse", "format": "%m/%d/%Y"}]
    report = data_run(
        tmp_path,
        [mapping("signed_on", "signed", ops)],
        {"signed": ["01/02/2024", "01/02/1850", "03/04/2024"]},
        [source("signed")],
        [target("signed_on", "date")],
    )
    [check] = report["data"]["sanity"]
    assert (check["before_1900"], check["after_2100"]) == (1, 0)
    [anomaly] = by_kind(report, "date_range")
    assert fix_to_mapping(report, anomaly["fix"]["id"])["dsl"]["ops"] == [{"op": "date_parse", "format": "%d/%m/%Y"}]


def test_negative_weights_and_out_of_range_ages(tmp_path: Path) -> None:
    report = data_run(
        tmp_path,
        [mapping("weight", "w", []), mapping("age", "a", [])],
        {"w": [70.5, -3.0, 80.0], "a": [30, 150, 40]},
        [source("w", "float"), source("a", "integer")],
        [target("weight", "float", domain="measure.weight"), target("age", "integer", domain="person.age")],
    )
    sanity = {row["target"]: row for row in report["data"]["sanity"]}
    assert (sanity["weight"]["negative"], sanity["age"]["outside_range"]) == (1, 1)
    assert {a["target"] for a in by_kind(report, "value_range")} == {"weight", "age"}


def test_cross_field_start_after_end(tmp_path: Path) -> None:
    rows = {"s": ["2024-01-01", "2024-05-01", "2024-02-01"], "e": ["2024-02-01", "2024-04-01", None]}
    parse = [{"op": "date_parse", "format": "%Y-%m-%d"}]
    report = data_run(
        tmp_path,
        [mapping("start_date", "s", parse), mapping("end_date", "e", parse)],
        rows,
        [source("s"), source("e")],
        [target("start_date", "date"), target("end_date", "date")],
    )
    assert report["data"]["cross_field"] == [{"rule": "start_date <= end_date", "rows": 2, "broken": 1}]
    [anomaly] = by_kind(report, "cross_field")
    assert anomaly["target"] == "end_date" and anomaly["value"] == 1


def test_distribution_shift_by_a_unit_factor_suggests_the_conversion(tmp_path: Path) -> None:
    kilograms = [50.0 + n for n in range(40)]
    pounds = pl.DataFrame({"weight_lb": [round(value / 0.45359237, 3) for value in kilograms]})
    report = data_run(
        tmp_path,
        [mapping("weight_lb", "weight", [])],
        {"weight": kilograms},
        [source("weight", "float", domain="measure.weight")],
        [target("weight_lb", "float", domain="measure.weight")],
        target_sample=pounds,
    )
    [column] = report["data"]["distribution"]["columns"]
    assert column["kind"] == "numeric" and column["ks"] == 1.0 and column["psi"] > 0.25
    assert report["columns"] == [{"target": "weight_lb", "null_rate": 0.0, "psi": column["psi"], "ks": 1.0}]
    [anomaly] = by_kind(report, "distribution_shift")
    change = fix_to_mapping(report, anomaly["fix"]["id"])
    assert change["dsl"]["ops"] == [{"op": "unit_convert", "from": "kg", "to": "lb"}]
    fixed = data_run(
        tmp_path,
        [mapping("weight_lb", "weight", change["dsl"]["ops"])],
        {"weight": kilograms},
        [source("weight", "float", domain="measure.weight")],
        [target("weight_lb", "float", domain="measure.weight")],
        target_sample=pounds,
    )
    [after] = fixed["data"]["distribution"]["columns"]
    assert after["ks"] < 0.2 and after["psi"] < 0.25 and not by_kind(fixed, "distribution_shift")


def test_categorical_distribution(tmp_path: Path) -> None:
    theirs = pl.DataFrame({"status": ["active"] * 10 + ["closed"] * 10})
    report = data_run(
        tmp_path,
        [mapping("status", "st", [{"op": "case", "to": "lower"}])],
        {"st": ["ACTIVE"] * 19 + ["Closed"]},
        [source("st")],
        [target("status")],
        target_sample=theirs,
    )
    [column] = report["data"]["distribution"]["columns"]
    assert column["kind"] == "categorical" and column["ks"] is None and column["psi"] > 0.25
    assert by_kind(report, "distribution_shift")[0]["fix"]["action"] == "hold"


def test_a_yaml_target_has_no_sample_to_compare(tmp_path: Path) -> None:
    path = sample_file(tmp_path, {"amount": ["1", "2"]})
    ctx = context(tmp_path, RunMode.DATA_MODE)
    body, schema = catalog(source("amount")), target_schema(target("amount", "float"))
    outcome = run_mapping(ctx, body, schema, path)
    [artifact] = run_analysis(ctx, body, schema, outcome.mappings, path)
    report = artifact.body
    assert report["data"]["distribution"]["target_sample"]["rows"] is None
    assert any("YAML" in note for note in report["notes"])
    assert report["data"]["nulls"][0]["null_rate"] == 0.0


def test_an_unknown_fix() -> None:
    with pytest.raises(ReviewError) as raised:
        fix_to_mapping({"anomalies": [{"fix": {"id": "fx_1", "change": {}}}]}, "fx_2")
    assert raised.value.code == "MAPPING_NOT_FOUND" and raised.value.status == 404


def test_a_stored_pipeline_without_its_target_is_read(tmp_path: Path) -> None:
    stored = mapping("amount", "amount", [{"op": "trim"}, {"op": "type_cast", "to": "float"}])
    del stored["dsl"]["target"]
    report = data_run(tmp_path, [stored], {"amount": AMOUNTS}, [source("amount")], [target("amount", "float")])
    assert report["consistency"][0]["consistent"] is True
    assert report["data"]["nulls"][0]["null_rate"] == 0.3
