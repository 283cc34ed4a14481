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
