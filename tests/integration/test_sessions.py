"""Review sessions from every kind of link, recovered back to the same filter values; ownership; locking."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import prison
import pytest

from tests.dashboards import COUNTRY_FILTER, country_mask
from tests.users import ADMIN, MANAGER, READER, login

SESSIONS = "/api/v1/dataset_review/sessions/"


def start(client: Any, source: str, **extra: Any) -> Any:
    return client.post(SESSIONS, json={"source": source, **extra})


def codes(body: dict[str, Any]) -> dict[str, str]:
    return {f"{f['code']}:{f['target']}": f["severity"] for f in body["findings"]}


def country(body: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in body["context"]["filters"] if f["filter_id"] == COUNTRY_FILTER)


def test_from_a_dataset_id(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    response = start(client, str(examples["templated"]))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["dataset_id"] == examples["templated"] and body["source_kind"] == "dataset"
    found = codes(body)
    assert found["URL_PARAM_MISSING:deal_size"] == "info"
    assert "TEMPLATE_VARIABLE_UNRESOLVED:min_sales" not in found, "min_sales comes from the dataset's params"
    assert found["COLUMN_NO_DESCRIPTION:country"] == "info"
    assert body["context"]["template_params"] == {"min_sales": 0}
    assert body["profile"]["kind"] == "virtual" and len(body["profile"]["columns"]) == 9
    assert body["state"] == "semantic_source_review_needed", body["findings"]
    assert "Document" in body["next_action"]
    assert [event["action"] for event in body["events"]] == ["session.started"]


def test_dashboard_link_with_rison_filters(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    rison = prison.dumps(country_mask(["France", "Spain"]))
    body = start(
        client, f"http://localhost:8088/superset/dashboard/{examples['dashboard']}/?native_filters={quote(rison)}"
    ).json
    assert body["dataset_id"] == examples["sales"] and body["dashboard_id"] == examples["dashboard"]
    recovered = country(body)
    assert recovered["value"] == ["France", "Spain"]
    assert (recovered["provenance"], recovered["status"], recovered["column"]) == ("url", "confirmed", "country")
    others = [f for f in body["context"]["filters"] if f["filter_id"] != COUNTRY_FILTER]
    assert others and all(f["provenance"] in ("none", "native_filter_default") for f in others)


def test_dashboard_filter_state_key_made_by_superset(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)  # whoever shares the dashboard's state; the reviewer opens the link
    dashboard = examples["dashboard"]
    made = client.post(
        f"/api/v1/dashboard/{dashboard}/filter_state", json={"value": json.dumps(country_mask(["Japan"]))}
    )
    assert made.status_code == 201, made.json
    login(client, MANAGER)
    body = start(client, f"/superset/dashboard/{dashboard}/?native_filters_key={made.json['key']}").json
    assert (country(body)["value"], country(body)["provenance"]) == (["Japan"], "filter_state")
    assert body["context"]["status"] == "confirmed"


def test_dashboard_permalink_made_by_superset(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    made = client.post(
        f"/api/v1/dashboard/{examples['dashboard']}/permalink",
        json={"dataMask": country_mask(["USA"]), "urlParams": [["deal_size", "Large"]]},
    )
    assert made.status_code == 201, made.json
    login(client, MANAGER)
    body = start(client, made.json["url"]).json
    assert (country(body)["value"], country(body)["provenance"]) == (["USA"], "permalink")
    assert body["context"]["url_params"] == {"deal_size": "Large"}


def test_explore_permalink_made_by_superset(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    form_data = {
        "datasource": f"{examples['sales']}__table",
        "viz_type": "table",
        "adhoc_filters": [
            {"expressionType": "SIMPLE", "subject": "deal_size", "operator": "IN", "comparator": ["Small"],
             "clause": "WHERE", "filterOptionName": "filter_deal_size"},
        ],
        "url_params": {"region": "EMEA"},
    }  # fmt: skip
    made = client.post("/api/v1/explore/permalink", json={"formData": form_data, "urlParams": [["team", "north"]]})
    assert made.status_code == 201, made.json
    login(client, MANAGER)
    body = start(client, made.json["url"]).json
    assert body["dataset_id"] == examples["sales"] and body["source_kind"] == "explore"
    recovered = body["context"]["filters"][0]
    assert (recovered["column"], recovered["value"], recovered["provenance"]) == ("deal_size", ["Small"], "permalink")
    assert body["context"]["url_params"] == {"region": "EMEA", "team": "north"}


def test_explore_form_data_key_made_by_superset(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)  # Explore's state is written by whoever explores; the reviewer opens the link
    form_data = {
        "datasource": f"{examples['templated']}__table",
        "viz_type": "table",
        "url_params": {"deal_size": "Medium"},
    }
    made = client.post(
        "/api/v1/explore/form_data",
        json={"datasource_id": examples["templated"], "datasource_type": "table", "form_data": json.dumps(form_data)},
    )
    assert made.status_code == 201, made.json
    login(client, MANAGER)
    body = start(client, f"/explore/?form_data_key={made.json['key']}").json
    assert body["dataset_id"] == examples["templated"]
    assert body["context"]["url_params"] == {"deal_size": "Medium"}
    assert "URL_PARAM_MISSING:deal_size" not in codes(body), "the Explore state supplies deal_size"


def test_expired_explore_state_with_a_dataset_falls_back_as_partial(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    link = f"/explore/?form_data_key=expired-key-1&datasource_id={examples['sales']}&datasource_type=table"
    body = start(client, link).json
    assert body["dataset_id"] == examples["sales"] and body["context"]["status"] == "partial"
    assert any(f["code"] == "CONTEXT_PARTIAL" and "expired" in f["message"] for f in body["findings"])
    gone = start(client, "/explore/?form_data_key=expired-key-2")
    assert gone.status_code == 404 and gone.json["error_code"] == "EXPLORE_STATE_EXPIRED"


def test_sql_lab_permalink_of_a_saved_dataset(app: Any, client: Any, examples: dict[str, int]) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        dataset = db.session.get(SqlaTable, examples["templated"])
        sql, database_id = dataset.sql, dataset.database_id
    login(client, ADMIN)  # an SQL Lab user shares the link
    made = client.post(
        "/api/v1/sqllab/permalink",
        json={"dbId": database_id, "sql": sql + "\n;", "name": "Untitled", "autorun": False, "schema": None,
              "catalog": None, "templateParams": json.dumps({"min_sales": 5000})},
    )  # fmt: skip
    assert made.status_code == 201, made.json
    login(client, MANAGER)
    body = start(client, made.json["url"]).json
    assert body["dataset_id"] == examples["templated"] and body["source_kind"] == "sqllab"
    assert body["context"]["template_params"] == {"min_sales": 5000}
    login(client, ADMIN)
    unsaved = client.post(
        "/api/v1/sqllab/permalink",
        json={"dbId": database_id, "sql": "SELECT 1 AS one", "name": "x", "autorun": False, "templateParams": "{}"},
    )
    login(client, MANAGER)
    refused = start(client, unsaved.json["url"])
    assert refused.status_code == 422 and refused.json["error_code"] == "SQLLAB_NOT_A_DATASET"
    assert "Save dataset" in refused.json["message"]
    direct = start(client, f"/sqllab/?dbid={database_id}&sql={quote(sql)}")
    assert direct.status_code == 201 and direct.json["dataset_id"] == examples["templated"]


def test_expired_filter_state_is_partial_not_fatal(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    response = start(client, f"/superset/dashboard/{examples['dashboard']}/?native_filters_key=gone-key-123")
    assert response.status_code == 201
    assert response.json["context"]["status"] == "partial"
    assert any(f["code"] == "CONTEXT_PARTIAL" and "expired" in f["message"] for f in response.json["findings"])


@pytest.mark.parametrize(
    ("source", "status", "code", "says"),
    [
        ("/chart/list/", 400, "UNSUPPORTED_LINK", "not to one chart"),
        ("javascript:alert(1)", 400, None, ""),
        ("/superset/dashboard/987654/", 404, "DASHBOARD_NOT_FOUND", "does not exist"),
        ("987654", 404, "DATASET_NOT_FOUND", "does not exist"),
    ],
)
def test_bad_links_are_explained(
    client: Any, examples: dict[str, int], source: str, status: int, code: str | None, says: str
) -> None:
    login(client, MANAGER)
    response = start(client, source)
    assert response.status_code == status, response.json
    if code:
        assert response.json["error_code"] == code
    assert says in response.json["message"]


def test_sql_that_is_not_one_read_only_statement(app: Any, client: Any, examples: dict[str, int]) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        sales = db.session.get(SqlaTable, examples["sales"])
        bad = SqlaTable(table_name="review_two_statements", database=sales.database, schema=sales.schema,
                        sql="SELECT country FROM cleaned_sales_data; DELETE FROM cleaned_sales_data",
                        template_params=json.dumps({}))  # fmt: skip
        unresolved = SqlaTable(table_name="review_unresolved", database=sales.database, schema=sales.schema,
                               sql="SELECT country FROM cleaned_sales_data WHERE sales > {{ threshold }}")  # fmt: skip
        db.session.add_all([bad, unresolved])
        db.session.commit()
        bad_id, unresolved_id = bad.id, unresolved.id
    login(client, ADMIN)
    body = start(client, str(bad_id)).json
    assert codes(body)["SQL_NOT_SINGLE_READ_ONLY:None"] == "blocking"
    assert body["state"] == "review_ready" and body["next_action"].startswith("Resolve:")
    found = codes(start(client, str(unresolved_id)).json)
    assert found["TEMPLATE_VARIABLE_UNRESOLVED:threshold"] == "blocking"


def test_sessions_are_private_to_their_owner(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    mine = start(client, str(examples["sales"])).json
    assert mine["id"] in [s["id"] for s in client.get(SESSIONS).json["result"]]
    login(client, READER)
    assert client.get(f"{SESSIONS}{mine['id']}").status_code == 404, "another user's session does not exist for them"
    assert mine["id"] not in [s["id"] for s in client.get(SESSIONS).json["result"]]
    assert start(client, str(examples["sales"])).status_code == 403, "starting needs can_manage"
    login(client, ADMIN)
    assert client.get(f"{SESSIONS}{mine['id']}").json["owner_id"] == mine["owner_id"]


def test_archive_with_optimistic_locking_then_delete(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)
    session = start(client, str(examples["sales"])).json
    stale = client.post(f"{SESSIONS}{session['id']}/archive", json={"version": session["version"] + 5})
    assert stale.status_code == 409 and "reload it and retry" in stale.json["message"]
    archived = client.post(f"{SESSIONS}{session['id']}/archive", json={"version": session["version"]})
    assert archived.status_code == 200 and archived.json["archived"] is True
    assert session["id"] not in [s["id"] for s in client.get(SESSIONS).json["result"]]
    assert session["id"] in [s["id"] for s in client.get(f"{SESSIONS}?archived=true").json["result"]]
    events = client.get(f"{SESSIONS}{session['id']}").json["events"]
    assert [e["action"] for e in events] == ["session.started", "session.archived"]
    assert events[1]["before"] == {"archived": False} and events[1]["after"] == {"archived": True}
    assert client.delete(f"{SESSIONS}{session['id']}").status_code == 200
    assert client.get(f"{SESSIONS}{session['id']}").status_code == 404


def test_a_read_session_is_never_stale_and_never_leaks(app: Any, client: Any, examples: dict[str, int]) -> None:
    """Reads are served from a cache keyed by the session's version and last event: every change shows at once."""
    from superset.extensions import db

    from superset_review.sessions.dao import ReviewSessionDAO
    from superset_review.sessions.models import ReviewSession

    login(client, MANAGER)
    session = start(client, str(examples["sales"])).json
    first = client.get(f"{SESSIONS}{session['id']}")
    assert client.get(f"{SESSIONS}{session['id']}").data == first.data, "an unchanged session reads the same"
    archived = client.post(f"{SESSIONS}{session['id']}/archive", json={"version": session["version"]}).json
    after = client.get(f"{SESSIONS}{session['id']}").json
    assert after["archived"] is True and after["version"] == archived["version"] > session["version"]
    with app.app_context():  # an event appended alone (as a refused launch does) changes the document too
        stored = db.session.get(ReviewSession, session["id"])
        ReviewSessionDAO.add_event(stored, None, "test.appended")
        db.session.commit()
    assert client.get(f"{SESSIONS}{session['id']}").json["events"][-1]["action"] == "test.appended"
    login(client, READER)
    assert client.get(f"{SESSIONS}{session['id']}").status_code == 404, "the cache never skips the owner check"
