"""Hostile requests answer 4xx with a message that names what was wrong, never 500, and leave the review readable:
a clarification answer posing as a kept message, a forged kept message written into the database, bodies that are
not JSON or nest thousands deep, strings longer than their columns, ids beyond PostgreSQL's integer range, bodies
larger than MAX_CONTENT_LENGTH."""

from __future__ import annotations

from typing import Any

import pytest

from tests.users import ADMIN, MANAGER, RUNNER, login

SESSIONS = "/api/v1/dataset_review/sessions/"
CRAFTED = {"i18n": {"x": {"msgid": "%(b)s", "params": {"a": 1}}}}
WIDE = {"i18n": {"x": {"msgid": "%(a)900000000s", "params": {"a": 1}}}}


@pytest.fixture()
def review(client: Any, examples: dict[str, int]) -> dict[str, Any]:
    """A review of the templated dataset with its clarification started (its first question is current), by a user
    who may preview."""
    login(client, RUNNER)
    session = client.post(SESSIONS, json={"source": str(examples["templated"])}).json
    started = client.post(f"{SESSIONS}{session['id']}/clarification/start", json={"version": session["version"]})
    assert started.status_code == 200, started.json
    return dict(started.json)


def assert_review_reads(client: Any, review: dict[str, Any]) -> None:
    for path in ("", "/export", "/export?format=json", "/clarification"):
        response = client.get(f"{SESSIONS}{review['id']}{path}")
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:500])


def current_topic(client: Any, review: dict[str, Any]) -> str:
    return str(client.get(f"{SESSIONS}{review['id']}/clarification").json["current"]["key"])


@pytest.mark.parametrize("value", [CRAFTED, WIDE, [CRAFTED], {"msgid": "x", "params": {}}], ids=lambda v: str(v)[:30])
def test_an_answer_posing_as_a_kept_message_is_refused_and_the_review_still_reads(
    client: Any, review: dict[str, Any], value: Any
) -> None:
    topic = current_topic(client, review)
    body = {"version": review["version"], "topic": topic, "value": value}
    refused = client.post(f"{SESSIONS}{review['id']}/clarification/answer", json=body)
    assert refused.status_code == 400, refused.json
    assert refused.json["error_code"] == "INVALID_REQUEST" and "value" in refused.json["errors"]
    assert "msgid" in refused.json["errors"]["value"][0]
    assert_review_reads(client, review)


def test_an_override_posing_as_a_kept_message_is_refused(client: Any, review: dict[str, Any]) -> None:
    body = {"version": review["version"], "changes": [{"variable": "deal_size", "value": CRAFTED, "why": "because"}]}
    refused = client.put(f"{SESSIONS}{review['id']}/mappings", json=body)
    assert refused.status_code == 400 and "changes" in refused.json["errors"], refused.json
    assert_review_reads(client, review)


def test_a_forged_kept_message_in_the_database_is_ignored(app: Any, client: Any, review: dict[str, Any]) -> None:
    """Written past the API (by hand, or by a path not yet guarded): every read ignores it and keeps the plain value."""
    from sqlalchemy.orm.attributes import flag_modified
    from superset.extensions import db

    from superset_review.sessions.models import ReviewSession

    forged = {
        "next_action": {"msgid": "%(a)900000000s", "params": {"a": 1}},
        "title": {"msgid": "%(b)s", "params": {"a": 1}},
    }
    with app.app_context():
        session = db.session.get(ReviewSession, review["id"])
        session.i18n = forged
        clarification = dict(session.clarification)
        topic = dict(clarification["topics"][0]) if isinstance(clarification["topics"], list) else None
        if topic is not None:
            topic["i18n"] = {"question": {"msgid": "not a message of the catalogue", "params": {}}}
            clarification["topics"] = [topic, *clarification["topics"][1:]]
        clarification["i18n"] = CRAFTED["i18n"]
        session.clarification = clarification
        flag_modified(session, "clarification")
        db.session.commit()
        next_action, title = session.next_action, session.title
    assert_review_reads(client, review)
    read = client.get(f"{SESSIONS}{review['id']}").json
    assert (read["next_action"], read["title"]) == (next_action, title), "the plain values stay"
    assert "x" not in read["clarification"], "a kept Text adds no field"


