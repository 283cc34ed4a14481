"""A run's migration through the REST API against the real Superset, PostgreSQL, Redis and a Celery worker: the
pre-flight (accepted mappings only, the key, the validations, the target the user may write), who may do what
(404 for another user's run, 403 without can_migrate), bodies that are wrong answered 4xx naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_onboarding_stages import new_run, start
from tests.onboarding import BASE, create_target, metadata_sql
from tests.services import Services
from tests.users import ADMIN, MANAGER, RUNNER, login, user


@pytest.fixture(scope="module")
def target(app: Any, services: Services) -> int:
    return create_target(app, services)


@pytest.fixture()
def manager(client: Any, worker: Any) -> Any:
    login(client, MANAGER)
    return client


def mapped_run(client: Any, dataset_id: int, *, accept: bool = True, mode: str = "data_mode") -> str:
    """A run whose mapping stage ran (through the worker); every mapping accepted when ``accept``."""
    run_id = new_run(client, dataset_id, mode=mode)
    for stage in ("ingest", "domains", "mapping"):
        ran = start(client, run_id, stage)
        assert ran["stages"][stage]["state"] in ("passed", "held"), ran["stages"][stage]
    if accept:
        for mapping in client.get(f"{BASE}/runs/{run_id}/mappings/").json["result"]:
            decided = client.put(f"{BASE}/runs/{run_id}/mappings/{mapping['target']}", json={"decision": "accept"})
            assert decided.status_code == 200, decided.json
    return run_id


@pytest.fixture(scope="module")
def accepted(client_module: Any, target: int) -> str:
    return mapped_run(client_module, target)


@pytest.fixture(scope="module")
def client_module(app: Any, worker: Any) -> Any:
    client = app.test_client()
    login(client, MANAGER)
    return client


def migration_events(services: Services, run_id: str) -> list[tuple[Any, ...]]:
    return metadata_sql(
        services,
        "SELECT e.action, e.subject, e.detail FROM dataset_review_run_events e JOIN dataset_review_onboarding_runs r "
        "ON r.id = e.run_pk WHERE r.run_id = %s AND e.stage = 'migration' ORDER BY e.id",
        (run_id,),
    )


def test_a_run_without_a_migration_is_404_and_the_ledger_has_nothing(manager: Any, accepted: str) -> None:
    login(manager, MANAGER)
    response = manager.get(f"{BASE}/runs/{accepted}/migration")
    assert response.status_code == 404 and response.json["error_code"] == "MIGRATION_NOT_FOUND", response.json
    assert accepted in response.json["message"]


def test_a_mapping_on_hold_refuses_the_start_naming_it(
    manager: Any, target: int, accepted: str, services: Services
) -> None:
    run_id = mapped_run(manager, target)
    mapping = manager.get(f"{BASE}/runs/{run_id}/mappings/").json["result"][0]["target"]
    held = manager.put(f"{BASE}/runs/{run_id}/mappings/{mapping}", json={"decision": "hold"})
    assert held.status_code == 200, held.json
    refused = manager.post(f"{BASE}/runs/{run_id}/migration", json={})
    assert refused.status_code == 409 and refused.json["error_code"] == "MIGRATION_PREFLIGHT_FAILED", refused.json
    assert refused.json["failed"] == ["mappings_accepted"]
    checks = {check["check"]: check for check in refused.json["preflight"]}
    assert f"{mapping} (hold)" in checks["mappings_accepted"]["message"]
    assert checks["key"]["ok"] and checks["validations"]["ok"] and checks["target"]["ok"]
    assert mapping in refused.json["message"]
    assert manager.get(f"{BASE}/runs/{run_id}/migration").status_code == 404, "nothing was recorded"
    assert migration_events(services, run_id) == []


@pytest.mark.parametrize(
    ("body", "check", "said"),
    [({"key_columns": ["no_such_column"]}, "key", "no_such_column")],
)
def test_a_key_the_plan_does_not_have_refuses_the_start(
    manager: Any, accepted: str, body: dict[str, Any], check: str, said: str
) -> None:
    refused = manager.post(f"{BASE}/runs/{accepted}/migration", json=body)
    assert refused.status_code == 409 and refused.json["error_code"] == "MIGRATION_PREFLIGHT_FAILED", refused.json
    assert refused.json["failed"] == [check]
    assert said in refused.json["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"dry_run": "maybe"}, "dry_run"),
     ({"validations": ["row_count", "count_everything"]}, "validations"),
     ({"schema_change_policy": "whatever"}, "schema_change_policy"),
     ({"key_columns": []}, "key_columns"),
     ({"key_columns": ["x" * 300]}, "key_columns"),
     ({"dryrun": True}, "dryrun")],
)  # fmt: skip
def test_a_bad_start_body_is_400_naming_the_field(
    manager: Any, accepted: str, body: dict[str, Any], field: str
) -> None:
    response = manager.post(f"{BASE}/runs/{accepted}/migration", json=body)
    assert response.status_code == 400 and response.json["error_code"] == "INVALID_REQUEST", response.json
    assert field in response.json["errors"] and field in response.json["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [("promote", {}, "confirm"), ("promote", {"confirm": "maybe"}, "confirm"),
     ("quarantine/release", {}, "ids"), ("quarantine/release", {"ids": [0]}, "ids"),
     ("quarantine/retry", {"ids": "all"}, "ids")],
)  # fmt: skip
def test_bad_bodies_of_the_other_actions_are_400_naming_the_field(
    client: Any, accepted: str, path: str, body: dict[str, Any], field: str
) -> None:
    login(client, ADMIN)  # holds can_migrate: the body is what is wrong
    response = client.post(f"{BASE}/runs/{accepted}/migration/{path}", json=body)
    assert response.status_code == 400 and field in response.json["errors"], response.json


@pytest.mark.parametrize("query", ["page=-1", "page=x", "page_size=0", "page_size=501"])
def test_a_bad_quarantine_page_is_400(manager: Any, accepted: str, query: str) -> None:
    response = manager.get(f"{BASE}/runs/{accepted}/migration/quarantine?{query}")
    assert response.status_code == 400 and response.json["field"] == query.split("=")[0], response.json


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", ""), ("get", ""), ("post", "/cancel"), ("get", "/quarantine"), ("get", "/quarantine.csv")],
)
def test_another_users_run_is_404(client: Any, accepted: str, method: str, path: str) -> None:
    login(client, RUNNER)  # may manage runs, not this one
    response = getattr(client, method)(f"{BASE}/runs/{accepted}/migration{path}", json={} if method == "post" else None)
    assert response.status_code == 404 and response.json["error_code"] == "RUN_NOT_FOUND", response.json


@pytest.mark.parametrize(
    ("path", "body"),
    [("promote", {"confirm": True}), ("rollback", None), ("quarantine/retry", {}),
     ("quarantine/release", {"ids": [1]})],
)  # fmt: skip
def test_without_can_migrate_promotion_rollback_and_quarantine_changes_are_403(
    manager: Any, accepted: str, path: str, body: dict[str, Any] | None
) -> None:
    response = manager.post(f"{BASE}/runs/{accepted}/migration/{path}", json=body)
    assert response.status_code == 403, response.json


def test_a_target_the_user_may_no_longer_write_is_403(app: Any, manager: Any, target: int, accepted: str) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        dataset = db.session.get(SqlaTable, target)
        dataset.owners = [user(ADMIN)]
        db.session.commit()
    try:
        response = manager.post(f"{BASE}/runs/{accepted}/migration", json={"dry_run": True})
        assert response.status_code == 403 and response.json["error_code"] == "TARGET_FORBIDDEN", response.json
        assert str(target) in response.json["message"]
    finally:
        with app.app_context():
            dataset = db.session.get(SqlaTable, target)
            dataset.owners = [user(MANAGER)]
            db.session.commit()


# --- the migration itself (the engine, through the worker) -----------------------------------------------------------

MIGRATION_TIMEOUT = 240.0
# One signup date no format reads: its row fails the transform and goes to quarantine.
QUARANTINE_CSV = (
    b"Customer ID,Full Name,E-mail,Signup Date,Weight (lb)\n"
    b"1,Ann Lee,ann@example.com,2024-01-05,150\n"
    b"2,Bo Chen,bo@example.org,2024-02-11,172.5\n"
    b"3,Cy Park,cy@example.net,someday soon,131\n"
    b"4,Di Ross,di@example.com,2024-04-02,140\n"
)


def wait_for_migration(client: Any, run_id: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + MIGRATION_TIMEOUT
    seen: list[str] = []
    while time.monotonic() < deadline:
        got = client.get(f"{BASE}/runs/{run_id}/migration")
        assert got.status_code == 200, got.json
        state = got.json["migration"]["state"]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state not in ("queued", "running", "validating"):
            return {**got.json, "seen": seen, "etag": got.headers["ETag"]}
        time.sleep(0.3)
    raise AssertionError(f"the migration of run {run_id} did not end in {MIGRATION_TIMEOUT} s: {seen}")


def target_rows(services: Services, table: str) -> list[tuple[Any, ...]]:
    import psycopg2

    connection = psycopg2.connect(services.postgres.dsn("examples"))
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT customer_id, email FROM "{table}" ORDER BY customer_id')
            return list(cursor.fetchall())
    finally:
        connection.close()


def test_a_dry_run_is_the_plan_and_writes_nothing(manager: Any, accepted: str, services: Services) -> None:
    response = manager.post(f"{BASE}/runs/{accepted}/migration", json={"dry_run": True})
    assert response.status_code == 200, response.json
    migration = response.json["migration"]
    assert migration["state"] == "planned" and migration["dry_run"] is True
    assert migration["strategy"] == "etl" and "file" in migration["strategy_reason"]
    assert migration["key"] == {"strategy": "natural", "columns": ["customer_id"]}
    assert [v["check"] for v in migration["validations"]] == ["row_count", "checksum"], "the profile's checks"
    assert all(check["ok"] for check in migration["preflight"])
    assert migration["chunks_total"] >= 1 and migration["plan"]["rows"] == 3 and migration["plan"]["polars"]
    assert len(response.json["chunks"]) == migration["chunks_total"]
    assert response.headers["ETag"].startswith('"') and len(response.headers["ETag"]) == 66
    again = manager.get(f"{BASE}/runs/{accepted}/migration")
    assert again.headers["ETag"] == response.headers["ETag"], "a strong ETag of what did not change"
    unchanged = manager.get(f"{BASE}/runs/{accepted}/migration", headers={"If-None-Match": again.headers["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.get_data(), "the console's poll of an unchanged migration"
    actions = [action for action, *_ in migration_events(services, accepted)]
    assert actions[:5] == ["preflight", "schema_change", "strategy", "key", "plan"]
    staged = metadata_sql(services, "SELECT 1")  # the metadata database answers; the target has no staging table
    assert staged == [(1,)]


def test_start_runs_to_ready_then_promote_refresh_and_rollback(
    app: Any, client: Any, target: int, services: Services, worker: Any
) -> None:
    login(client, MANAGER)
    run_id = mapped_run(client, target)
    started = client.post(f"{BASE}/runs/{run_id}/migration", json={})
    assert started.status_code == 202, started.json
    assert started.json["migration"]["state"] == "queued" and started.json["task"]["kind"] == "migration"
    assert started.json["migration"]["task_id"] == started.json["task"]["task_id"]
    busy = client.post(f"{BASE}/runs/{run_id}/migration", json={})
    assert busy.status_code in (409, 202), busy.json
    if busy.status_code == 409:
        assert busy.json["error_code"] == "MIGRATION_RUNNING"
    ended = wait_for_migration(client, run_id)
    migration = ended["migration"]
    assert migration["state"] == "ready", migration
    assert {v["check"]: v["state"] for v in migration["validations"]} == {"row_count": "passed", "checksum": "passed"}
    assert (migration["rows_in"], migration["rows_out"], migration["quarantined"]) == (3, 3, 0)
    assert migration["chunks_done"] == migration["chunks_total"] >= 1
    assert all(chunk["status"] == "done" and len(chunk["content_hash"]) == 64 for chunk in ended["chunks"])
    task = client.get(f"{BASE}/runs/{run_id}").json["result"]
    assert task["run_id"] == run_id

    refused = client.post(f"{BASE}/runs/{run_id}/migration/promote", json={"confirm": True})
    assert refused.status_code == 403, "the owner holds can_manage, not can_migrate"
    login(client, ADMIN)
    unconfirmed = client.post(f"{BASE}/runs/{run_id}/migration/promote", json={"confirm": False})
    assert unconfirmed.status_code == 400 and unconfirmed.json["field"] == "confirm", unconfirmed.json
    promoted = client.post(f"{BASE}/runs/{run_id}/migration/promote", json={"confirm": True})
    assert promoted.status_code == 200, promoted.json
    result = promoted.json["migration"]
    assert result["state"] == "promoted" and result["promoted_at"] and result["dataset_id"] == target
    assert target_rows(services, result["final_table"]) == [
        (1, "ann@example.com"), (2, "bo@example.org"), (3, "cy@example.net"),
    ], "the target's table holds the migrated rows"  # fmt: skip
    with app.app_context():
        from superset.connectors.sqla.models import SqlaTable
        from superset.extensions import db

        dataset = db.session.get(SqlaTable, target)
        assert {"customer_id", "email"} <= {column.column_name for column in dataset.columns}
        assert not any(column.column_name.startswith("__") for column in dataset.columns), "refreshed from the table"
    again = client.post(f"{BASE}/runs/{run_id}/migration/promote", json={"confirm": True})
    assert again.status_code == 409 and again.json["error_code"] == "MIGRATION_NOT_READY", again.json

    rolled = client.post(f"{BASE}/runs/{run_id}/migration/rollback")
    assert rolled.status_code == 200 and rolled.json["migration"]["state"] == "rolled_back", rolled.json
    assert target_rows(services, result["final_table"]) == [(9, "di@example.com")], "the table as it was before"
    twice = client.post(f"{BASE}/runs/{run_id}/migration/rollback")
    assert twice.status_code == 409 and twice.json["error_code"] == "MIGRATION_STATE", twice.json
    actions = [action for action, *_ in migration_events(services, run_id)]
    for expected in ("preflight", "strategy", "key", "start", "lane", "running", "validating", "ready", "promote",
                     "rollback"):  # fmt: skip
        assert expected in actions, (expected, actions)
    assert actions.index("promote") < actions.index("rollback")


def test_a_cancel_stops_the_migration_and_a_start_resumes_it(
    client: Any, target: int, services: Services, worker: Any
) -> None:
    login(client, MANAGER)
    run_id = mapped_run(client, target)
    nothing = client.post(f"{BASE}/runs/{run_id}/migration/cancel")
    assert nothing.status_code == 404 and nothing.json["error_code"] == "MIGRATION_NOT_FOUND", nothing.json
    assert client.post(f"{BASE}/runs/{run_id}/migration", json={}).status_code == 202
    cancelled = client.post(f"{BASE}/runs/{run_id}/migration/cancel")
    if cancelled.status_code == 409:  # the worker was quicker: the migration ended before the cancel came
        assert cancelled.json["error_code"] == "MIGRATION_STATE" and cancelled.json["state"] == "ready"
    else:
        assert cancelled.status_code == 200, cancelled.json
        assert cancelled.json["migration"]["state"] in ("cancelled", "running", "validating")
        assert wait_for_migration(client, run_id)["migration"]["state"] == "cancelled"
        assert "cancel" in [action for action, *_ in migration_events(services, run_id)]
        again = client.post(f"{BASE}/runs/{run_id}/migration/cancel")
        assert again.status_code == 409 and again.json["error_code"] == "MIGRATION_STATE", again.json
        resumed = client.post(f"{BASE}/runs/{run_id}/migration", json={})
        assert resumed.status_code == 202, resumed.json
        assert "resume" in [action for action, *_ in migration_events(services, run_id)]
    assert wait_for_migration(client, run_id)["migration"]["state"] == "ready"


def test_rows_a_transform_fails_on_are_quarantined_masked_and_retried_or_released(
    client: Any, target: int, services: Services, worker: Any, accepted: str
) -> None:
    login(client, MANAGER)
    run_id = new_run(client, target, data=QUARANTINE_CSV)
    for stage in ("ingest", "domains", "mapping"):
        start(client, run_id, stage)
    for mapping in client.get(f"{BASE}/runs/{run_id}/mappings/").json["result"]:
        client.put(f"{BASE}/runs/{run_id}/mappings/{mapping['target']}", json={"decision": "accept"})
    # Its signup date is text where the run before (``accepted``, into the same target) read dates.
    stopped = client.post(f"{BASE}/runs/{run_id}/migration", json={"schema_change_policy": "stop"})
    assert stopped.status_code == 409 and stopped.json["failed"] == ["schema_change"], stopped.json
    approved = client.post(f"{BASE}/runs/{run_id}/migration", json={})
    assert approved.status_code == 202, approved.json
    schema_check = next(c for c in approved.json["migration"]["preflight"] if c["check"] == "schema_change")
    assert schema_check["ok"] and "approved" in schema_check["message"], schema_check
    ended = wait_for_migration(client, run_id)["migration"]
    assert ended["quarantined"] == 1 and ended["rows_in"] == 4, ended
    page = client.get(f"{BASE}/runs/{run_id}/migration/quarantine?page=0&page_size=50")
    assert page.status_code == 200 and page.json["count"] == 1, page.json
    row = page.json["result"][0]
    assert row["state"] == "open" and 3 in row["key"].values(), row
    assert any("signup_date" in code for code in row["reason_codes"]), row["reason_codes"]
    assert [entry["column"] for entry in row["diff"]] == ["signup_date"]
    assert "cy@example.net" not in str(row), "the previews are masked"
    exported = client.get(f"{BASE}/runs/{run_id}/migration/quarantine.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.splitlines()[0].startswith("id,chunk_id,key,reason_codes") and len(text.splitlines()) == 2
    assert "cy@example.net" not in text and "Cy Park" not in text, "the CSV is masked as the list is"
    assert (
        client.post(f"{BASE}/runs/{run_id}/migration/quarantine/release", json={"ids": [row["id"]]}).status_code == 403
    )
    login(client, ADMIN)
    missing = client.post(f"{BASE}/runs/{run_id}/migration/quarantine/release", json={"ids": [row["id"] + 1000]})
    assert missing.status_code == 404 and missing.json["field"] == "ids", missing.json
    retried = client.post(f"{BASE}/runs/{run_id}/migration/quarantine/retry", json={"ids": [row["id"]]})
    assert retried.status_code == 200 and retried.json["ids"] == [row["id"]], retried.json
    listed = client.get(f"{BASE}/runs/{run_id}/migration/quarantine").json["result"]
    assert [entry["state"] for entry in listed] == ["retried"]
    released = client.post(f"{BASE}/runs/{run_id}/migration/quarantine/release", json={"ids": [row["id"]]})
    assert released.status_code == 404, "a retried row is not open any more"
    actions = [action for action, *_ in migration_events(services, run_id)]
    assert "retry" in actions


def test_can_migrate_granted_to_a_role_lets_its_users_promote(app: Any, client: Any, accepted: str) -> None:
    """An admin grants can_migrate on Superset's Roles page: the owner's promotion then meets the migration's own
    answer (not ready: a dry run only planned it) instead of 403; taken away again, 403."""
    from superset.extensions import db, security_manager

    from tests.users import MANAGER_ROLE

    def grant(on: bool) -> None:
        with app.app_context():
            role = security_manager.find_role(MANAGER_ROLE)
            pvm = security_manager.find_permission_view_menu("can_migrate", "DatasetReview")
            (security_manager.add_permission_role if on else security_manager.del_permission_role)(role, pvm)
            db.session.commit()

    login(client, MANAGER)
    grant(True)
    try:
        login(client, MANAGER)
        granted = client.post(f"{BASE}/runs/{accepted}/migration/promote", json={"confirm": True})
        assert granted.status_code == 409 and granted.json["error_code"] == "MIGRATION_NOT_READY", granted.json
    finally:
        grant(False)
    login(client, MANAGER)
    assert client.post(f"{BASE}/runs/{accepted}/migration/promote", json={"confirm": True}).status_code == 403
