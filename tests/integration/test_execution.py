"""From a dashboard link to a SQL Lab tab: mappings, approvals, Superset's compiled preview, the launch gate and
the immutable run context."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from tests.dashboards import country_mask
from tests.flags import flag_off
from tests.users import ADMIN, MANAGER, RUNNER, login

SESSIONS = "/api/v1/dataset_review/sessions/"


def mapping(body: dict[str, Any], variable: str) -> dict[str, Any]:
    return next(m for m in body["execution"]["mappings"] if m["variable"] == variable)


@pytest.fixture()
def session_from_dashboard(client: Any, examples: dict[str, int]) -> dict[str, Any]:
    """A review of the templated dataset, started from a dashboard permalink with countries and a deal size."""
    login(client, ADMIN)
    made = client.post(f"/api/v1/dashboard/{examples['dashboard']}/permalink",
                       json={"dataMask": country_mask(["USA", "France"]), "urlParams": [["deal_size", "Large"]]})  # fmt: skip
    assert made.status_code == 201, made.json
    login(client, RUNNER)
    started = client.post(SESSIONS, json={"source": made.json["url"], "dataset_id": examples["templated"]})
    assert started.status_code == 201, started.json
    return started.json


def post(client: Any, session: dict[str, Any], path: str, **body: Any) -> Any:
    return client.post(f"{SESSIONS}{session['id']}/{path}", json={"version": session["version"], **body})


def sqllab_keys(app: Any) -> int:
    from superset.extensions import db
    from superset.key_value.models import KeyValueEntry

    with app.app_context():
        return db.session.query(KeyValueEntry).filter_by(resource="sqllab_permalink").count()


def inner_sql(sql: str) -> str:
    """The virtual dataset's SQL inside Superset's chart query (`FROM (...) AS virtual_table`), normalised."""
    tree = sqlglot.parse_one(sql, read="postgres")
    subquery = next(node for node in tree.find_all(exp.Subquery) if node.alias == "virtual_table")
    return subquery.this.sql(dialect="postgres")


def test_dashboard_link_ends_in_the_sql_superset_itself_renders(
    app: Any, client: Any, examples: dict[str, int], session_from_dashboard: dict[str, Any]
) -> None:
    session = session_from_dashboard
    country, deal_size, min_sales = (mapping(session, name) for name in ("country", "deal_size", "min_sales"))
    # A permalink's stored state is not the reviewer's own link: its values need an approval like other guesses.
    assert (deal_size["value"], deal_size["provenance"], deal_size["approval"]) == ("Large", "permalink", "pending")
    assert deal_size["confidence"] < 0.9 and deal_size["needs_approval"]
    assert (min_sales["value"], min_sales["provenance"]) == (0, "dataset_params")
    assert country["value"] == ["USA", "France"] and country["provenance"] == "permalink"
    assert country["approval"] == "pending" and "another dataset" in country["warnings"][0]
    assert session["state"] == "mapping_review_needed"

    preview = post(client, session, "preview")
    assert preview.status_code == 200, preview.json
    session = preview.json
    compiled = session["execution"]["preview"]
    assert compiled["status"] == "ready" and "'USA'" in compiled["sql"] and "deal_size = 'Large'" in compiled["sql"]

    blocked = post(client, session, "launch")
    assert blocked.status_code == 409 and blocked.json["error_code"] == "LAUNCH_BLOCKED"
    assert [gate["gate"] for gate in blocked.json["gates"]] == ["mapping_approval", "mapping_approval"]  # one each

    login(client, RUNNER)
    refused = post(client, session, "mappings/approve")
    assert refused.status_code == 403, "approving needs can_approve"
    login(client, ADMIN)
    approved = post(client, session, "mappings/approve", variables=["country", "deal_size"])
    assert approved.status_code == 200 and mapping(approved.json, "country")["approved_by"] == ADMIN
    assert mapping(approved.json, "deal_size")["approved_by"] == ADMIN
    assert approved.json["state"] == "run_ready", "an approval changes no value: the preview stays current"

    login(client, RUNNER)
    keys = sqllab_keys(app)
    launched = post(client, approved.json, "launch")
    assert launched.status_code == 201, launched.json
    assert sqllab_keys(app) == keys + 1 and launched.json["state"] == "completed"
    key = launched.json["sqllab_url"].rstrip("/").rsplit("/", 1)[-1]
    login(client, ADMIN)  # reading a SQL Lab permalink through Superset's API needs SQL Lab access
    tab = client.get(f"/api/v1/sqllab/permalink/{key}").json
    assert tab["sql"] == compiled["sql"] and tab["dbId"] == launched.json["run"]["database_id"]
    assert json.loads(tab["templateParams"])["url_params"] == {"deal_size": "Large"}

    # Superset's own chart-data path, with the same values, renders the same SQL for the dataset.
    query = client.post("/api/v1/chart/data", json={
        "datasource": {"id": examples["templated"], "type": "table"},
        "queries": [{"columns": ["country"], "metrics": ["count"], "row_limit": 10, "url_params": {"deal_size": "Large"},
                     "filters": [{"col": "country", "op": "IN", "val": ["USA", "France"]}]}],
        "form_data": {"url_params": {"deal_size": "Large"}}, "result_type": "query",
    })  # fmt: skip
    assert query.status_code == 200, query.json
    superset_sql = query.json["result"][0]["query"]
    assert inner_sql(superset_sql) == sqlglot.parse_one(tab["sql"], read="postgres").sql(dialect="postgres")

    exported = client.get(f"{SESSIONS}{session['id']}/export?format=md").data.decode()
    assert "## Compiled SQL" in exported and compiled["sql"].strip().splitlines()[0] in exported
    assert "| country | filter_values |" in exported

    runs = client.get(f"{SESSIONS}{session['id']}/runs").json["result"]
    assert [run["outcome"] for run in runs] == ["launched", "blocked"]
    assert runs[0]["compiled_sql"] == compiled["sql"] and runs[0]["username"] == RUNNER


def test_a_stale_preview_blocks_launch(client: Any, session_from_dashboard: dict[str, Any]) -> None:
    login(client, ADMIN)
    session = post(client, session_from_dashboard, "mappings/approve").json
    session = post(client, session, "preview").json
    changed = client.put(f"{SESSIONS}{session['id']}/mappings", json={
        "version": session["version"], "changes": [{"variable": "deal_size", "value": "Small", "why": "smaller deals"}]})  # fmt: skip
    assert changed.status_code == 200, changed.json
    assert changed.json["execution"]["preview"]["stale"] and mapping(changed.json, "deal_size")["override"]["why"]
    blocked = post(client, changed.json, "launch")
    assert blocked.status_code == 409 and [g["gate"] for g in blocked.json["gates"]] == ["preview_current"]


def test_a_value_that_would_become_sql_fails_the_preview_and_opens_no_tab(
    app: Any, client: Any, session_from_dashboard: dict[str, Any]
) -> None:
    login(client, ADMIN)
    session = session_from_dashboard
    changed = client.put(f"{SESSIONS}{session['id']}/mappings", json={
        "version": session["version"], "changes": [{"variable": "min_sales", "value": "0 OR 1=1", "why": "probe"}]})  # fmt: skip
    assert changed.status_code == 200
    keys = sqllab_keys(app)
    preview = post(client, changed.json, "preview").json
    failed = preview["execution"]["preview"]
    assert failed["status"] == "failed" and failed["sql"] is None
    [diagnostic] = [d for d in failed["diagnostics"] if d["code"] == "VALUE_CHANGES_SQL"]
    assert diagnostic["variable"] == "min_sales" and diagnostic["line"] == 3
    assert preview["state"] == "recovery_required"
    launch = post(client, preview, "launch")
    assert launch.status_code == 409 and sqllab_keys(app) == keys


def test_quotes_in_a_value_stay_a_quoted_literal(client: Any, session_from_dashboard: dict[str, Any]) -> None:
    login(client, ADMIN)
    session = session_from_dashboard
    changed = client.put(f"{SESSIONS}{session['id']}/mappings", json={
        "version": session["version"], "changes": [{"variable": "deal_size", "value": "x' OR '1'='1", "why": "probe"}]})  # fmt: skip
    preview = post(client, changed.json, "preview").json["execution"]["preview"]
    assert preview["status"] == "ready", preview["diagnostics"]
    assert "deal_size = 'x'' OR ''1''=''1'" in preview["sql"]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("country", "USA", "takes a list of values"),
        ("deal_size", ["Large"], "takes one text value"),
        ("deal_size", "{{ 7*7 }}", "cannot contain Jinja"),
        ("nope", "x", "not a variable of this dataset"),
    ],
)
def test_wrong_values_are_refused_and_nothing_is_lost(
    client: Any, session_from_dashboard: dict[str, Any], variable: str, value: Any, says: str
) -> None:
    login(client, ADMIN)
    session = session_from_dashboard
    refused = client.put(f"{SESSIONS}{session['id']}/mappings", json={
        "version": session["version"], "changes": [{"variable": variable, "value": value, "why": "probe"}]})  # fmt: skip
    assert refused.status_code == 400 and says in refused.json["message"]
    after = client.get(f"{SESSIONS}{session['id']}").json
    assert after["version"] == session["version"] and after["execution"] == session["execution"]


def test_the_run_context_cannot_be_changed(app: Any, client: Any, session_from_dashboard: dict[str, Any]) -> None:
    import sqlalchemy as sa
    from superset.extensions import db

    from superset_review.sessions.models import ReviewRun, RunImmutableError

    login(client, ADMIN)
    session = post(client, session_from_dashboard, "mappings/approve").json
    session = post(client, session, "preview").json
    run_id = post(client, session, "launch").json["run"]["id"]
    with app.app_context():
        run = db.session.get(ReviewRun, run_id)
        run.compiled_sql = "SELECT 'tampered'"
        with pytest.raises(RunImmutableError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="immutable"):
            db.session.execute(sa.text("UPDATE dataset_review_runs SET outcome = 'x' WHERE id = :id"), {"id": run_id})
        db.session.rollback()
        assert db.session.get(ReviewRun, run_id).compiled_sql != "SELECT 'tampered'"


@pytest.fixture()
def production(app: Any, examples: dict[str, int]) -> Iterator[None]:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        name = db.session.get(SqlaTable, examples["templated"]).database.database_name
    saved = app.config["REVIEW_PRODUCTION_DATABASES"]
    app.config["REVIEW_PRODUCTION_DATABASES"] = (name,)
    yield
    app.config["REVIEW_PRODUCTION_DATABASES"] = saved


def test_production_databases_need_can_launch_prod(
    client: Any, session_from_dashboard: dict[str, Any], production: None
) -> None:
    login(client, ADMIN)
    session = post(client, session_from_dashboard, "mappings/approve").json
    session = post(client, session, "preview").json
    login(client, RUNNER)
    refused = post(client, session, "launch")
    assert refused.status_code == 403 and refused.json["error_code"] == "PRODUCTION_FORBIDDEN"
    login(client, ADMIN)
    assert post(client, session, "launch").status_code == 201


def test_preview_and_launch_answer_404_with_their_flag_off(client: Any, session_from_dashboard: dict[str, Any]) -> None:
    with flag_off("DATASET_REVIEW_EXECUTION"):
        assert post(client, session_from_dashboard, "preview").status_code == 404
    assert post(client, session_from_dashboard, "preview").status_code == 200


def test_another_user_cannot_touch_the_mappings(client: Any, session_from_dashboard: dict[str, Any]) -> None:
    login(client, MANAGER)
    response = client.put(f"{SESSIONS}{session_from_dashboard['id']}/mappings", json={
        "version": session_from_dashboard["version"], "changes": [{"variable": "deal_size", "value": "x", "why": "mine"}]})  # fmt: skip
    assert response.status_code == 404


def test_every_review_endpoint_is_in_the_openapi_spec(client: Any) -> None:
    login(client, ADMIN)
    spec = client.get("/api/v1/_openapi").json
    base = "/api/v1/dataset_review/sessions"
    expected = {
        f"{base}/": {"get", "post"},
        f"{base}/{{pk}}": {"get", "delete"},
        f"{base}/{{pk}}/profile": {"post"},
        f"{base}/{{pk}}/clarification": {"get"},
        f"{base}/{{pk}}/clarification/answer": {"post"},
        f"{base}/{{pk}}/clarification/skip": {"post"},
        f"{base}/{{pk}}/mappings": {"put"},
        f"{base}/{{pk}}/mappings/approve": {"post"},
        f"{base}/{{pk}}/preview": {"post"},
        f"{base}/{{pk}}/launch": {"post"},
        f"{base}/{{pk}}/runs": {"get"},
    }
    for path, methods in expected.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), (path, set(spec["paths"][path]))
    schemas = spec["components"]["schemas"]
    assert {"AnswerSchema", "MappingChangesSchema", "ApprovalSchema", "RunSchema", "StartReviewSessionSchema"} <= set(
        schemas
    )
    assert "background" in schemas["StartReviewSessionSchema"]["properties"]


def test_a_dataset_changed_in_superset_since_the_preview_blocks_launch(
    app: Any, client: Any, examples: dict[str, int], session_from_dashboard: dict[str, Any]
) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    login(client, ADMIN)
    session = post(client, session_from_dashboard, "mappings/approve").json
    session = post(client, session, "preview").json
    with app.app_context():
        dataset = db.session.get(SqlaTable, examples["templated"])
        original = dataset.sql
        dataset.sql = original + "\n-- edited in Superset after the preview\n"
        db.session.commit()
    try:
        blocked = post(client, session, "launch")
        assert blocked.status_code == 409 and [g["gate"] for g in blocked.json["gates"]] == ["preview_current"]
        assert "dataset changed" in blocked.json["message"]
        kept = client.get(f"{SESSIONS}{session['id']}").json
        assert kept["execution"]["mappings"] == session["execution"]["mappings"], "approvals are not lost"
        assert post(client, kept, "preview").json["execution"]["preview"]["status"] == "ready"
    finally:
        with app.app_context():
            dataset = db.session.get(SqlaTable, examples["templated"])
            dataset.sql = original
            db.session.commit()


# --- hostile input: what a link, a permalink or the dataset's parameters may not do ------------------------------


def _sqllab_permalink(app: Any, client: Any, examples: dict[str, int], params: dict[str, Any]) -> str:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        dataset = db.session.get(SqlaTable, examples["templated"])
        sql, database_id = dataset.sql, dataset.database_id
    login(client, ADMIN)
    made = client.post("/api/v1/sqllab/permalink", json={"dbId": database_id, "sql": sql, "name": "x", "autorun": False,
                                                         "templateParams": json.dumps(params)})  # fmt: skip
    assert made.status_code == 201, made.json
    return str(made.json["url"])


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"table": "sales"}, "keeps for itself"),  # before: the review started, and its preview answered 500
        ({"min_sales": "{{ config }}"}, "Jinja delimiters"),
        ({"min_sales": ["x"] * 1001}, "at most 1000 values"),
    ],
)
def test_a_sql_lab_permalinks_bad_template_parameter_is_a_400(
    app: Any, client: Any, examples: dict[str, int], params: dict[str, Any], fragment: str
) -> None:
    link = _sqllab_permalink(app, client, examples, params)
    login(client, RUNNER)
    refused = client.post(SESSIONS, json={"source": link})
    assert refused.status_code == 400 and refused.json["error_code"] == "BAD_LINK_VALUE"
    assert fragment in refused.json["message"]


def test_a_sql_lab_permalinks_template_parameter_needs_an_approval(
    app: Any, client: Any, examples: dict[str, int]
) -> None:
    link = _sqllab_permalink(app, client, examples, {"min_sales": 5000})
    login(client, RUNNER)
    started = client.post(SESSIONS, json={"source": link})
    assert started.status_code == 201, started.json
    min_sales = mapping(started.json, "min_sales")
    assert (min_sales["value"], min_sales["provenance"], min_sales["approval"]) == (5000, "permalink", "pending")


def test_a_dashboard_permalinks_bad_url_parameter_is_a_400(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    made = client.post(f"/api/v1/dashboard/{examples['dashboard']}/permalink",
                       json={"dataMask": {}, "urlParams": [["deal_size", "{% for x in range(9) %}x{% endfor %}"]]})  # fmt: skip
    assert made.status_code == 201, made.json
    login(client, RUNNER)
    refused = client.post(SESSIONS, json={"source": made.json["url"], "dataset_id": examples["templated"]})
    assert refused.status_code == 400 and refused.json["error_code"] == "BAD_LINK_VALUE"
    assert "url_param 'deal_size'" in refused.json["message"]


@pytest.fixture()
def reserved_dataset_param(app: Any, examples: dict[str, int]) -> Iterator[None]:
    """The templated dataset with a template parameter named like an argument of Superset's processor."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        dataset = db.session.get(SqlaTable, examples["templated"])
        saved = dataset.template_params
        dataset.template_params = json.dumps({**(dataset.template_params_dict or {}), "table": "x"})
        db.session.commit()
    yield
    with app.app_context():
        db.session.get(SqlaTable, examples["templated"]).template_params = saved
        db.session.commit()


