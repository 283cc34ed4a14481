"""Choosing verbose names and descriptions: ranking, conflicts, locks, propagation, rejections and decisions."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from superset_review.semantics import (
    Action,
    Candidate,
    Decision,
    DecisionError,
    DictionaryEntry,
    Field,
    FieldState,
    MatchKind,
    SemanticSource,
    SourceKind,
    Status,
    accept,
    add_ai_drafts,
    apply_batch,
    dump_states,
    load_states,
    lock,
    normalize_name,
    override,
    parse_dictionary,
    reject,
    resolve,
    unlock,
)

FILE, TABLE, REFERENCE = SourceKind.DICTIONARY_FILE, SourceKind.DICTIONARY_TABLE, SourceKind.REFERENCE_DATASET
VERBOSE, DESCRIPTION = Field.VERBOSE_NAME, Field.DESCRIPTION
States = dict[tuple[str, Field], FieldState]


def src(
    kind: SourceKind, name: str, version: str, entries: Mapping[str, tuple[str | None, str | None]]
) -> SemanticSource:
    """A source from ``{column: (verbose_name, description)}``."""
    return SemanticSource(
        kind, name, version, {column: DictionaryEntry(column, *pair) for column, pair in entries.items()}
    )


def desc(description: str) -> tuple[None, str]:
    return (None, description)


def summary(state: FieldState) -> tuple[str | None, str | None, str | None, Status]:
    """(value, source kind, match kind, status) of the chosen candidate."""
    chosen = state.chosen
    if chosen is None:
        return (None, None, None, state.status)
    return (chosen.value, chosen.source.value, chosen.match_kind.value, state.status)


def roundtrip(states: Mapping[tuple[str, Field], FieldState]) -> States:
    return load_states(json.loads(json.dumps(dump_states(states))))


# --- ranking ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        pytest.param(
            [
                src(REFERENCE, "ref", "r1", {"amount": desc("from reference")}),
                src(FILE, "f.csv", "f1", {"amount": desc("from file")}),
            ],
            ("from file", "dictionary_file", "exact", Status.PROPOSED),
            id="file-exact-beats-reference-exact",
        ),
        pytest.param(
            [
                src(TABLE, "dict_table", "t1", {"amount": desc("from table")}),
                src(REFERENCE, "ref", "r1", {"amount": desc("from reference")}),
            ],
            ("from table", "dictionary_table", "exact", Status.PROPOSED),
            id="table-exact-beats-reference-exact",
        ),
        pytest.param(
            [
                src(FILE, "f.csv", "f1", {"amount": desc("from file")}),
                src(TABLE, "dict_table", "t1", {"amount": desc("from table")}),
            ],
            ("from file", "dictionary_file", "exact", Status.PROPOSED),
            id="file-exact-beats-table-exact",
        ),
        pytest.param(
            [
                src(REFERENCE, "ref", "r1", {"amount": desc("exact")}),
                src(FILE, "f.csv", "f1", {"Amount": desc("normalized")}),
            ],
            ("normalized", "dictionary_file", "normalized", Status.PROPOSED),
            id="source-kind-before-match-kind",
        ),
        pytest.param(
            [src(FILE, "f.csv", "f1", {"amount": desc("exact"), "AMOUNT": desc("normalized")})],
            ("exact", "dictionary_file", "exact", Status.PROPOSED),
            id="exact-before-normalized-in-one-source",
        ),
        pytest.param(
            [
                src(FILE, "f.csv", "f1", {"amounts": desc("fuzzy from file")}),
                src(REFERENCE, "ref", "r1", {"Amount": desc("reference")}),
            ],
            ("reference", "reference_dataset", "normalized", Status.PROPOSED),
            id="reference-beats-fuzzy-from-a-file",
        ),
        pytest.param(
            [src(FILE, "f.csv", "f1", {"amounts": desc("fuzzy from file")})],
            ("fuzzy from file", "fuzzy", "fuzzy", Status.PROPOSED),
            id="fuzzy-alone",
        ),
        pytest.param(
            [
                src(FILE, "f.csv", "f1", {"amounts": desc("close")}),
                src(REFERENCE, "ref", "r1", {"amount_": desc("closer")}),
            ],
            ("closer", "reference_dataset", "normalized", Status.PROPOSED),
            id="normalized-ignores-trailing-separators",
        ),
        pytest.param([], (None, None, None, Status.EMPTY), id="no-source"),
        pytest.param([src(FILE, "f.csv", "f1", {"other": desc("x")})], (None, None, None, Status.EMPTY), id="no-match"),
    ],
)
def test_ranking(sources: list[SemanticSource], expected: tuple[Any, ...]) -> None:
    states = resolve(["amount"], sources)
    assert summary(states[("amount", DESCRIPTION)]) == expected


def test_every_candidate_is_kept_best_first_with_provenance() -> None:
    sources = [
        src(REFERENCE, "ref", "r1", {"order_date": ("Order date (ref)", "ref description")}),
        src(FILE, "f.csv", "f1", {"OrderDate": ("Order date", None), "order_dates": (None, "fuzzy description")}),
        src(TABLE, "dict_table", "t1", {"order_date": ("Order Date", "table description")}),
    ]
    states = resolve(["order_date"], sources)
    verbose = states[("order_date", VERBOSE)]
    assert [
        (c.value, c.source, c.source_name, c.source_version, c.match_kind, c.confidence, c.matched_name)
        for c in verbose.candidates
    ] == [
        ("Order date", FILE, "f.csv", "f1", MatchKind.NORMALIZED, 0.95, "OrderDate"),
        ("Order Date", TABLE, "dict_table", "t1", MatchKind.EXACT, 1.0, "order_date"),
        ("Order date (ref)", REFERENCE, "ref", "r1", MatchKind.EXACT, 1.0, "order_date"),
    ]
    assert verbose.chosen == verbose.candidates[0]
    described = states[("order_date", DESCRIPTION)]
    assert [(c.value, c.source) for c in described.candidates] == [
        ("table description", TABLE),
        ("ref description", REFERENCE),
    ]  # the file's 'order_dates' is not offered fuzzily: the file's 'OrderDate' already names this column


@pytest.mark.parametrize(
    ("candidates_before", "draft", "expected"),
    [
        pytest.param(
            {"amounts": desc("fuzzy")}, "ai text", ("fuzzy", "fuzzy", "fuzzy", Status.PROPOSED), id="fuzzy-beats-ai"
        ),
        pytest.param(
            {"amount": desc("exact")},
            "ai text",
            ("exact", "dictionary_file", "exact", Status.PROPOSED),
            id="exact-beats-ai",
        ),
        pytest.param({}, "ai text", ("ai text", "ai_draft", "ai", Status.PROPOSED), id="ai-when-nothing-else"),
        pytest.param({}, "   ", (None, None, None, Status.EMPTY), id="blank-draft-ignored"),
    ],
)
def test_ai_drafts_rank_last(
    candidates_before: dict[str, tuple[None, str]], draft: str, expected: tuple[Any, ...]
) -> None:
    states = resolve(["amount"], [src(FILE, "f.csv", "f1", candidates_before)])
    drafted = add_ai_drafts(states, {("amount", DESCRIPTION): draft}, "model-a", "2025-01")
    assert summary(drafted[("amount", DESCRIPTION)]) == expected
    if draft.strip():
        ai = [c for c in drafted[("amount", DESCRIPTION)].candidates if c.source is SourceKind.AI_DRAFT]
        assert [(c.source_name, c.source_version, c.match_kind, c.confidence) for c in ai] == [
            ("model-a", "2025-01", MatchKind.AI, 0.5)
        ]


# --- names -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("order_date", "order date"),
        ("OrderDate", "order date"),
        ("orderDate", "order date"),
        ("order date", "order date"),
        ("order-date", "order date"),
        ("ORDER_DATE", "order date"),
        ("  Order   Date ", "order date"),
        ("order__date_", "order date"),
        ("HTTPStatus", "http status"),
        ("userID", "user id"),
        ("address2", "address 2"),
        ("address_2", "address 2"),
        ("Q4Revenue", "q 4 revenue"),
        ("prénom_client", "prénom client"),
        ("___", ""),
    ],
)
def test_normalize_name(name: str, normalized: str) -> None:
    assert normalize_name(name) == normalized


@pytest.mark.parametrize("column", ["OrderDate", "order date", "order-date", "ORDER_DATE", "orderDate"])
def test_normalized_names_match(column: str) -> None:
    state = resolve([column], [src(FILE, "f.csv", "f1", {"order_date": desc("When")})])[(column, DESCRIPTION)]
    assert summary(state) == ("When", "dictionary_file", "normalized", Status.PROPOSED)
    assert state.chosen is not None and state.chosen.matched_name == "order_date"


# --- fuzzy -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "entry", "threshold", "confidence"),
    [
        ("order_dt", "order_date", 88.0, 0.8889),
        ("order_dt", "order_date", 90.0, None),
        ("customer_ids", "customer_id", 88.0, 0.9565),
        ("unit_prices", "UnitPrice", 88.0, 0.9524),
        ("date_order", "order_date", 88.0, 1.0),  # same words in another order: fuzzy, not normalized
        ("id", "order_id", 88.0, None),  # a short name inside a longer one is not a match
        ("created_at", "updated_at", 88.0, None),
        ("qty", "quantity", 88.0, None),
        ("qty", "quantity", 50.0, 0.5455),
        ("cust_name", "customer_name", 88.0, None),
    ],
)
def test_fuzzy_threshold(column: str, entry: str, threshold: float, confidence: float | None) -> None:
    source = src(REFERENCE, "ref", "r7", {entry: ("Label", "Text")})
    state = resolve([column], [source], fuzzy_threshold=threshold)[(column, DESCRIPTION)]
    if confidence is None:
        assert state.candidates == ()
        assert state.status is Status.EMPTY
    else:
        assert state.candidates == (
            Candidate(DESCRIPTION, "Text", SourceKind.FUZZY, "ref", "r7", MatchKind.FUZZY, confidence, entry),
        )
        assert state.status is Status.PROPOSED


def test_an_entry_that_names_another_column_is_not_offered_fuzzily() -> None:
    source = src(FILE, "f.csv", "f1", {"order_date": desc("placed"), "order_dates": desc("list of dates")})
    states = resolve(["order_date", "order_datez"], [source])
    assert [c.matched_name for c in states[("order_datez", DESCRIPTION)].candidates] == ["order_dates"]


@pytest.mark.parametrize("threshold", [-1.0, 100.5])
def test_fuzzy_threshold_is_a_score(threshold: float) -> None:
    with pytest.raises(ValueError, match="0 to 100"):
        resolve(["a"], [], fuzzy_threshold=threshold)


# --- conflicts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "columns", "status", "value"),
    [
        pytest.param(
            [src(FILE, "a.csv", "1", {"amount": desc("Total")}), src(FILE, "b.csv", "1", {"amount": desc("Net")})],
            ["amount"],
            Status.CONFLICT,
            None,
            id="two-files-disagree",
        ),
        pytest.param(
            [
                src(FILE, "a.csv", "1", {"amount": desc("Total  amount")}),
                src(FILE, "b.csv", "1", {"amount": desc(" Total amount ")}),
            ],
            ["amount"],
            Status.PROPOSED,
            "Total  amount",
            id="agree-after-whitespace",
        ),
        pytest.param(
            [src(FILE, "a.csv", "1", {"amount": desc("Total")}), src(FILE, "b.csv", "1", {"amount": desc("total")})],
            ["amount"],
            Status.CONFLICT,
            None,
            id="case-differs",
        ),
        pytest.param(
            [src(TABLE, "t", "1", {"Amount": desc("Total"), "AMOUNT": desc("Net")})],
            ["amount"],
            Status.CONFLICT,
            None,
            id="two-normalized-in-one-source",
        ),
        pytest.param(
            [src(FILE, "a.csv", "1", {"amounts": desc("Total")}), src(REFERENCE, "r", "1", {"amounts": desc("Net")})],
            ["amount"],
            Status.CONFLICT,
            None,
            id="equal-fuzzy-scores",
        ),
        pytest.param(
            [src(FILE, "a.csv", "1", {"amount": desc("Total")}), src(TABLE, "t", "1", {"amount": desc("Net")})],
            ["amount"],
            Status.PROPOSED,
            "Total",
            id="different-ranks-no-conflict",
        ),
    ],
)
def test_equal_rank_disagreement_is_a_conflict(
    sources: list[SemanticSource], columns: list[str], status: Status, value: str | None
) -> None:
    state = resolve(columns, sources)[("amount", DESCRIPTION)]
    assert (state.status, state.value) == (status, value)
    assert len(state.candidates) == 2


def test_the_better_fuzzy_score_wins() -> None:
    sources = [
        src(FILE, "a.csv", "1", {"order_amount_s": desc("Net")}),
        src(REFERENCE, "r", "1", {"order_amounts": desc("Total")}),
    ]
    state = resolve(["order_amount"], sources)[("order_amount", DESCRIPTION)]
    assert [(c.value, c.confidence) for c in state.candidates] == [("Total", 0.96), ("Net", 0.9231)]
    assert summary(state) == ("Total", "fuzzy", "fuzzy", Status.PROPOSED)


def test_a_conflict_decided_by_a_person_stays_decided_on_re_import() -> None:
    sources = [src(FILE, "a.csv", "1", {"amount": desc("Total")}), src(FILE, "b.csv", "1", {"amount": desc("Net")})]
    states = resolve(["amount"], sources)
    key = ("amount", DESCRIPTION)
    decided = {**states, key: accept(states[key], 1, by="ana")}
    assert summary(decided[key]) == ("Net", "dictionary_file", "exact", Status.ACCEPTED)
    again = resolve(["amount"], sources, roundtrip(decided))
    assert summary(again[key]) == ("Net", "dictionary_file", "exact", Status.ACCEPTED)
    assert again[key].decided_by == "ana"


def test_rejecting_one_side_of_a_conflict_proposes_the_other() -> None:
    sources = [src(FILE, "a.csv", "1", {"amount": desc("Total")}), src(FILE, "b.csv", "1", {"amount": desc("Net")})]
    state = resolve(["amount"], sources)[("amount", DESCRIPTION)]
    rejected = reject(state, [c.value for c in state.candidates].index("Total"), "ana")
    assert summary(rejected) == ("Net", "dictionary_file", "exact", Status.PROPOSED)


# --- manual values and locks -----------------------------------------------------------------------------------


def test_a_manual_value_survives_re_imports_and_ai_drafts() -> None:
    key = ("amount", DESCRIPTION)
    v1 = [src(FILE, "f.csv", "1", {"amount": desc("Total")})]
    states = resolve(["amount"], v1)
    states = {**states, key: override(states[key], "  Gross total, EUR ", "ana")}
    manual = states[key].chosen
    assert manual is not None
    assert (manual.value, manual.source, manual.match_kind, manual.source_name, manual.matched_name) == (
        "Gross total, EUR",
        SourceKind.MANUAL,
        MatchKind.MANUAL,
        "ana",
        "amount",
    )
    assert (states[key].locked, states[key].locked_by, states[key].status) == (True, "ana", Status.ACCEPTED)

    v2 = [src(FILE, "f.csv", "2", {"amount": desc("Total v2")}), src(REFERENCE, "ref", "1", {"amount": desc("ref")})]
    states = resolve(["amount"], v2, roundtrip(states))
    states = add_ai_drafts(states, {key: "AI says"}, "model-a", "1")
    states = resolve(["amount"], v2, roundtrip(states))  # and re-imported again after the draft
    state = states[key]
    assert (state.chosen, state.locked, state.locked_by, state.status) == (manual, True, "ana", Status.ACCEPTED)
    assert {c.value for c in state.candidates} == {"Gross total, EUR", "Total v2", "ref", "AI says"}


def test_an_unlocked_manual_value_still_outranks_sources_until_rejected() -> None:
    key = ("amount", DESCRIPTION)
    sources = [src(FILE, "f.csv", "1", {"amount": desc("Total")})]
    states = resolve(["amount"], sources)
    states = {**states, key: unlock(override(states[key], "Mine", "ana"), "ana")}
    assert (states[key].locked, states[key].status) == (False, Status.ACCEPTED)
    states = resolve(["amount"], [src(FILE, "f.csv", "2", {"amount": desc("Total v2")})], states)
    assert summary(states[key]) == ("Mine", "manual", "manual", Status.ACCEPTED)
    manual_index = [c.source for c in states[key].candidates].index(SourceKind.MANUAL)
    back = reject(states[key], manual_index, "ana")
    assert summary(back) == ("Total v2", "dictionary_file", "exact", Status.PROPOSED)


def test_override_replaces_the_earlier_manual_value() -> None:
    state = FieldState("amount", DESCRIPTION)
    state = override(override(state, "first", "ana"), "second", "bo")
    assert [c.value for c in state.candidates] == ["second"]
    assert (state.value, state.locked_by, state.decided_by) == ("second", "bo", "bo")


def test_a_locked_import_does_not_follow_new_versions() -> None:
    key = ("amount", DESCRIPTION)
    states = resolve(["amount"], [src(FILE, "f.csv", "1", {"amount": desc("Total")})])
    states = {**states, key: lock(states[key], "ana")}
    states = resolve(["amount"], [src(FILE, "f.csv", "2", {"amount": desc("Total v2")})], states)
    state = states[key]
    assert (state.value, state.locked, state.status) == ("Total", True, Status.ACCEPTED)
    assert state.chosen is not None and state.chosen.source_version == "1"
    assert [(c.value, c.source_version) for c in state.candidates] == [("Total v2", "2")]  # candidates are refreshed


def test_a_locked_field_keeps_its_value_when_its_source_disappears() -> None:
    key = ("amount", DESCRIPTION)
    states = resolve(["amount"], [src(FILE, "f.csv", "1", {"amount": desc("Total")})])
    states = {**states, key: lock(states[key], "ana")}
    state = resolve(["amount"], [], states)[key]
    assert (state.value, state.locked, state.candidates) == ("Total", True, ())


# --- propagation -----------------------------------------------------------------------------------------------

COLUMNS = ["locked", "proposed", "accepted_same", "accepted_changed", "other_source"]


def propagation_states() -> States:
    v1 = [
        src(
            FILE,
            "f.csv",
            "1",
            {"locked": desc("L1"), "proposed": desc("P1"), "accepted_same": desc("S"), "accepted_changed": desc("C1")},
        ),
        src(REFERENCE, "ref", "1", {"other_source": desc("O1")}),
    ]
    states = resolve(COLUMNS, v1)
    states[("locked", DESCRIPTION)] = lock(states[("locked", DESCRIPTION)], "ana")
    for column in ("accepted_same", "accepted_changed", "other_source"):
        states[(column, DESCRIPTION)] = accept(states[(column, DESCRIPTION)], by="ana")
    return states


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("locked", ("L1", "1", Status.ACCEPTED, True)),
        ("proposed", ("P2", "2", Status.PROPOSED, False)),
        ("accepted_same", ("S", "2", Status.ACCEPTED, False)),
        ("accepted_changed", ("C2", "2", Status.PROPOSED, False)),
        ("other_source", ("O1", "1", Status.ACCEPTED, False)),
    ],
)
def test_a_new_source_version_propagates_to_unlocked_fields_only(column: str, expected: tuple[Any, ...]) -> None:
    v2 = [
        src(
            FILE,
            "f.csv",
            "2",
            {"locked": desc("L2"), "proposed": desc("P2"), "accepted_same": desc("S"), "accepted_changed": desc("C2")},
        ),
        src(REFERENCE, "ref", "1", {"other_source": desc("O1")}),
    ]
    state = resolve(COLUMNS, v2, roundtrip(propagation_states()))[(column, DESCRIPTION)]
    assert state.chosen is not None
    assert (state.value, state.chosen.source_version, state.status, state.locked) == expected


def test_a_fuzzy_choice_follows_its_source_version() -> None:
    key = ("amount", DESCRIPTION)
    states = resolve(["amount"], [src(FILE, "f.csv", "1", {"amounts": desc("Total")})])
    states = {**states, key: accept(states[key], by="ana")}
    states = resolve(["amount"], [src(FILE, "f.csv", "2", {"amounts": desc("Total v2")})], states)
    assert summary(states[key]) == ("Total v2", "fuzzy", "fuzzy", Status.PROPOSED)


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        pytest.param(
            [src(REFERENCE, "ref", "1", {"amount": desc("exact")})],
            ("exact", "reference_dataset", "exact", Status.PROPOSED),
            id="better-rank-appears",
        ),
        pytest.param(
            [src(FILE, "g.csv", "1", {"amount_s": desc("worse fuzzy")})],
            ("Total", "fuzzy", "fuzzy", Status.ACCEPTED),
            id="worse-rank-appears",
        ),
        pytest.param(
            [src(FILE, "g.csv", "1", {"amounts": desc("equal fuzzy")})],
            ("Total", "fuzzy", "fuzzy", Status.ACCEPTED),
            id="equal-rank-appears",
        ),
        pytest.param([], ("Total", "fuzzy", "fuzzy", Status.ACCEPTED), id="nothing-new"),
    ],
)
def test_an_accepted_field_changes_only_for_a_better_rank(
    later: list[SemanticSource], expected: tuple[Any, ...]
) -> None:
    key = ("amount", DESCRIPTION)
    first = src(FILE, "f.csv", "1", {"amounts": desc("Total")})
    states = resolve(["amount"], [first])
    states = {**states, key: accept(states[key], by="ana")}
    assert summary(resolve(["amount"], [first, *later], states)[key]) == expected


def test_an_accepted_value_whose_source_is_gone_is_kept() -> None:
    key = ("amount", DESCRIPTION)
    states = resolve(["amount"], [src(FILE, "f.csv", "1", {"amount": desc("Total")})])
    states = {**states, key: accept(states[key], by="ana")}
    assert summary(resolve(["amount"], [], states)[key]) == ("Total", "dictionary_file", "exact", Status.ACCEPTED)


# --- rejections ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("v2", "expected"),
    [
        pytest.param({"amount": desc("Total")}, (None, None, None, Status.REJECTED), id="same-value-new-version"),
        pytest.param({"amount": desc("  Total ")}, (None, None, None, Status.REJECTED), id="same-value-other-spacing"),
        pytest.param(
            {"amount": desc("Total, EUR")}, ("Total, EUR", "dictionary_file", "exact", Status.PROPOSED), id="new-value"
        ),
    ],
)
def test_a_rejected_value_stays_rejected(v2: dict[str, tuple[None, str]], expected: tuple[Any, ...]) -> None:
    key = ("amount", DESCRIPTION)
    states = resolve(["amount"], [src(FILE, "f.csv", "1", {"amount": desc("Total")})])
    states = {**states, key: reject(states[key], 0, "ana")}
    assert summary(states[key]) == (None, None, None, Status.REJECTED)
    assert [(r.value, r.source, r.source_name, r.by) for r in states[key].rejected] == [("Total", FILE, "f.csv", "ana")]
    again = resolve(["amount"], [src(FILE, "f.csv", "2", {"amount": v2["amount"]})], roundtrip(states))
    assert summary(again[key]) == expected


def test_a_rejected_value_from_another_source_is_not_rejected() -> None:
    key = ("amount", DESCRIPTION)
    states = resolve(["amount"], [src(FILE, "f.csv", "1", {"amount": desc("Total")})])
    states = {**states, key: reject(states[key], 0, "ana")}
    again = resolve(
        ["amount"],
        [src(FILE, "f.csv", "1", {"amount": desc("Total")}), src(TABLE, "t", "1", {"amount": desc("Total")})],
        states,
    )
    assert summary(again[key]) == ("Total", "dictionary_table", "exact", Status.PROPOSED)


def test_rejecting_the_chosen_value_falls_back_to_the_next_candidate() -> None:
    states = resolve(
        ["amount"],
        [src(FILE, "f.csv", "1", {"amount": desc("Total")}), src(REFERENCE, "r", "1", {"amount": desc("Ref")})],
    )
    state = reject(states[("amount", DESCRIPTION)], 0, "ana")
    assert summary(state) == ("Ref", "reference_dataset", "exact", Status.PROPOSED)
    assert summary(reject(state, 1, "ana")) == (None, None, None, Status.REJECTED)


def test_accepting_a_rejected_candidate_takes_the_rejection_back() -> None:
    state = resolve(["amount"], [src(FILE, "f.csv", "1", {"amount": desc("Total")})])[("amount", DESCRIPTION)]
    state = accept(reject(state, 0, "ana"), 0, by="bo")
    assert (summary(state), state.rejected, state.decided_by) == (
        ("Total", "dictionary_file", "exact", Status.ACCEPTED),
        (),
        "bo",
    )


def test_a_rejected_ai_draft_stays_rejected_when_drafted_again() -> None:
    key = ("amount", DESCRIPTION)
    states = add_ai_drafts(resolve(["amount"], []), {key: "Draft"}, "model-a", "1")
    states = {**states, key: reject(states[key], 0, "ana")}
    states = add_ai_drafts(states, {key: "Draft"}, "model-a", "2")
    assert summary(states[key]) == (None, None, None, Status.REJECTED)
    states = add_ai_drafts(states, {key: "Better draft"}, "model-a", "3")
    assert summary(states[key]) == ("Better draft", "ai_draft", "ai", Status.PROPOSED)
    assert [c.value for c in states[key].candidates] == ["Better draft"]  # the model's earlier draft is replaced


# --- AI drafts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        pytest.param(lambda s: s, ("AI", "ai_draft", "ai", Status.PROPOSED), id="empty-field"),
        pytest.param(lambda s: override(s, "Mine", "ana"), ("Mine", "manual", "manual", Status.ACCEPTED), id="manual"),
        pytest.param(
            lambda s: unlock(override(s, "Mine", "ana"), "ana"),
            ("Mine", "manual", "manual", Status.ACCEPTED),
            id="manual-unlocked",
        ),
    ],
)
def test_ai_drafts_never_replace_a_person_s_value(prepare: Any, expected: tuple[Any, ...]) -> None:
    key = ("amount", DESCRIPTION)
    states = resolve(["amount"], [])
    states = {**states, key: prepare(states[key])}
    assert summary(add_ai_drafts(states, {key: "AI"}, "model-a", "1")[key]) == expected


def test_ai_drafts_of_an_accepted_draft_keep_the_accepted_text() -> None:
    key = ("amount", DESCRIPTION)
    states = add_ai_drafts(resolve(["amount"], []), {key: "First"}, "model-a", "1")
    states = {**states, key: accept(states[key], by="ana")}
    states = add_ai_drafts(states, {key: "Second"}, "model-a", "2")
    assert summary(states[key]) == ("First", "ai_draft", "ai", Status.ACCEPTED)
    assert [c.value for c in states[key].candidates] == ["Second"]


def test_two_models_disagreeing_is_a_conflict_and_other_fields_are_untouched() -> None:
    states = resolve(["amount", "status"], [src(FILE, "f.csv", "1", {"status": ("Status", None)})])
    states = add_ai_drafts(states, {("amount", DESCRIPTION): "A"}, "model-a", "1")
    states = add_ai_drafts(states, {("amount", DESCRIPTION): "B", ("status", VERBOSE): "AI status"}, "model-b", "1")
    assert states[("amount", DESCRIPTION)].status is Status.CONFLICT
    assert summary(states[("status", VERBOSE)]) == ("Status", "dictionary_file", "exact", Status.PROPOSED)


def test_ai_drafts_for_unknown_fields_change_nothing() -> None:
    states = resolve(["amount"], [])
    before = dump_states(states)
    with pytest.raises(DecisionError, match="not a field of this review"):
        add_ai_drafts(states, {("amount", DESCRIPTION): "ok", ("missing", DESCRIPTION): "x"}, "model-a", "1")
    with pytest.raises(DecisionError, match="unknown field"):
        add_ai_drafts(states, {("amount", "label"): "x"}, "model-a", "1")  # type: ignore[dict-item]
    with pytest.raises(DecisionError, match="model"):
        add_ai_drafts(states, {("amount", DESCRIPTION): "x"}, " ", "1")
    assert dump_states(states) == before


# --- decisions -------------------------------------------------------------------------------------------------


def conflict_state() -> FieldState:
    sources = [src(FILE, "a.csv", "1", {"amount": desc("Total")}), src(FILE, "b.csv", "1", {"amount": desc("Net")})]
    return resolve(["amount"], sources)[("amount", DESCRIPTION)]


EMPTY = FieldState("amount", DESCRIPTION)


@pytest.mark.parametrize(
    ("decide", "message"),
    [
        pytest.param(
            lambda: accept(conflict_state(), by="ana"),
            "no chosen value to accept (it is conflict)",
            id="accept-nothing",
        ),
        pytest.param(
            lambda: accept(conflict_state(), 2, by="ana"), "index 2 is out of range", id="accept-out-of-range"
        ),
        pytest.param(lambda: accept(conflict_state(), -1, by="ana"), "index -1 is out of range", id="accept-negative"),
        pytest.param(lambda: accept(conflict_state(), 0, by=" "), "the person who made it", id="accept-nobody"),
        pytest.param(
            lambda: reject(EMPTY, 0, "ana"), "no candidates: override the value instead", id="reject-no-candidates"
        ),
        pytest.param(lambda: override(EMPTY, "   ", "ana"), "needs a non-empty value", id="override-blank"),
        pytest.param(lambda: lock(conflict_state(), "ana"), "no chosen value to lock", id="lock-conflict"),
        pytest.param(
            lambda: reject(lock(accept(conflict_state(), 0, by="ana"), "ana"), 0, "bo"),
            "unlock it first",
            id="reject-locked-value",
        ),
    ],
)
def test_invalid_decisions(decide: Any, message: str) -> None:
    with pytest.raises(DecisionError) as raised:
        decide()
    assert message in raised.value.message


def test_decisions_return_new_states() -> None:
    state = conflict_state()
    document = state.to_dict()
    accepted = accept(state, 0, by="ana")
    locked = lock(accepted, "ana")
    assert (accepted.status, accepted.locked, accepted.decided_by) == (Status.ACCEPTED, False, "ana")
    assert (locked.status, locked.locked, locked.locked_by) == (Status.ACCEPTED, True, "ana")
    assert lock(locked, "bo") is locked
    assert unlock(accepted, "bo") is accepted
    assert (unlock(locked, "bo").locked, unlock(locked, "bo").locked_by) == (False, None)
    assert state.to_dict() == document


def test_a_person_may_pick_another_value_of_a_locked_field() -> None:
    state = lock(accept(conflict_state(), 0, by="ana"), "ana")
    picked = accept(state, 1, by="bo")
    assert (picked.value != state.value, picked.locked, picked.locked_by) == (True, True, "bo")
    rejected_other = reject(state, 1, "bo")
    assert (rejected_other.value, rejected_other.locked, len(rejected_other.rejected)) == (state.value, True, 1)


# --- batches ---------------------------------------------------------------------------------------------------


def batch_states() -> States:
    sources = [
        src(FILE, "a.csv", "1", {"amount": ("Amount", "Total"), "status": ("Status", None)}),
        src(FILE, "b.csv", "1", {"amount": desc("Net")}),
    ]
    return resolve(["amount", "status"], sources)


def test_a_batch_applies_every_decision_in_order() -> None:
    decisions = [
        Decision("amount", DESCRIPTION, Action.ACCEPT, "ana", candidate_index=1),
        Decision("amount", VERBOSE, Action.ACCEPT, "ana"),
        Decision("amount", VERBOSE, Action.LOCK, "ana"),
        Decision("status", VERBOSE, Action.OVERRIDE, "bo", value="State"),
        Decision("status", VERBOSE, Action.UNLOCK, "bo"),
        Decision("status", DESCRIPTION, Action.OVERRIDE, "bo", value="Order status"),
    ]
    states = batch_states()
    result = apply_batch(states, decisions)
    assert {key: (state.value, state.status, state.locked) for key, state in result.items()} == {
        ("amount", VERBOSE): ("Amount", Status.ACCEPTED, True),
        ("amount", DESCRIPTION): (states[("amount", DESCRIPTION)].candidates[1].value, Status.ACCEPTED, False),
        ("status", VERBOSE): ("State", Status.ACCEPTED, False),
        ("status", DESCRIPTION): ("Order status", Status.ACCEPTED, True),
    }


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        pytest.param(
            Decision("missing", DESCRIPTION, Action.ACCEPT, "ana"),
            "missing.description is not a field of this review",
            id="unknown-column",
        ),
        pytest.param(Decision("amount", "label", Action.ACCEPT, "ana"), "unknown field 'label'", id="unknown-field"),  # type: ignore[arg-type]
        pytest.param(
            Decision("amount", DESCRIPTION, "approve", "ana"),  # type: ignore[arg-type]
            "unknown action 'approve'",
            id="unknown-action",
        ),
        pytest.param(
            Decision("amount", DESCRIPTION, Action.REJECT, "ana", candidate_index=5),
            "index 5 is out of range",
            id="index-out-of-range",
        ),
        pytest.param(
            Decision("amount", DESCRIPTION, Action.REJECT, "ana"), "reject needs the index", id="reject-without-index"
        ),
        pytest.param(
            Decision("amount", DESCRIPTION, Action.OVERRIDE, "ana", value=""),
            "needs a non-empty value",
            id="override-empty",
        ),
        pytest.param(
            Decision("amount", DESCRIPTION, Action.OVERRIDE, "ana"), "needs a non-empty value", id="override-no-value"
        ),
        pytest.param(
            Decision("amount", DESCRIPTION, Action.ACCEPT, "ana", value="x"),
            "accept takes no value",
            id="accept-with-value",
        ),
        pytest.param(
            Decision("amount", DESCRIPTION, Action.LOCK, "ana", candidate_index=0),
            "lock takes no candidate_index",
            id="lock-with-index",
        ),
        pytest.param(
            Decision("amount", DESCRIPTION, Action.LOCK, "ana"), "no chosen value to lock", id="lock-a-conflict"
        ),
        pytest.param(Decision("amount", DESCRIPTION, Action.ACCEPT, ""), "the person who made it", id="nobody"),
    ],
)
def test_a_batch_is_all_or_nothing(bad: Decision, message: str) -> None:
    states = batch_states()
    before = dump_states(states)
    good = [
        Decision("amount", VERBOSE, Action.ACCEPT, "ana"),
        Decision("status", VERBOSE, Action.OVERRIDE, "ana", value="State"),
    ]
    with pytest.raises(DecisionError) as raised:
        apply_batch(states, [*good, bad, Decision("status", DESCRIPTION, Action.OVERRIDE, "ana", value="x")])
    assert raised.value.position == 2
    assert raised.value.message.startswith("decision 3 (")
    assert message in raised.value.message
    assert "no decision was applied" in raised.value.message
    assert dump_states(states) == before


def test_an_empty_batch_changes_nothing() -> None:
    states = batch_states()
    assert apply_batch(states, []) == states


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"column": "a", "field": "description", "action": "accept", "by": "ana"},
            Decision("a", DESCRIPTION, Action.ACCEPT, "ana"),
        ),
        (
            {"column": "a", "field": "verbose_name", "action": "reject", "by": "ana", "candidate_index": 2},
            Decision("a", VERBOSE, Action.REJECT, "ana", 2),
        ),
        (
            {"column": "a", "field": "description", "action": "override", "by": "ana", "value": "x"},
            Decision("a", DESCRIPTION, Action.OVERRIDE, "ana", value="x"),
        ),
    ],
)
def test_decision_from_dict(document: dict[str, Any], expected: Decision) -> None:
    assert Decision.from_dict(document) == expected


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"field": "description", "action": "accept", "by": "ana"}, "needs 'column'"),
        ({"column": "a", "field": "desc", "action": "accept", "by": "ana"}, "unknown field 'desc'"),
        ({"column": "a", "field": "description", "action": "approve", "by": "ana"}, "unknown action 'approve'"),
        (
            {"column": "a", "field": "description", "action": "reject", "by": "ana", "candidate_index": "1"},
            "candidate_index must be an integer",
        ),
        (
            {"column": "a", "field": "description", "action": "reject", "by": "ana", "candidate_index": True},
            "candidate_index must be an integer",
        ),
        (
            {"column": "a", "field": "description", "action": "override", "by": "ana", "value": 3},
            "value must be a string",
        ),
        ({"column": 1, "field": "description", "action": "accept", "by": "ana"}, "column must be a string"),
    ],
)
def test_decision_from_dict_errors(document: dict[str, Any], message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        Decision.from_dict(document)


# --- serialization ---------------------------------------------------------------------------------------------


def every_kind_of_state() -> States:
    sources = [
        src(
            FILE,
            "a.csv",
            "1",
            {"conflict": desc("Total"), "accepted": desc("Acc"), "rejected": desc("Rej"), "fuzzy": ("F", None)},
        ),
        src(FILE, "b.csv", "1", {"conflict": desc("Net")}),
        src(REFERENCE, "ref", "1", {"locked": desc("Lock"), "fuzzies": desc("almost")}),
    ]
    states = resolve(["conflict", "accepted", "rejected", "locked", "manual", "fuzzy", "ai", "empty"], sources)
    states[("accepted", DESCRIPTION)] = accept(states[("accepted", DESCRIPTION)], by="ana")
    states[("rejected", DESCRIPTION)] = reject(states[("rejected", DESCRIPTION)], 0, "ana")
    states[("locked", DESCRIPTION)] = lock(states[("locked", DESCRIPTION)], "ana")
    states[("manual", DESCRIPTION)] = override(states[("manual", DESCRIPTION)], 'Quotes " and ünicode', "ana")
    return add_ai_drafts(states, {("ai", DESCRIPTION): "Drafted"}, "model-a", "2025-01")


def test_states_cover_every_status() -> None:
    assert {state.status for state in every_kind_of_state().values()} == set(Status)


def test_to_dict_from_dict_round_trip() -> None:
    states = every_kind_of_state()
    for state in states.values():
        document = json.loads(json.dumps(state.to_dict()))
        assert FieldState.from_dict(document) == state
    assert roundtrip(states) == states
    assert list(roundtrip(states)) == list(states)


def test_to_dict_is_plain_json() -> None:
    document = every_kind_of_state()[("manual", DESCRIPTION)].to_dict()
    assert json.loads(json.dumps(document)) == document
    assert document["field"] == "description" and type(document["field"]) is str
    assert document["chosen"]["source"] == "manual" and type(document["chosen"]["source"]) is str
    assert document["status"] == "accepted" and type(document["status"]) is str


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"field": "label"}, ValueError),
        ({"status": "maybe"}, ValueError),
        ({"locked": "yes"}, ValueError),
        ({"locked": True, "chosen": None}, ValueError),
        ({"column": None}, ValueError),
        ({"candidates": [{"field": "description"}]}, KeyError),
        (
            {
                "chosen": {
                    **Candidate(DESCRIPTION, "x", FILE, "f", "1", MatchKind.EXACT, 1.0, "a").to_dict(),
                    "confidence": "high",
                }
            },
            ValueError,
        ),
    ],
)
def test_from_dict_refuses_malformed_documents(change: dict[str, Any], error: type[Exception]) -> None:
    document = {**FieldState("a", DESCRIPTION).to_dict(), **change}
    with pytest.raises(error):
        FieldState.from_dict(document)


# --- sources and columns ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [SourceKind.MANUAL, SourceKind.FUZZY, SourceKind.AI_DRAFT])
def test_sources_are_imports_only(kind: SourceKind) -> None:
    with pytest.raises(ValueError, match="not " + kind.value):
        SemanticSource(kind, "x", "1", {})


def test_each_source_once() -> None:
    with pytest.raises(ValueError, match=re.escape("dictionary_file 'f.csv'")):
        resolve(["a"], [src(FILE, "f.csv", "1", {}), src(FILE, "f.csv", "2", {})])
    assert resolve(["a"], [src(FILE, "same", "1", {}), src(TABLE, "same", "1", {})])  # another kind: another source


def test_a_parsed_dictionary_is_a_source() -> None:
    dictionary = parse_dictionary(b"column,label,description\nOrderDate,Order date,When\n", "orders.csv")
    source = SemanticSource.from_dictionary(dictionary)
    assert (source.kind, source.name, source.version) == (FILE, "orders.csv", dictionary.version)
    state = resolve(["order_date"], [source])[("order_date", VERBOSE)]
    assert state.chosen == Candidate(
        VERBOSE, "Order date", FILE, "orders.csv", dictionary.version, MatchKind.NORMALIZED, 0.95, "OrderDate"
    )
    table = SemanticSource.from_dictionary(dictionary, TABLE)
    assert table.kind is TABLE


def test_one_state_per_column_and_field() -> None:
    previous = resolve(["gone", "a"], [])
    states = resolve(["a", "b", "a"], [], previous)
    assert list(states) == [("a", VERBOSE), ("a", DESCRIPTION), ("b", VERBOSE), ("b", DESCRIPTION)]
    assert all(state.status is Status.EMPTY and state.key == key for key, state in states.items())
