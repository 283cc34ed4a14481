"""One question at a time: answers persisted with the pointer, duplicates idempotent, conflicts refused, skip, expert
review, pause and resume where the user left."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.flags import flag_off
from tests.users import ADMIN, MANAGER, login

pytest_plugins = ["tests.llm_stub.fixtures"]

SESSIONS = "/api/v1/dataset_review/sessions/"


def act(client: Any, session: dict[str, Any], path: str, **body: Any) -> Any:
    return client.post(f"{SESSIONS}{session['id']}/clarification/{path}", json={"version": session["version"], **body})


def current(client: Any, session: dict[str, Any]) -> dict[str, Any] | None:
    return client.get(f"{SESSIONS}{session['id']}/clarification").json["current"]


def test_one_question_at_a_time_resumed_where_left(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    session = client.post(SESSIONS, json={"source": str(examples["templated"])}).json
    started = act(client, session, "start")
    assert started.status_code == 200, started.json
    session = started.json
    topics = session["clarification"]["topics"]
    assert session["state"] == "clarification_active"
    first = current(client, session)
    assert first["key"] == topics[0]["key"] == "variable:url_param:deal_size", "a variable with no value comes first"
    assert first["why"] and first["effect"] and first["state"] == "open"

    not_current = act(client, session, "answer", topic=topics[1]["key"], value="whatever")
    assert not_current.status_code == 409 and not_current.json["error_code"] == "NOT_CURRENT_QUESTION"

    answered = act(client, session, "answer", topic=first["key"], value="Large")
    assert answered.status_code == 200, answered.json
    deal_size = next(m for m in answered.json["execution"]["mappings"] if m["variable"] == "deal_size")
    assert (deal_size["value"], deal_size["provenance"], deal_size["approval"]) == ("Large", "manual", "pending")
    again = act(client, session, "answer", topic=first["key"], value="Large")
    assert again.status_code == 200 and again.headers.get("X-Review-Duplicate") == "true"
    assert again.json["version"] == answered.json["version"], "a duplicate changes nothing"
    conflicting = act(client, answered.json, "answer", topic=first["key"], value="Small")
    assert conflicting.status_code == 409 and conflicting.json["error_code"] == "ANSWER_CONFLICT"

    meaning = current(client, answered.json)
    assert meaning["kind"] == "meaning"
    described = act(client, answered.json, "answer", topic=meaning["key"], value="Where the customer is")
    state = next(
        s for s in described.json["semantics"] if s["column"] == meaning["target"] and s["field"] == "description"
    )
    assert state["locked"] and state["chosen"]["value"] == "Where the customer is"

    session = described.json
    second = current(client, session)
    skipped = act(client, session, "skip", topic=second["key"]).json
    third = current(client, skipped)
    deferred = act(client, skipped, "expert", topic=third["key"]).json
    states = {t["key"]: t["state"] for t in deferred["clarification"]["topics"]}
    assert (states[first["key"]], states[second["key"]], states[third["key"]]) == ("answered", "skipped", "deferred")

    fourth = current(client, deferred)
    paused = act(client, deferred, "pause").json
    refused = act(client, paused, "answer", topic=fourth["key"], value="x")
    assert refused.status_code == 409 and refused.json["error_code"] == "CLARIFICATION_PAUSED"
    resumed = act(client, paused, "start").json
    assert current(client, resumed)["key"] == fourth["key"], "resume restores the current question"
    assert resumed["clarification"]["answers"][first["key"]]["value"] == "Large"

    finished = act(client, resumed, "finish").json
    summary = finished["events"][-1]["after"]
    assert summary["counts"]["answered"] == 2 and summary["counts"]["deferred"] == 1
    assert summary["unresolved"] == len(topics) - 2 and any("expert" in change for change in summary["changes"])


def test_an_unresolved_variable_is_asked_first_and_its_answer_becomes_a_mapping(
    app: Any, client: Any, examples: dict[str, int]
) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        dataset = db.session.get(SqlaTable, examples["templated"])
        saved = dataset.template_params
        dataset.template_params = None  # min_sales now has no value anywhere
        db.session.commit()
    try:
        login(client, ADMIN)
        session = client.post(SESSIONS, json={"source": str(examples["templated"])}).json
        session = act(client, session, "start").json
        question = current(client, session)
        assert question["key"] == "variable:template_param:min_sales" and question["priority"] == 100
        answered = act(client, session, "answer", topic=question["key"], value=1000).json
        min_sales = next(m for m in answered["execution"]["mappings"] if m["variable"] == "min_sales")
        assert (min_sales["value"], min_sales["provenance"]) == (1000, "manual")
        assert min_sales["override"]["why"] == "clarification answer" and min_sales["approval"] == "approved"
    finally:
        with app.app_context():
            dataset = db.session.get(SqlaTable, examples["templated"])
            dataset.template_params = saved
            db.session.commit()


def test_clarification_answers_404_with_its_flag_off(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    session = client.post(SESSIONS, json={"source": str(examples["sales"])}).json
    with flag_off("DATASET_REVIEW_CLARIFICATION"):
        assert act(client, session, "start").status_code == 404
    assert act(client, session, "start").status_code == 200


@pytest.fixture()
def llm_in_app(app: Any, services: Any, llm_stub: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The in-process app configured with the stub provider for one test (others rely on "LLM not configured"),
    with an empty answer cache: the same prompt would otherwise be answered from an earlier test's reply."""
    import redis

    from superset_review.llm.cache import PREFIX
    from superset_review.llm.registry import parse_registry

    cache = redis.Redis.from_url(services.redis.url)
    for key in cache.scan_iter(f"{PREFIX}*"):
        cache.delete(key)
    cache.close()

    monkeypatch.setenv("STUB_LLM_KEY", "sk-test-not-a-real-key")
    saved = app.config["REVIEW_LLM_MODELS"]
    app.config["REVIEW_LLM_MODELS"] = parse_registry(
        [{"name": "phrase-model", "model": "openai/phrase-model", "api_base": llm_stub.openai_base,
          "api_key_env": "STUB_LLM_KEY"}]
    )  # fmt: skip
    yield llm_stub
    app.config["REVIEW_LLM_MODELS"] = saved