def test_a_dataset_parameter_named_like_the_processors_own_fails_the_preview_with_a_message(
    client: Any, session_from_dashboard: dict[str, Any], reserved_dataset_param: None
) -> None:
    """Before: Superset's processor raised TypeError (multiple values for argument 'table') and the preview
    answered 500."""
    preview = post(client, session_from_dashboard, "preview")
    assert preview.status_code == 200, preview.json
    compiled = preview.json["execution"]["preview"]
    assert compiled["status"] == "failed"
    assert [d["code"] for d in compiled["diagnostics"]] == ["RESERVED_TEMPLATE_PARAM"]
    assert "'table'" in compiled["diagnostics"][0]["message"]


def test_the_processor_names_cover_what_supersets_processor_defines(app: Any, examples: dict[str, int]) -> None:
    """The names a live processor takes as arguments and puts in its context: a Superset upgrade that adds a
    macro fails here until PROCESSOR_NAMES has it."""
    import inspect

    from jinja2.defaults import DEFAULT_NAMESPACE
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db
    from superset.jinja_context import BaseTemplateProcessor, get_template_processor

    from superset_review.execution.mappings import PROCESSOR_NAMES

    with app.app_context(), app.test_request_context("/"):
        dataset = db.session.get(SqlaTable, examples["templated"])
        context = set(dataset.get_template_processor().get_context())
    arguments = {
        name
        for function in (get_template_processor, BaseTemplateProcessor.__init__)
        for name, parameter in inspect.signature(function).parameters.items()
        if name != "self" and parameter.kind is not inspect.Parameter.VAR_KEYWORD
    }
    assert context and arguments >= {"table", "database", "query"}
    assert (context | arguments | set(DEFAULT_NAMESPACE)) - PROCESSOR_NAMES == set()


def test_a_database_engine_sqlglot_has_no_dialect_for_previews_unverified(
    client: Any, session_from_dashboard: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No driver of such an engine is installed here, so the example database's engine spec is renamed for the
    test (the one stand-in): an engine missing from Superset's sqlglot table (Kusto SQL) once made the preview's
    shape check ask sqlglot for an unknown dialect and answer 500."""
    from superset.db_engine_specs.postgres import PostgresEngineSpec

    monkeypatch.setattr(PostgresEngineSpec, "engine", "kustosql")
    preview = post(client, session_from_dashboard, "preview")
    assert preview.status_code == 200, preview.json
    compiled = preview.json["execution"]["preview"]
    assert compiled["status"] == "ready" and compiled["sql"]
    warnings = [d for d in compiled["diagnostics"] if d["code"] == "SHAPE_NOT_VERIFIED"]
    assert len(warnings) == 1 and "kustosql" in warnings[0]["message"]
