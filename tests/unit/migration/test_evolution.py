"""Schema evolution between runs, without services: catalogs shaped like what Ingest and Domains write, diffed into
added, removed, retyped and renamed columns (renames by name, by the domain catalog's aliases, by domains and by
value overlap, one-to-one), the rule each change calls for, and the decision of each policy for each kind of diff."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from superset_review.domains.catalog import builtin_catalog
from superset_review.migration.evolution import (
    MAX_SCORED_PAIRS,
    RENAME_AUTO,
    RENAME_MIN,
    WIDENING,
    Decision,
    Policy,
    PolicySchema,
    RuleAction,
    SchemaDiffResultSchema,
    TypeChange,
    alias_index,
    assign,
    best_assignment,
    canonical_value,
    catalog_columns,
    decide,
    diff_catalogs,
    pairs_to_score,
    propose_rules,
    rename_candidate,
    rewritten_mapping,
    type_change,
)
from superset_review.transform_dsl import DSL_VERSION, parse_plan
from superset_review.transform_dsl.semantics import CASTS

ALIASES = alias_index(builtin_catalog())


def column(name: str, dtype: str = "string", original: str | None = None, **fields: Any) -> dict[str, Any]:
    """A catalog column as Ingest writes it (domain fields as the Domains stage adds them)."""
    return {
        "name": name,
        "original_name": original or name,
        "dtype": dtype,
        "physical_type": {"integer": "Int64", "float": "Float64", "date": "Date"}.get(dtype, "String"),
        "nullable": True,
        "null_count": fields.pop("null_count", 0),
        "distinct_estimate": fields.pop("distinct_estimate", None),
        "min": fields.pop("min", None),
        "max": fields.pop("max", None),
        "domain": fields.pop("domain", None),
        "domain_confidence": None,
        "domain_band": None,
        "pii": None,
        **fields,
    }


def catalog(*columns: dict[str, Any], rows: int = 100) -> dict[str, Any]:
    return {
        "catalog_version": 1,
        "source": {"type": "file", "format": "csv", "name": "partner.csv"},
        "tables": [{"name": "partner", "row_count": rows, "schema_hash": "h", "content_hash": "c",
                    "columns": list(columns)}],
    }  # fmt: skip


def mapping(target: str, source: str, ops: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"target": target, "sources": [source], "dsl": {"target": target, "source": source, "ops": ops or []},
            "decision": "accept"}  # fmt: skip


EMAILS = ["ann@example.com", "bo@example.org", "cy@example.net"]
CITIES = ["Moscow", "Paris", "Oslo"]


# --- types ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("integer", "integer", None),
        ("integer", "float", TypeChange.WIDENING),
        ("integer", "string", TypeChange.WIDENING),
        ("float", "string", TypeChange.WIDENING),
        ("boolean", "integer", TypeChange.WIDENING),
        ("date", "timestamp", TypeChange.WIDENING),
        ("timestamp", "string", TypeChange.WIDENING),
        ("float", "integer", TypeChange.BREAKING),
        ("string", "integer", TypeChange.BREAKING),
        ("string", "date", TypeChange.BREAKING),
        ("timestamp", "date", TypeChange.BREAKING),
        ("integer", "boolean", TypeChange.BREAKING),
        ("integer", "date", TypeChange.BREAKING),
    ],
)
def test_type_changes_are_widening_or_breaking(old: str, new: str, expected: TypeChange | None) -> None:
    assert type_change(old, new) is expected


@pytest.mark.parametrize(("old", "new"), sorted(WIDENING))
def test_every_widening_is_undone_by_a_cast_the_dsl_accepts(old: str, new: str) -> None:
    """The cast rule reads a widened column back as the type its pipeline was written for: the DSL must allow it."""
    assert old in CASTS[new]
    plan = parse_plan({"dsl_version": DSL_VERSION,
                       "pipelines": [{"target": "t", "source": "c", "ops": [{"op": "type_cast", "to": old}]}]},
                      {"c": new})  # fmt: skip
    assert plan.pipelines[0].output_type == old


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [(" Ann ", "ann"), ("150", "150"), ("150.0", "150"), ("1.5e2", "150"), ("172.5", "172.5"),
     ("2024-01-05 00:00:00", "2024-01-05"), ("2024-01-05 10:00:00", "2024-01-05 10:00:00"), ("", None),
     (None, None), ("NaN", "nan"), ("inf", "inf")],
)  # fmt: skip
def test_values_are_compared_in_one_form(raw: object, canonical: str | None) -> None:
    assert canonical_value(raw) == canonical


# --- the diff ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "current", "added", "removed", "retyped"),
    [
        ([column("a"), column("b")], [column("a"), column("b")], [], [], []),
        ([column("a")], [column("a"), column("zip_code")], ["zip_code"], [], []),
        ([column("a"), column("notes")], [column("a")], [], ["notes"], []),
        ([column("amount", "integer")], [column("amount", "float")], [], [], [("amount", "widening")]),
        ([column("amount", "float")], [column("amount", "integer")], [], [], [("amount", "breaking")]),
        ([column("day", "string")], [column("day", "date")], [], [], [("day", "breaking")]),
    ],
)
def test_added_removed_and_retyped_columns(
    previous: list[dict[str, Any]],
    current: list[dict[str, Any]],
    added: list[str],
    removed: list[str],
    retyped: list[tuple[str, str]],
) -> None:
    diff = diff_catalogs(catalog(*previous), catalog(*current), aliases=ALIASES)
    assert [c.name for c in diff.added] == added
    assert [c.name for c in diff.removed] == removed
    assert [(c["column"], c["change"]) for c in diff.type_changed] == retyped
    assert diff.renamed == [] and diff.changed is bool(added or removed or retyped)
    assert diff.unchanged == len({c["name"] for c in current} & {c["name"] for c in previous}) - len(retyped)


RENAMES = [
    pytest.param(
        column("customerid", "integer", "CUSTOMERID", min="1", max="100", distinct_estimate=100),
        column("customer_id", "integer", "CustomerId", min="1", max="120", distinct_estimate=120),
        "same words, other case or separators",
        id="changed case",
    ),
    pytest.param(
        column("city", original="City", domain="address.city", examples=CITIES, distinct_estimate=3),
        column("gorod", original="Город", domain="address.city", examples=CITIES, distinct_estimate=3),
        "address.city",
        id="translated header",
    ),
    pytest.param(
        column("e_mail", original="E-mail", domain="contact.email", examples=EMAILS, distinct_estimate=100),
        column(
            "email_address",
            original="Email Address",
            domain="contact.email",
            examples=EMAILS[:2],
            distinct_estimate=100,
        ),
        "contact.email",
        id="synonym of one domain",
    ),
    pytest.param(
        column("cust_no", "integer", min="1", max="50"),
        column("customer_number", "integer", min="1", max="60"),
        "same words",
        id="abbreviation spelled out",
    ),
]


@pytest.mark.parametrize(("old", "new", "why"), RENAMES)
def test_a_rename_is_detected_with_its_confidence_and_evidence(
    old: dict[str, Any], new: dict[str, Any], why: str
) -> None:
    keep = column("order_id", "integer")
    diff = diff_catalogs(catalog(keep, old), catalog(keep, new), aliases=ALIASES)
    assert diff.added == [] and diff.removed == [], "a rename is neither a removal nor an addition"
    [rename] = diff.renamed
    assert (rename.old.name, rename.new.name) == (old["name"], new["name"])
    assert rename.confidence >= RENAME_AUTO, rename.evidence
    assert why in rename.evidence["name"]["why"]
    said = diff.to_json()["renamed"][0]
    assert said["confirm"] is False and said["from_original"] == old["original_name"]


def test_a_translated_header_without_the_catalog_aliases_is_not_read_as_a_name_match() -> None:
    old = column("city", original="City", examples=CITIES, distinct_estimate=3)
    new = column("gorod", original="Город", examples=CITIES, distinct_estimate=3)
    with_aliases = rename_candidate(catalog_columns(catalog(old))[0], catalog_columns(catalog(new))[0], ALIASES)
    without = rename_candidate(catalog_columns(catalog(old))[0], catalog_columns(catalog(new))[0], None)
    assert with_aliases.evidence["name"]["score"] == 0.9 and without.evidence["name"]["score"] < 0.5
    assert with_aliases.confidence > without.confidence
    assert without.evidence["values"]["score"] == 1.0, "the values still say it: the same closed set"


def test_two_candidates_for_one_rename_the_better_wins_and_the_other_is_added() -> None:
    old = column("email", domain="contact.email", examples=EMAILS, distinct_estimate=100)
    exact = column("e_mail", original="E-Mail", domain="contact.email", examples=EMAILS, distinct_estimate=100)
    other = column("email_backup", domain="contact.email", examples=["x@example.com"], distinct_estimate=100)
    diff = diff_catalogs(catalog(old), catalog(exact, other), aliases=ALIASES)
    [rename] = diff.renamed
    assert rename.new.name == "e_mail"
    assert [c.name for c in diff.added] == ["email_backup"], "one column is renamed once"
    alternatives = diff.to_json()["renamed"][0]["alternatives"]
    assert [a["to"] for a in alternatives] == ["email_backup"]
    assert alternatives[0]["confidence"] < rename.confidence


def test_renames_are_assigned_one_to_one_for_the_greatest_total() -> None:
    """Greedy would take a->x (0.9) and leave b alone; the assignment takes a->y and b->x (1.65 in all)."""
    assert best_assignment([[0.9, 0.85], [0.8, 0.0]]) == [(0, 1), (1, 0)]
    assert best_assignment([[0.7], [0.9], [0.65]]) == [(1, 0)]
    assert best_assignment([[0.0, 0.0]]) == [] and best_assignment([]) == []


def test_the_assignment_is_solved_per_group_of_linked_candidates() -> None:
    scores = [[0.9, 0.85, 0.0], [0.8, 0.0, 0.0], [0.0, 0.0, 0.7]]
    assert assign(scores) == best_assignment(scores) == [(0, 1), (1, 0), (2, 2)]
    assert assign([[0.0, 0.0], [0.0, 0.0]]) == [] and assign([]) == []


def test_a_header_rewritten_wholesale_is_scored_on_pairs_that_share_something() -> None:
    width = 120
    assert width * width > MAX_SCORED_PAIRS
    old = [column(f"col_{i}", examples=[f"v{i}_{k}" for k in range(4)], distinct_estimate=4) for i in range(width)]
    new = [column(f"field_{i}", examples=[f"v{i}_{k}" for k in range(4)], distinct_estimate=4) for i in range(width)]
    looked_at = pairs_to_score(catalog_columns(catalog(*old)), catalog_columns(catalog(*new)), ALIASES)
    assert all(i in pairs and len(pairs) <= 10 for i, pairs in enumerate(looked_at)), "its own values, a few names"
    diff = diff_catalogs(catalog(*old), catalog(*new), aliases=ALIASES)
    assert sorted((r.old.name, r.new.name) for r in diff.renamed) == sorted(
        (f"col_{i}", f"field_{i}") for i in range(width)
    )
    assert diff.added == [] and diff.removed == []


def test_a_rename_of_low_confidence_stays_a_removal_and_an_addition() -> None:
    old = column("notes", examples=["call back", "vip"], distinct_estimate=40)
    new = column("score", "integer", min="0", max="5", distinct_estimate=6)
    diff = diff_catalogs(catalog(old), catalog(new), aliases=ALIASES)
    assert diff.renamed == []
    assert [c.name for c in diff.removed] == ["notes"] and [c.name for c in diff.added] == ["score"]
    [possible] = diff.possible_renames
    assert (possible.old.name, possible.new.name) == ("notes", "score") and possible.confidence < RENAME_MIN
    assert possible.evidence["type"]["change"] == "breaking"


def test_different_domains_damp_a_rename_that_the_name_suggests() -> None:
    old = column("contact", domain="contact.email", examples=EMAILS)
    new = column("contact_no", domain="contact.phone", examples=["+44 20 7946 0958"])
    candidate = rename_candidate(catalog_columns(catalog(old))[0], catalog_columns(catalog(new))[0], ALIASES)
    assert candidate.evidence["domain"]["score"] == 0.0 and candidate.confidence < RENAME_MIN


def test_a_rename_found_by_values_alone_asks_a_person() -> None:
    regions = ["north", "south", "east", "west"]
    old = column("col_7", examples=regions, distinct_estimate=4)
    new = column("zone", examples=regions, distinct_estimate=4)
    diff = diff_catalogs(catalog(old), catalog(new), aliases=ALIASES)
    [rename] = diff.renamed
    assert RENAME_MIN <= rename.confidence < RENAME_AUTO, rename.evidence
    assert diff.to_json()["renamed"][0]["confirm"] is True
    assert rename.evidence["values"]["score"] == 1.0


def test_no_shared_value_says_nothing_unless_both_sets_are_closed() -> None:
    old = catalog_columns(catalog(column("ref", examples=["a1", "a2"], distinct_estimate=90)))[0]
    new = catalog_columns(catalog(column("reference", examples=["b1", "b2"], distinct_estimate=90)))[0]
    assert rename_candidate(old, new).evidence["values"]["score"] is None
    closed_old = catalog_columns(catalog(column("ref", examples=["a1", "a2"], distinct_estimate=2)))[0]
    closed_new = catalog_columns(catalog(column("reference", examples=["b1", "b2"], distinct_estimate=2)))[0]
    assert rename_candidate(closed_old, closed_new).evidence["values"]["score"] == 0.0


def test_a_renamed_and_retyped_column_is_one_rename_with_its_type_change() -> None:
    old = column("weight", "integer", original="Weight", min="100", max="200")
    new = column("weight_lbs", "float", original="Weight (lbs)", min="120.5", max="190")
    diff = diff_catalogs(catalog(old), catalog(new), aliases=ALIASES)
    [rename] = diff.renamed
    assert diff.to_json()["renamed"][0]["type_change"] == "widening"
    assert rename.evidence["values"]["why"].startswith("value ranges overlap")


@pytest.mark.parametrize(
    "body",
    [{}, {"tables": "x"}, {"tables": [None]}, {"tables": [{"columns": [None, 3, {"name": ""}, {"dtype": "x"}]}]},
     {"tables": [{"row_count": -1, "columns": [{"name": "a", "dtype": "blob", "examples": "no", "null_count": True}]}]}],
)  # fmt: skip
def test_a_strange_catalog_gives_a_smaller_diff_never_an_error(body: dict[str, Any]) -> None:
    diff = diff_catalogs(body, catalog(column("a")))
    assert [c.name for c in diff.added] in (["a"], [])
    assert diff.to_json()["evolution_version"] == 1


# --- rules ------------------------------------------------------------------------------------------------------


def _everything_changed() -> Any:
    previous = catalog(column("cust_no", "integer", min="1", max="9"), column("amount", "integer"),
                       column("price", "float"), column("notes"), column("keep"))  # fmt: skip
    current = catalog(column("customer_number", "integer", min="1", max="9"), column("amount", "float"),
                      column("price", "integer"), column("keep"), column("channel"))  # fmt: skip
    return diff_catalogs(previous, current, aliases=ALIASES)


MAPPINGS = [mapping("customer_id", "cust_no"), mapping("total", "amount"), mapping("unit_price", "price"),
            mapping("comment", "notes", [{"op": "trim"}]), mapping("kept", "keep")]  # fmt: skip


@pytest.mark.parametrize(
    ("policy", "added_action"),
    [(Policy.PROPAGATE, "propagate"), (Policy.PROPAGATE_COLUMNS, "propagate"),
     (Policy.APPROVE_MANUALLY, "ignore"), (Policy.STOP, "ignore")],
)  # fmt: skip
def test_each_change_gets_its_rule(policy: Policy, added_action: str) -> None:
    rules = {(rule["change"], rule["column"]): rule for rule in propose_rules(_everything_changed(), MAPPINGS, policy)}
    rename = rules[("renamed", "customer_number")]
    assert (rename["action"], rename["from"], rename["mappings"]) == ("map_new_name", "cust_no", ["customer_id"])
    cast = rules[("type_changed", "amount")]
    assert (cast["action"], cast["op"], cast["mappings"]) == ("cast", {"op": "type_cast", "to": "integer"}, ["total"])
    assert rules[("type_changed", "price")]["action"] == "revalidate"
    assert rules[("removed", "notes")]["action"] == "mark_broken"
    assert rules[("removed", "notes")]["mappings"] == ["comment"]
    assert rules[("added", "channel")]["action"] == added_action
    assert len(rules) == 5


def test_the_previous_mappings_as_this_run_reads_them() -> None:
    diff = _everything_changed()
    rewritten = {m["target"]: rewritten_mapping(m, diff) for m in MAPPINGS}
    renamed, broken = rewritten["customer_id"]
    assert renamed["dsl"]["source"] == "customer_number" and renamed["sources"] == ["customer_number"] and not broken
    cast, _ = rewritten["total"]
    assert cast["dsl"]["ops"] == [{"op": "type_cast", "to": "integer"}]
    assert rewritten["unit_price"][0]["dsl"] == MAPPINGS[2]["dsl"], "a breaking change is re-validated, not cast"
    assert rewritten["comment"][1] == ["notes"]
    assert rewritten["kept"] == (MAPPINGS[4], [])
    schema = {"customer_number": "integer", "amount": "float", "price": "integer", "keep": "string"}
    parse_plan({"dsl_version": DSL_VERSION, "pipelines": [rewritten[t][0]["dsl"] for t in ("customer_id", "total")]},
               schema)  # fmt: skip


# --- policies x diffs -> decisions ------------------------------------------------------------------------------

P, PC, AM, ST = Policy.PROPAGATE, Policy.PROPAGATE_COLUMNS, Policy.APPROVE_MANUALLY, Policy.STOP
GO, COLS, WAIT, STOP = Decision.PROCEED, Decision.PROCEED_COLUMNS_ONLY, Decision.WAIT_FOR_APPROVAL, Decision.STOP
BASE = [column("id", "integer"), column("amount", "float"), column("notes")]
DIFFS: dict[str, tuple[list[dict[str, Any]], dict[str, str] | None]] = {
    "no change": (BASE, None),
    "a column added": ([*BASE, column("channel")], None),
    "an unmapped column removed": (BASE[:2], None),
    "a mapped column removed": ([BASE[0], BASE[2]], None),
    "a confident rename": ([column("ID", "integer", "ID"), BASE[1], column("note_s", original="Note S")], None),
    "a widening": ([BASE[0], column("amount", "string"), BASE[2]], None),
    "a breaking change that re-validates": ([BASE[0], column("amount", "integer"), BASE[2]], {"total": "accept"}),
    "a breaking change that does not": ([BASE[0], column("amount", "integer"), BASE[2]], {"total": "fix"}),
}
DECISIONS = {
    #                                       propagate  columns  manually  stop
    "no change":                            (GO,       GO,      GO,       GO),
    "a column added":                       (GO,       COLS,    WAIT,     STOP),
    "an unmapped column removed":           (GO,       COLS,    WAIT,     STOP),
    "a mapped column removed":              (WAIT,     WAIT,    WAIT,     STOP),
    "a confident rename":                   (GO,       WAIT,    WAIT,     STOP),
    "a widening":                           (GO,       WAIT,    WAIT,     STOP),
    "a breaking change that re-validates":  (GO,       WAIT,    WAIT,     STOP),
    "a breaking change that does not":      (WAIT,     WAIT,    WAIT,     STOP),
}  # fmt: skip


@pytest.mark.parametrize("case", list(DECISIONS))
@pytest.mark.parametrize("position", range(4), ids=[p.value for p in (P, PC, AM, ST)])
def test_policies_by_diffs_give_decisions(case: str, position: int) -> None:
    policy = (P, PC, AM, ST)[position]
    current, revalidated = DIFFS[case]
    diff = diff_catalogs(catalog(*BASE), catalog(*current), aliases=ALIASES)
    plan = [mapping("key", "id"), mapping("total", "amount")]
    rules = propose_rules(diff, plan, policy)
    decision = decide(diff, policy, rules, revalidated)
    assert decision.decision is DECISIONS[case][position], (case, policy, decision.reason, diff.to_json())
    assert decision.reason, "a decision always says why"
    if decision.decision is WAIT and policy in (P, PC):
        assert decision.blocking, "waiting names what a person must look at"


def test_a_rename_to_confirm_waits_even_under_propagate() -> None:
    regions = ["north", "south", "east", "west"]
    diff = diff_catalogs(catalog(column("col_7", examples=regions, distinct_estimate=4)),
                         catalog(column("zone", examples=regions, distinct_estimate=4)), aliases=ALIASES)  # fmt: skip
    rules = propose_rules(diff, [mapping("region", "col_7")], P)
    decision = decide(diff, P, rules)
    assert decision.decision is WAIT and "col_7 -> zone" in decision.blocking[0]


def test_the_reason_names_the_counts_and_the_policy() -> None:
    diff = _everything_changed()
    rules = propose_rules(diff, [], ST)
    reason = decide(diff, ST, rules).reason
    assert reason == "the schema changed (1 added, 1 removed, 2 retyped, 1 renamed) and the policy is stop"
    assert reason.msgid.startswith("the schema changed (%(counts)s)"), "translatable: a Text with its template"


# --- the policy schema ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "loaded"),
    [({}, None), ({"policy": "propagate"}, "propagate"), ({"policy": "stop"}, "stop"),
     ({"policy": "propagate_columns"}, "propagate_columns"), ({"policy": "approve_manually"}, "approve_manually")],
)  # fmt: skip
def test_the_policy_schema_loads_the_four_policies(given: dict[str, str], loaded: str | None) -> None:
    """Absent, the API takes the run's migration's policy (else approve_manually)."""
    assert PolicySchema().load(given).get("policy") == loaded
    assert loaded is None or Policy(loaded) in Policy


def test_the_policies_are_the_ones_a_migration_records() -> None:
    from superset_review.migration.models import SchemaChangePolicy

    assert [policy.value for policy in Policy] == [policy.value for policy in SchemaChangePolicy]


@pytest.mark.parametrize("given", [{"policy": "evolve"}, {"policy": ""}, {"policy": 3}, {"other": "x"}])
def test_the_policy_schema_refuses_anything_else(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        PolicySchema().load(given)
    assert set(refused.value.messages) <= {"policy", "other"} and refused.value.messages


def test_rule_actions_are_the_ones_the_contract_names() -> None:
    assert {action.value for action in RuleAction} == {"map_new_name", "cast", "revalidate", "mark_broken",
                                                       "propagate", "ignore"}  # fmt: skip


def test_the_api_document_is_described_by_its_schema() -> None:
    """What the endpoint answers dumps through the schema the OpenAPI spec shows, unchanged: no field undocumented."""
    diff = _everything_changed()
    rules = propose_rules(diff, MAPPINGS, P)
    decision = decide(diff, P, rules)
    carried = [{"target": "total", "previous_decision": "accept", "status": "rewritten", "decision": "accept",
                "dsl": rewritten_mapping(MAPPINGS[1], diff)[0]["dsl"], "sources": ["amount"], "changed": True,
                "revalidated": False, "success_rate": None, "reasons": []}]  # fmt: skip
    document = {"run_id": "r2", "previous_run_id": "r1", "policy": "propagate", **decision.to_json(),
                "diff": diff.to_json(), "rules": rules, "mappings": carried}  # fmt: skip
    assert SchemaDiffResultSchema().dump(document) == document
