"""The order questions come in and the flow's rules, table-driven."""

from __future__ import annotations

import pytest

from superset_review.clarification.engine import (
    Answer,
    Clarification,
    ClarificationError,
    ClarificationStatus,
    TopicState,
    collect_topics,
)

MAPPINGS = [
    {"variable": "min_sales", "kind": "template_param", "value": None, "provenance": "none", "line": 3},
    {"variable": "deal_size", "kind": "url_param", "value": None, "provenance": "template_default", "line": 6},
]
SEMANTICS = [
    {"column": "a", "field": "description", "status": "empty", "candidates": []},
    {"column": "b", "field": "verbose_name", "status": "conflict",
     "candidates": [{"value": "Bee", "source_name": "d1", "match_kind": "exact"},
                    {"value": "Be", "source_name": "d2", "match_kind": "exact"}]},
    {"column": "c", "field": "description", "status": "accepted", "candidates": []},
]  # fmt: skip
CONTEXT = {"dataset_id": 7, "filters": [
    {"filter_id": "F1", "name": "Region", "column": "region", "dataset_id": 7, "status": "unresolved"},
    {"filter_id": "F2", "name": "Other", "column": "x", "dataset_id": 8, "status": "unresolved"},
]}  # fmt: skip
STATS = {"columns": {"region": {"top_values": [{"value": "EMEA", "count": 9}, {"value": "APAC", "count": 3}]}}}


def started() -> Clarification:
    clarification = Clarification()
    clarification.merge_topics(collect_topics(MAPPINGS, SEMANTICS, CONTEXT, STATS))
    return clarification


def test_topics_in_priority_order() -> None:
    assert started().order == [
        "variable:template_param:min_sales", "conflict:b:verbose_name", "filter:F1", "meaning:a",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("key", "options"),
    [
        ("conflict:b:verbose_name", ["Bee", "Be"]),
        ("filter:F1", [None, "EMEA", "APAC"]),
        ("meaning:a", []),
    ],
)
def test_options_offered(key: str, options: list[object]) -> None:
    assert [option.value for option in started().topics[key].options] == options


def test_the_pointer_moves_past_settled_topics_only() -> None:
    clarification = started()
    first = clarification.current
    assert first == "variable:template_param:min_sales"
    clarification.record_answer(Answer(first, 5, None, "ann"), "min_sales = 5")
    assert clarification.current == "conflict:b:verbose_name"
    clarification.skip("conflict:b:verbose_name")
    clarification.defer("filter:F1")
    assert clarification.current == "meaning:a" and clarification.topics["filter:F1"].state is TopicState.DEFERRED
    assert clarification.summary()["unresolved"] == 3


@pytest.mark.parametrize(
    ("answer", "result"),
    [(Answer("variable:template_param:min_sales", 5, None, "bob"), True),
     (Answer("variable:template_param:min_sales", 6, None, "bob"), "ANSWER_CONFLICT")],
)  # fmt: skip
def test_duplicates_and_conflicts(answer: Answer, result: object) -> None:
    clarification = started()
    clarification.record_answer(Answer("variable:template_param:min_sales", 5, None, "ann"), "min_sales = 5")
    if result is True:
        assert clarification.check_answer(answer) is True
    else:
        with pytest.raises(ClarificationError) as error:
            clarification.check_answer(answer)
        assert error.value.code == result and error.value.status == 409


def test_round_trip_keeps_everything() -> None:
    clarification = started()
    clarification.skip(clarification.current or "")
    clarification.pause()
    again = Clarification.from_dict(clarification.to_dict())
    assert again is not None and again.to_dict() == clarification.to_dict()
    assert again.status is ClarificationStatus.PAUSED
    with pytest.raises(ClarificationError, match="paused"):
        again.skip(again.current or "")
