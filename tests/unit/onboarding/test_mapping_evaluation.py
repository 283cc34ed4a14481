"""Pipelines run on a real Sample Pack (a Parquet file, Polars through the DSL): rates, decisions at the
thresholds' edges, masked examples; and metadata_only's decisions from the rule confidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from superset_review.extension.errors import ReviewError
from superset_review.onboarding.mapping import evaluate_mapping, run_mapping
from superset_review.onboarding.mapping.evaluate import Thresholds, decide, decide_without_sample
from superset_review.onboarding.models import RunMode
from superset_review.transform_dsl import DslError
from tests.unit.onboarding.mapping_bodies import catalog, context, sample_file, source, target, target_schema

EDGES = Thresholds(accept_rate_min=0.95, near_match_window=0.1)


@pytest.mark.parametrize(
    ("success", "near", "decision"),
    [
        (1.0, 0.0, "accept"),
        (0.95, 0.0, "accept"),  # exactly the minimum
        (0.9499, 0.05, "hold"),
        (0.85, 0.0, "hold"),  # exactly the window's floor
        (0.8499, 0.0, "fix"),
        (0.80, 0.15, "hold"),  # success and near together reach the minimum
        (0.80, 0.1499, "fix"),
        (0.0, 0.0, "fix"),
    ],
)
def test_decision_at_the_edges(success: float, near: float, decision: str) -> None:
    assert decide(success, near, EDGES) == decision


@pytest.mark.parametrize(
    ("confidence", "confirm", "decision"),
    [
        (0.95, True, "hold"),
        (0.95, False, "accept"),
        (0.9, False, "accept"),
        (0.89, False, "hold"),
        (0.6, True, "hold"),
        (0.59, True, "fix"),
    ],
)
def test_metadata_only_decisions(confidence: float, confirm: bool, decision: str) -> None:
    thresholds = Thresholds(0.95, 0.1, human_confirm_required=confirm)
    assert decide_without_sample(confidence, thresholds)[0] == decision


AMOUNTS = ["10.5", " 7 ", "abc", "3", None, "12.25", "8", "9", "11", "x1"]  # 9 present, 2 do not cast


def _amounts(tmp_path: Path, **thresholds: float) -> tuple[list, dict]:
    path = sample_file(tmp_path, {"amount": AMOUNTS, "ref": [f"r{n}" for n in range(10)]})
    ctx = context(tmp_path, RunMode.DATA_MODE, **thresholds)
    body = catalog(source("amount", domain="money.amount"), source("ref"))
    outcome = run_mapping(ctx, body, target_schema(target("amount", "float", domain="money.amount")), path)
    return outcome.mappings, outcome.artifacts[0].body


def test_rates_count_present_source_values_only(tmp_path: Path) -> None:
    [mapping], _ = _amounts(tmp_path)
    assert (mapping.success_rate, mapping.near_rate, mapping.fail_rate) == (round(7 / 9, 4), 0.0, round(2 / 9, 4))
    assert mapping.decision == "fix"  # 77.8% < 85%
    assert any("failed at" in reason for reason in mapping.rationale), mapping.rationale


@pytest.mark.parametrize(("accept", "decision"), [(0.77, "accept"), (0.8, "hold"), (0.87, "hold"), (0.88, "fix")])
def test_the_profile_moves_the_decision(tmp_path: Path, accept: float, decision: str) -> None:
    [mapping], _ = _amounts(tmp_path, accept_rate_min=accept)
    assert mapping.decision == decision


def test_examples_show_failures_and_successes(tmp_path: Path) -> None:
    [mapping], plan = _amounts(tmp_path)
    assert mapping.examples and len(mapping.examples) <= 5
    outcomes = [example["outcome"] for example in mapping.examples]
    assert outcomes.count("fail") == 2 and "success" in outcomes
    failed = [example for example in mapping.examples if example["outcome"] == "fail"]
    assert {example["before"]["amount"] for example in failed} == {"abc", "x1"}
    assert all(example["after"] is None for example in failed)
    assert plan["mappings"][0]["examples"] == mapping.examples


def test_near_matches_outside_the_domains_range(tmp_path: Path) -> None:
    """person.age ranges 0..120: 150 converts, but is off."""
    path = sample_file(tmp_path, {"age_text": ["34", "150", "27", "61"]})
    ctx = context(tmp_path, RunMode.DATA_MODE)
    outcome = run_mapping(
        ctx,
        catalog(source("age_text", domain="person.age")),
        target_schema(target("age", "integer", domain="person.age")),
        path,
    )
    [mapping] = outcome.mappings
    assert (mapping.success_rate, mapping.near_rate, mapping.fail_rate) == (0.75, 0.25, 0.0)
    assert mapping.decision == "hold"  # success and near together reach the minimum: a person looks at 150
    assert any("range" in reason for reason in mapping.rationale)


def test_examples_of_personal_data_are_masked(tmp_path: Path) -> None:
    emails = ["ann.lee@example.com", "bo.chen@example.org", "cy@example.net"]
    path = sample_file(tmp_path, {"mail": emails, "first": ["Ann", "Bo", "Cy"], "last": ["Lee", "Chen", "Park"]})
    body = catalog(
        source("mail", domain="contact.email", pii="EMAIL"),
        source("first", domain="person.first_name", pii="PERSON"),
        source("last", domain="person.last_name", pii="PERSON"),
    )
    schema = target_schema(
        target("email", domain="contact.email", pii="EMAIL"),
        target("full_name", domain="person.full_name", pii="PERSON"),
    )
    outcome = run_mapping(context(tmp_path, RunMode.DATA_MODE), body, schema, path)
    email, full_name = outcome.mappings
    assert email.decision == "accept" and full_name.strategy == "compose" and full_name.success_rate == 1.0
    text = repr(outcome.artifacts[0].body)
    for raw in [*emails, "Ann", "Chen", "Bo Chen"]:
        assert raw not in text, f"{raw} left the stage unmasked"
    assert email.examples and all(example["after"] for example in email.examples)


def test_a_sample_without_values_holds(tmp_path: Path) -> None:
    path = sample_file(tmp_path, {"amount": [None, "  ", None]})
    outcome = run_mapping(
        context(tmp_path, RunMode.DATA_MODE), catalog(source("amount")), target_schema(target("amount", "float")), path
    )
    [mapping] = outcome.mappings
    assert mapping.decision == "hold" and mapping.success_rate is None
    assert any("no value of amount" in reason for reason in mapping.rationale)


def test_metadata_only_has_no_rates_and_never_accepts_without_a_person(tmp_path: Path) -> None:
    body = catalog(source("order_total", "float"))
    schema = target_schema(target("order_total", "float"), target("unrelated_thing", required=True))
    outcome = run_mapping(context(tmp_path), body, schema, None)
    total, unrelated = outcome.mappings
    assert total.success_rate is None and total.examples is None
    assert total.decision == "hold" and total.confidence >= 0.9
    assert (unrelated.strategy, unrelated.decision, unrelated.sources) == ("none", "fix", [])
    assert "the target requires a value" in unrelated.rationale
    confirmed = run_mapping(context(tmp_path, human_confirm_required=False), body, schema, None)
    assert confirmed.mappings[0].decision == "accept"


def test_the_plan_artifact_carries_compiled_sql_and_polars(tmp_path: Path) -> None:
    body = catalog(
        source("order_total", "string"),
        source("first", domain="person.first_name"),
        source("last", domain="person.last_name"),
    )
    schema = target_schema(target("order_total", "float"), target("full_name", domain="person.full_name"))
    outcome = run_mapping(context(tmp_path), body, schema, None)
    [artifact] = outcome.artifacts
    plan = artifact.body
    assert str(artifact.kind) == "mapping_plan"
    assert [p["target"] for p in plan["compiled"]["plan"]["pipelines"]] == ["order_total", "full_name"]
    assert len(plan["compiled"]["content_hash"]) == 64
    assert "SELECT" in plan["compiled"]["sql"]["postgres"].upper() and plan["compiled"]["sql"]["duckdb"]
    assert plan["compiled"]["polars"]
    assert all(m["compiled"]["sql"]["postgres"] for m in plan["mappings"])
    assert plan["counts"] == {"accept": 0, "hold": 2, "fix": 0}


def test_evaluate_an_edited_pipeline(tmp_path: Path) -> None:
    path = sample_file(tmp_path, {"amount": AMOUNTS})
    ctx = context(tmp_path, RunMode.DATA_MODE)
    body = catalog(source("amount"))
    schema = target_schema(target("amount", "float"))
    edited = {
        "target": "amount",
        "dsl": {
            "source": "amount",
            "ops": [{"op": "regex_extract", "pattern": "[0-9.]+"}, {"op": "type_cast", "to": "float"}],
        },
    }
    mapping = evaluate_mapping(ctx, edited, body, schema, path)
    assert mapping.origin == "user" and mapping.strategy == "decompose"
    assert (mapping.success_rate, mapping.fail_rate) == (round(8 / 9, 4), round(1 / 9, 4))
    assert mapping.decision == "hold"


def test_an_edited_pipeline_of_the_wrong_type_is_all_near(tmp_path: Path) -> None:
    path = sample_file(tmp_path, {"amount": ["1", "2"]})
    mapping = evaluate_mapping(
        context(tmp_path, RunMode.DATA_MODE),
        {"target": "amount", "dsl": {"source": "amount", "ops": []}},
        catalog(source("amount")),
        target_schema(target("amount", "float")),
        path,
    )
    assert (mapping.success_rate, mapping.near_rate, mapping.decision) == (0.0, 1.0, "hold")
    assert any("the target column is float" in reason for reason in mapping.rationale)


@pytest.mark.parametrize(
    ("edited", "error", "path"),
    [
        (
            {"target": "amount", "dsl": {"source": "amount", "ops": [{"op": "eval", "code": "1"}]}},
            DslError,
            "ops[0].op",
        ),
        ({"target": "amount", "dsl": {"source": "nope", "ops": []}}, DslError, "source"),
        ({"target": "amount", "dsl": "x"}, DslError, "dsl"),
        ({"target": "not_a_target", "dsl": {"source": "amount", "ops": []}}, ReviewError, None),
    ],
)
def test_a_refused_edit_names_what_was_wrong(
    tmp_path: Path, edited: dict, error: type[Exception], path: str | None
) -> None:
    with pytest.raises(error) as raised:
        evaluate_mapping(
            context(tmp_path), edited, catalog(source("amount")), target_schema(target("amount", "float")), None
        )
    if path is not None:
        assert path in raised.value.path  # type: ignore[attr-defined]
        assert raised.value.code == "DSL_REJECT"  # type: ignore[attr-defined]
    else:
        assert raised.value.code == "MAPPING_NOT_FOUND" and raised.value.status == 404  # type: ignore[attr-defined]


def test_a_catalog_column_missing_from_the_sample_counts_no_row(tmp_path: Path) -> None:
    path = sample_file(tmp_path, {"amount": ["1", "2"]})
    body = catalog(source("amount"), source("ghost_count", "integer"))
    schema = target_schema(target("amount", "float"), target("ghost_count", "integer"))
    amount, ghost = run_mapping(context(tmp_path, RunMode.DATA_MODE), body, schema, path).mappings
    assert amount.success_rate == 1.0
    assert (ghost.success_rate, ghost.decision) == (None, "hold")


def test_evaluate_the_stages_own_mapping_type(tmp_path: Path) -> None:
    """The decide command passes the stored mapping as a MappingOut with the person's pipeline in it."""
    from superset_review.onboarding.stages import MappingOut

    path = sample_file(tmp_path, {"amount": AMOUNTS})
    given = MappingOut(
        "amount",
        ["amount"],
        "atomic",
        {"target": "amount", "source": "amount", "ops": [{"op": "trim"}, {"op": "type_cast", "to": "float"}]},
        "user",
        "accept",
        0.5,
        [],
    )
    mapping = evaluate_mapping(
        context(tmp_path, RunMode.DATA_MODE),
        given,
        catalog(source("amount")),
        target_schema(target("amount", "float")),
        path,
    )
    assert (mapping.origin, mapping.strategy, mapping.success_rate) == ("user", "type_alignment", round(7 / 9, 4))


def test_the_alternatives_named_are_the_other_candidates(tmp_path: Path) -> None:
    path = sample_file(tmp_path, {"mail": ["a@example.com", "b@example.com"], "mail_2": ["c@example.com", None]})
    schema = target_schema(target("mail", domain="contact.email"))
    ctx = context(tmp_path, RunMode.DATA_MODE)
    [only] = run_mapping(ctx, catalog(source("mail", domain="contact.email")), schema, path).mappings
    assert not any(reason.startswith("also tried") for reason in only.rationale), "not itself"
    body = catalog(source("mail", domain="contact.email"), source("mail_2", domain="contact.email"))
    [two] = run_mapping(ctx, body, schema, path).mappings
    tried = [reason for reason in two.rationale if reason.startswith("also tried")]
    assert two.sources == ["mail"] and len(tried) == 1 and "from mail_2 (accept" in tried[0]