def test_questions_are_worded_by_the_llm_when_one_is_configured(
    client: Any, examples: dict[str, int], llm_in_app: Any
) -> None:
    from tests.llm_stub import reply_json

    llm_in_app.set_default("phrase-model", reply_json({"questions": [
        {"key": "variable:url_param:deal_size", "question": "Which deal size should this run look at?",
         "why": "The query filters on it, and nothing set it yet."},
    ]}))  # fmt: skip
    login(client, MANAGER)
    session = client.post(SESSIONS, json={"source": str(examples["templated"])}).json
    started = act(client, session, "start").json
    assert started["clarification"]["phrased_by"] == "openai/phrase-model"
    question = current(client, started)
    assert question["question"] == "Which deal size should this run look at?"
    assert question["why"] == "The query filters on it, and nothing set it yet."
    others = [t for t in started["clarification"]["topics"] if t["key"] != question["key"]]
    assert all(t["question"].startswith("What does column") for t in others), "unworded topics keep the template"
    prompt = " ".join(llm_in_app.requests_for("phrase-model")[-1].texts())
    assert "deal_size" in prompt


def test_templates_stand_when_the_llm_fails(client: Any, examples: dict[str, int], llm_in_app: Any) -> None:
    from tests.llm_stub import error

    llm_in_app.set_default("phrase-model", error(500))
    login(client, MANAGER)
    session = client.post(SESSIONS, json={"source": str(examples["templated"])}).json
    started = act(client, session, "start")
    assert started.status_code == 200, started.json
    assert started.json["clarification"]["phrased_by"].startswith("templates (")
    assert (
        current(client, started.json)["question"]
        == "What value should url_param 'deal_size' take when this dataset runs?"
    )


def test_wording_the_questions_holds_no_transaction_of_the_review(
    app: Any, client: Any, examples: dict[str, int], llm_in_app: Any
) -> None:
    """While the LLM words the questions (2 s here), no connection sits in a transaction that read the reviews'
    table; the dialog is saved afterwards at the caller's version."""
    import threading
    import time

    from tests.integration.test_tasks import idle_in_transaction_on_reviews
    from tests.llm_stub import delay, reply_json

    llm_in_app.set_default("phrase-model", delay(2, then=reply_json({"questions": [
        {"key": "variable:url_param:deal_size", "question": "Which deal size, slowly?", "why": "It filters."}]})))  # fmt: skip
    login(client, MANAGER)
    session = client.post(SESSIONS, json={"source": str(examples["templated"])}).json
    answer: list[Any] = []
    starting = threading.Thread(target=lambda: answer.append(act(client, session, "start")))
    starting.start()
    # Observed only while the model holds the call (from its arrival at the stub to just before the stub's 2 s
    # answer): the request reads the review before the call and saves it after, and a sample taken between two of
    # those statements would see a short transaction that is not held across the call.
    while starting.is_alive() and not llm_in_app.requests_for("phrase-model"):
        time.sleep(0.02)
    arrived = time.monotonic()
    holders = []
    while starting.is_alive() and time.monotonic() - arrived < 1.8:
        holders.append(idle_in_transaction_on_reviews(app))
        time.sleep(0.1)
    starting.join()
    assert len(holders) > 10, "the call was observed while it ran"
    assert max(holders) == 0, holders
    assert answer[0].status_code == 200 and answer[0].json["version"] == session["version"] + 1
    assert current(client, answer[0].json)["question"] == "Which deal size, slowly?"