@pytest.mark.parametrize(
    ("headers", "data", "status", "says"),
    [
        ({"Content-Type": "text/plain"}, '{"version": 1}', 415, "Content-Type: application/json"),
        ({}, '{"version": 1}', 415, "Content-Type: application/json"),
        ({"Content-Type": "application/json"}, '{"version": ', 400, "not valid JSON"),
        ({"Content-Type": "application/json"}, "[1, 2]", 400, "must be an object"),
        ({"Content-Type": "application/json"}, '{"version": "1"}', 400, "version"),
        ({"Content-Type": "application/json"}, '{"a": ' * 5000 + "1" + "}" * 5000, 400, "levels deep"),
        ({"Content-Type": "application/json"}, '{"a": ' * 40 + "1" + "}" * 40, 400, "levels deep"),
    ],
    ids=["text-plain", "no-content-type", "broken-json", "array", "string-version", "5000-deep", "40-deep"],
)
def test_a_body_that_is_not_a_json_object_answers_4xx_naming_it(
    client: Any, review: dict[str, Any], headers: dict[str, str], data: str, status: int, says: str
) -> None:
    for path in ("archive", "clarification/pause", "preview", "semantics/apply"):
        response = client.post(f"{SESSIONS}{review['id']}/{path}", data=data, headers=headers)
        assert response.status_code == status, (path, response.get_data(as_text=True)[:300])
        assert says in response.json["message"] or says in str(response.json.get("errors")), response.json
    start = client.post(SESSIONS, data=data, headers=headers)
    assert start.status_code in (400, 415) and start.json["message"], start.json


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("semantics/decisions", {"decisions": [{"column": "c" * 256, "field": "description", "action": "override",
                                                "value": "x"}]}, "decisions"),
        ("semantics/decisions", {"decisions": [{"column": "deal_size", "field": "verbose_name", "action": "override",
                                                "value": "v" * 1025}]}, "decisions"),
        ("semantics/dataset_source", {"dataset_id": 2**63, "kind": "reference_dataset"}, "dataset_id"),
        ("semantics/dataset_source", {"dataset_id": 1, "kind": "dictionary_table", "name_column": "n" * 300},
         "name_column"),
        ("clarification/answer", {"topic": "t", "option": 2**63}, "option"),
        ("clarification/answer", {"topic": "t", "value": "v" * 30_000}, "value"),
        ("mappings/approve", {"variables": ["v" * 501]}, "variables"),
    ],
    ids=["long-column", "long-verbose-name", "huge-dataset-id", "long-name-column", "huge-option", "long-answer",
         "long-variable"],
)  # fmt: skip
def test_values_beyond_their_bounds_answer_400(
    client: Any, review: dict[str, Any], path: str, body: dict[str, Any], field: str
) -> None:
    if path == "mappings/approve":
        login(client, ADMIN)  # the runner may not approve: refused (403) before the body is read
    method = client.put if path == "mappings" else client.post
    response = method(f"{SESSIONS}{review['id']}/{path}", json={"version": review["version"], **body})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert field in response.json["errors"] and field in response.json["message"], response.json
    huge_version = client.post(f"{SESSIONS}{review['id']}/archive", json={"version": 2**63})
    assert huge_version.status_code == 400 and "version" in huge_version.json["errors"]
    assert_review_reads(client, review)


@pytest.mark.parametrize("pk", [2**31, 2**63, 10**30])
def test_path_ids_beyond_the_integer_range_answer_404(client: Any, examples: dict[str, int], pk: int) -> None:
    login(client, MANAGER)
    for method, path in (("get", ""), ("get", "/export"), ("get", "/clarification"), ("post", "/archive"),
                         ("delete", ""), ("get", "/runs")):  # fmt: skip
        response = getattr(client, method)(f"{SESSIONS}{pk}{path}", json={"version": 1})
        assert response.status_code == 404, (path, response.get_data(as_text=True)[:300])
        assert response.json["error_code"] == "NOT_FOUND" and str(pk) in response.json["message"]
    scan = client.post(f"/api/v1/dataset_review/pii/scan/dataset/{2**63}", json={})
    assert scan.status_code == 404


def test_a_title_longer_than_its_column_is_cut_not_a_500(app: Any, client: Any, review: dict[str, Any]) -> None:
    from superset.extensions import db

    from superset_review.sessions.models import ReviewFinding, ReviewSession

    with app.app_context():
        session = db.session.get(ReviewSession, review["id"])
        session.title = "t" * 2000
        session.set_next_action("n" * 2000)
        db.session.add(ReviewFinding(session_id=session.id, code="X", severity="info", target_kind="column",
                                     target="c" * 2000, message="m"))  # fmt: skip
        db.session.commit()
        assert (len(session.title), len(session.next_action)) == (500, 500) and session.title.endswith("…")
    assert_review_reads(client, review)


def test_a_body_larger_than_max_content_length_answers_413(app: Any, client: Any, review: dict[str, Any]) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 16 * 1024 * 1024, "the extension's default when the admin sets none"
    body = b'{"version": 1, "pad": "' + b"x" * limit + b'"}'
    response = client.post(f"{SESSIONS}{review['id']}/archive", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert response.json["error_code"] == "REQUEST_TOO_LARGE" and str(limit) in response.json["message"]
    assert_review_reads(client, review)
