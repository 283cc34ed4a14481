"""The governed tools over REST against the real Superset: each tool as the calling user, the permission and
dataset-access refusals, parameters that break the schema or the caps refused before anything is read, and exactly
one audit row for every call whatever its outcome, with no parameter value in it.

The AI-safe views are made by ``tests.safe_views.make_test_views`` (see there why not by the create command).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.datasets import CUSTOMERS
from tests.safe_views import VIEW_COLUMNS, make_test_views
from tests.services import Services
from tests.users import ADMIN, GAMMA, MANAGER, READER, login, user

TOOLS = "/api/v1/dataset_review/tools"


@pytest.fixture(scope="module")
def views(app: Any, services: Services) -> dict[str, int]:
    return make_test_views(app, services)


def uid(app: Any, username: str) -> int:
    with app.app_context():
        return int(user(username).id)


def last_call_id(app: Any) -> int:
    with app.app_context():
        from superset.extensions import db

        from superset_review.tools.models import ToolCall

        return int(db.session.query(ToolCall.id).order_by(ToolCall.id.desc()).limit(1).scalar() or 0)


def calls_since(app: Any, since: int) -> list[dict[str, Any]]:
    with app.app_context():
        from superset.extensions import db

        from superset_review.tools.models import ToolCall
        from superset_review.tools.schemas import ToolCallSchema

        rows = db.session.query(ToolCall).filter(ToolCall.id > since).order_by(ToolCall.id).all()
        return list(ToolCallSchema(many=True).dump(rows))


def assigned_domain(app: Any, dataset_id: int, column: str) -> str | None:
    with app.app_context():
        from superset.extensions import db

        from superset_review.domains.models import ColumnDomainAssignment

        row = (
            db.session.query(ColumnDomainAssignment).filter_by(dataset_id=dataset_id, column_name=column).one_or_none()
        )
        return None if row is None else row.domain


def call(client: Any, app: Any, name: str, body: Any = None, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """Invoke ``name``; the reply and the one audit row the call wrote (asserted to be exactly one)."""
    since = last_call_id(app)
    response = client.post(f"{TOOLS}/{name}/invoke", json=body if body is not None else {}, **kwargs)
    rows = calls_since(app, since)
    assert len(rows) == 1, f"{name}: expected one audit row, found {rows}"
    return response, rows[0]


def test_the_list_has_the_tools_the_user_may_call_with_their_schemas(client: Any, views: dict[str, int]) -> None:
    login(client, ADMIN)
    response = client.get(f"{TOOLS}/")
    assert response.status_code == 200, response.json
    tools = {tool["name"]: tool for tool in response.json["result"]}
    assert set(tools) == {"list_safe_datasets", "describe_dataset", "sample_safe_view", "review_dataset"}
    sample = tools["sample_safe_view"]
    assert sample["permission"] == "read" and sample["max_rows"] == 50 and sample["reads_rows"] is True
    schema = sample["parameters"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"view_id", "dataset_id", "rows", "columns"}
    assert schema["properties"]["rows"]["maximum"] == 50
    assert tools["describe_dataset"]["parameters"]["required"] == ["dataset_id"]
    assert tools["review_dataset"]["permission"] == "manage"

    login(client, READER)  # can_read only: review_dataset needs can_manage
    names = {tool["name"] for tool in client.get(f"{TOOLS}/").json["result"]}
    assert names == {"list_safe_datasets", "describe_dataset", "sample_safe_view"}

    login(client, GAMMA)  # no can_read on DatasetReview: no tools at all
    assert client.get(f"{TOOLS}/").status_code == 403
    assert client.post(f"{TOOLS}/list_safe_datasets/invoke", json={}).status_code == 403


def test_list_safe_datasets_shows_only_views_the_user_may_read(client: Any, app: Any, views: dict[str, int]) -> None:
    login(client, ADMIN)
    response, audit = call(client, app, "list_safe_datasets", {"search": "ai-safe"})
    assert response.status_code == 200, response.json
    listed = {view["id"]: view for view in response.json["result"]["views"]}
    assert {views["fresh"], views["stale"]} <= set(listed)
    fresh = listed[views["fresh"]]
    assert fresh["dataset_id"] == views["fresh_dataset"] and fresh["base_dataset_name"] == "review_customers"
    assert fresh["columns"] == VIEW_COLUMNS and fresh["state"] == "fresh"
    assert audit["outcome"] == "ok" and audit["rows"] == len(listed) and audit["channel"] == "rest"
    assert audit["id"] == response.json["call"]["id"] and audit["user_id"] == uid(app, ADMIN)

    response, _ = call(client, app, "list_safe_datasets", {"search": "no view is called this"})
    assert response.json["result"]["views"] == []

    login(client, READER)  # may not read review_customers' views: none listed
    response, audit = call(client, app, "list_safe_datasets", {})
    assert response.status_code == 200 and response.json["result"]["views"] == []
    assert audit["user_id"] == uid(app, READER) and audit["username"] == READER


def test_describe_dataset_gives_metadata_domains_and_views_never_rows(
    client: Any, app: Any, views: dict[str, int]
) -> None:
    login(client, ADMIN)
    response, audit = call(client, app, "describe_dataset", {"dataset_id": views["customers"]})
    assert response.status_code == 200, response.json
    result = response.json["result"]
    columns = {column["name"]: column for column in result["columns"]}
    assert set(columns) == {"customer_id", "contact_name", "email", "phone", "card_number", "order_date"}
    assert (columns["email"]["domain"], columns["email"]["pii"]) == ("contact.email", "EMAIL")
    # Other modules classify review_customers too: phone's domain is whatever its assignment says, none without one.
    assert columns["phone"]["domain"] == assigned_domain(app, views["customers"], "phone")
    assert [m["name"] for m in result["metrics"]] == ["count"] and "expression" not in result["metrics"][0]
    assert {v["id"] for v in result["safe_views"]} >= {views["fresh"], views["stale"]}
    assert result["is_safe_view"] is False
    text = json.dumps(result)
    assert not any(customer[2] in text for customer in CUSTOMERS), "no value of the dataset in its description"
    assert audit["outcome"] == "ok" and audit["rows"] == 0

    login(client, READER)  # can_read, but no access to the dataset in Superset
    response, audit = call(client, app, "describe_dataset", {"dataset_id": views["customers"]})
    assert response.status_code == 403 and response.json["error_code"] == "DATASET_FORBIDDEN"
    assert (audit["outcome"], audit["error_code"]) == ("refused", "DATASET_FORBIDDEN")

    login(client, ADMIN)
    response, audit = call(client, app, "describe_dataset", {"dataset_id": 987654})
    assert response.status_code == 404 and (audit["outcome"], audit["error_code"]) == ("refused", "DATASET_NOT_FOUND")


def test_sample_reads_a_fresh_view_masked_and_audits_the_masking(client: Any, app: Any, views: dict[str, int]) -> None:
    login(client, ADMIN)
    body = {"view_id": views["fresh"], "rows": 5}
    response, audit = call(client, app, "sample_safe_view", body)
    assert response.status_code == 200, response.json
    result = response.json["result"]
    assert result["columns"] == VIEW_COLUMNS and len(result["rows"]) == 5
    text = json.dumps(result)
    assert not any(customer[2] in text for customer in CUSTOMERS), "no email reaches the answer"
    emails = {row["email"] for row in result["rows"]}
    assert emails <= {customer[2][:2] + "***" for customer in CUSTOMERS}, "the view's own mask"
    assert all(row["note"].startswith("write to ") and "@" not in row["note"] for row in result["rows"]), (
        "the free-text column still held emails: the PII masking took them out"
    )
    masking = response.json["call"]["masking"]
    assert masking["redacted"] == {"email": "mask"} and masking["pii_masked"] == {"note": 5}
    assert masking["view_id"] == views["fresh"]
    assert audit["outcome"] == "ok" and audit["rows"] == 5 and audit["masking"] == masking
    assert audit["bytes"] == response.json["call"]["bytes"] > 0
    assert audit["params_bytes"] == len(json.dumps(body, separators=(",", ":")))

    response, _ = call(client, app, "sample_safe_view",
                       {"dataset_id": views["fresh_dataset"], "rows": 2, "columns": ["customer_id"]})  # fmt: skip
    assert response.status_code == 200, response.json
    rows = response.json["result"]["rows"]
    assert len(rows) == 2 and all(set(row) == {"customer_id"} for row in rows)
    assert {row["customer_id"] for row in rows} <= {customer[0] for customer in CUSTOMERS}


@pytest.mark.parametrize(
    ("body", "status", "code", "said"),
    [
        ({"rows": 51}, 422, "TOOL_CAP_EXCEEDED", "the tool's cap of 50"),
        ({"rows": 21}, 422, "TOOL_CAP_EXCEEDED", "sample_caps.rows of 20"),
        ({"rows": 0}, 422, "TOOL_PARAMS_INVALID", "rows"),
        ({"rows": "5"}, 422, "TOOL_PARAMS_INVALID", "rows"),
        ({"sql": "SELECT email FROM review_customers"}, 422, "TOOL_PARAMS_INVALID", "sql"),
        ({"columns": ["email", "phone"]}, 422, "TOOL_PARAMS_INVALID", "phone"),
        ({"columns": ["x" * 300]}, 422, "TOOL_PARAMS_INVALID", "columns"),
        ({"view_id": None}, 422, "TOOL_PARAMS_INVALID", "view_id or dataset_id"),
        ({"view_id": 2**31}, 422, "TOOL_PARAMS_INVALID", "view_id"),
        ({"columns": ["a" * 200] * 100}, 422, "TOOL_PARAMS_INVALID", "bytes of JSON"),
        ({"columns": [[[["zzvalue"]]]]}, 422, "TOOL_PARAMS_INVALID", "levels deep"),
    ],
    ids=[
        "tool-cap",
        "policy-cap",
        "zero",
        "string",
        "unknown-field",
        "column-not-in-view",
        "long-column",
        "no-target",
        "id-out-of-range",
        "too-large",
        "too-deep",
    ],
)
def test_sample_refuses_what_breaks_the_schema_or_the_caps_before_reading(
    client: Any, app: Any, views: dict[str, int], body: dict[str, Any], status: int, code: str, said: str
) -> None:
    login(client, ADMIN)
    payload = {"view_id": views["fresh"], **body}
    response, audit = call(client, app, "sample_safe_view", payload)
    assert response.status_code == status, response.json
    assert response.json["error_code"] == code and said in response.json["message"], response.json
    assert (audit["outcome"], audit["error_code"], audit["rows"], audit["bytes"]) == ("refused", code, 0, 0)
    assert audit["masking"] is None, "nothing was read"
    assert audit["params_bytes"] == len(json.dumps(payload, separators=(",", ":")))
    recorded = json.dumps(audit)
    for value in ("SELECT email", "phone", "zzvalue", "xxxxxxxx", '"5"', "aaaaaaaa"):
        assert value not in recorded, f"no parameter value in the audit: {value} in {recorded}"


def test_sample_refuses_a_raw_dataset_a_stale_view_and_other_users_views(
    client: Any, app: Any, views: dict[str, int]
) -> None:
    login(client, ADMIN)
    response, audit = call(client, app, "sample_safe_view", {"dataset_id": views["customers"]})
    assert response.status_code == 403 and response.json["error_code"] == "POLICY_BLOCK"
    assert "use an AI-safe view" in response.json["message"] and audit["error_code"] == "POLICY_BLOCK"

    response, audit = call(client, app, "sample_safe_view", {"view_id": views["stale"]})
    assert response.status_code == 409 and response.json["error_code"] == "SAFE_VIEW_STALE", response.json
    assert "removed: fax" in response.json["message"] and audit["error_code"] == "SAFE_VIEW_STALE"
    with app.app_context():
        from superset.extensions import db

        from superset_review.safe_views.models import SafeView

        stale = db.session.get(SafeView, views["stale"])
        assert stale.state == "stale" and stale.stale_reason["removed"] == ["fax"], "the refusal kept the mark"
    listed = call(client, app, "list_safe_datasets", {"search": "(old)"})[0].json["result"]["views"]
    assert [view["state"] for view in listed] == ["stale"]

    login(client, READER)  # can_read, no access to the base dataset: the view does not exist for them
    response, audit = call(client, app, "sample_safe_view", {"view_id": views["fresh"]})
    assert response.status_code == 404 and response.json["error_code"] == "SAFE_VIEW_NOT_FOUND"
    assert audit["user_id"] == uid(app, READER) and audit["outcome"] == "refused"


def test_review_dataset_starts_one_review_then_reuses_it(client: Any, app: Any, views: dict[str, int]) -> None:
    login(client, MANAGER)
    first, audit = call(client, app, "review_dataset", {"dataset_id": views["customers"]})
    assert first.status_code == 200, first.json
    result = first.json["result"]
    assert result["started"] is True and result["dataset_name"] == "review_customers"
    assert 0 <= result["readiness"] <= 1 and result["state"] and result["findings"]
    assert {"code", "severity", "target", "message"} <= set(result["findings"][0])
    assert not any(customer[2] in json.dumps(result) for customer in CUSTOMERS)
    again, _ = call(client, app, "review_dataset", {"dataset_id": views["customers"]})
    assert again.json["result"]["session_id"] == result["session_id"] and again.json["result"]["started"] is False
    assert audit["outcome"] == "ok"

    login(client, READER)  # no can_manage
    response, audit = call(client, app, "review_dataset", {"dataset_id": views["customers"]})
    assert response.status_code == 403 and response.json["error_code"] == "TOOL_FORBIDDEN"
    assert "can_manage on DatasetReview" in response.json["message"]
    assert (audit["outcome"], audit["error_code"], audit["tool"]) == ("refused", "TOOL_FORBIDDEN", "review_dataset")


def test_an_unknown_tool_or_a_body_that_is_not_an_object_is_refused_and_audited(
    client: Any, app: Any, views: dict[str, int]
) -> None:
    login(client, ADMIN)
    response, audit = call(client, app, "drop_tables")
    assert response.status_code == 404 and response.json["error_code"] == "TOOL_NOT_FOUND"
    assert "list_safe_datasets" in response.json["message"] and response.json["tools"]
    assert (audit["tool"], audit["outcome"]) == ("drop_tables", "refused")
    since = last_call_id(app)
    response = client.post(f"{TOOLS}/describe_dataset/invoke", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400 and calls_since(app, since) == [], "refused by the API before any tool ran"


def test_the_audit_is_for_admins_and_filters(client: Any, app: Any, views: dict[str, int]) -> None:
    login(client, READER)
    call(client, app, "list_safe_datasets", {})
    assert client.get(f"{TOOLS}/audit").status_code == 403
    login(client, ADMIN)
    response = client.get(f"{TOOLS}/audit", query_string={"user_id": uid(app, READER), "tool": "list_safe_datasets"})
    assert response.status_code == 200, response.json
    rows = response.json["result"]
    assert rows and response.json["count"] >= len(rows)
    assert {(row["username"], row["tool"]) for row in rows} == {(READER, "list_safe_datasets")}
    refused = client.get(f"{TOOLS}/audit", query_string={"outcome": "refused", "limit": 5}).json["result"]
    assert refused and len(refused) <= 5 and {row["outcome"] for row in refused} == {"refused"}
    assert client.get(f"{TOOLS}/audit", query_string={"outcome": "maybe"}).status_code == 400
    assert client.get(f"{TOOLS}/audit", query_string={"user_id": "-1"}).status_code == 400


def test_a_view_made_by_the_create_command_is_sampled_with_its_redactions(
    client: Any, app: Any, views: dict[str, int]
) -> None:
    """The same tool on a view created the product's way (POST /safe_views/, CreateSafeViewCommand)."""
    login(client, ADMIN)
    body = {"base_dataset_id": views["customers"], "name": "Customers with hashed emails (tools test)",
            "columns": ["customer_id", "email", "order_date"], "row_filter": None,
            "redactions": {"email": {"operator": "hash"}}}  # fmt: skip
    created = client.post("/api/v1/dataset_review/safe_views/", json=body)
    assert created.status_code == 201, created.json
    response, audit = call(client, app, "sample_safe_view", {"view_id": created.json["id"], "rows": 4})
    assert response.status_code == 200, response.json
    result = response.json["result"]
    assert result["columns"] == ["customer_id", "email", "order_date"] and len(result["rows"]) == 4
    assert not any(customer[2] in json.dumps(result) for customer in CUSTOMERS), "emails hashed by the view"
    assert response.json["call"]["masking"]["redacted"] == {"email": "hash"}
    assert audit["outcome"] == "ok" and audit["rows"] == 4 and audit["masking"]["view_id"] == created.json["id"]
