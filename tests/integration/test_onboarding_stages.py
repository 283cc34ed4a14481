"""A run's stages end to end through the REST API and a real Celery worker: a CSV into a Superset dataset of this
module, ingest -> domains -> mapping -> analysis, each a task acting with the owner's rights; every artifact echoes
the contract hash; a mapping decided with If-Match (412 on a stale one), a pipeline the DSL refuses recorded in the
ledger though nothing else is written; a stage that fails leaves the run in its last good state."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.onboarding import BASE, CSV, contract, create_target, metadata_sql, onboarding_dir, upload
from tests.services import Services
from tests.users import MANAGER, login

STAGE_TIMEOUT = 240.0


def wait_for(client: Any, run_id: str, stage: str) -> dict[str, Any]:
    """The run once ``stage`` is no longer running (polling its document, as the workspace does)."""
    deadline = time.monotonic() + STAGE_TIMEOUT
    while time.monotonic() < deadline:
        run = client.get(f"{BASE}/runs/{run_id}").json["result"]
        if run["stages"][stage]["state"] not in ("pending", "running"):
            return dict(run)
        time.sleep(0.5)
    raise AssertionError(f"stage {stage} of run {run_id} did not end in {STAGE_TIMEOUT} s: {run}")


def start(client: Any, run_id: str, stage: str, confirm: bool = False) -> dict[str, Any]:
    started = client.post(f"{BASE}/runs/{run_id}/stages/{stage}", json={"confirm": confirm})
    assert started.status_code == 202, started.json
    assert started.json["result"]["task"]["kind"] == f"onboarding_{stage}"
    return wait_for(client, run_id, stage)


def new_run(client: Any, dataset_id: int, data: bytes = CSV, mode: str = "data_mode", **overrides: Any) -> str:
    uploaded = upload(client, data)
    assert uploaded.status_code == 201, uploaded.json
    created = client.post(
        f"{BASE}/runs/",
        json={"name": "stages", "contract": contract(uploaded.json["result"]["upload_id"], dataset_id, mode=mode,
                                                     **overrides)},
    )  # fmt: skip
    assert created.status_code == 201, created.json
    return str(created.json["result"]["run_id"])


@pytest.fixture(scope="module")
def target(app: Any, services: Services) -> int:
    return create_target(app, services)


@pytest.fixture()
def manager(client: Any, worker: Any) -> Any:
    login(client, MANAGER)
    return client


def events_of(services: Services, run_id: str) -> list[tuple[Any, ...]]:
    return metadata_sql(
        services,
        "SELECT e.stage, e.action, e.subject, e.contract_hash, e.policy_version, e.dsl_version, e.confirmed_by "
        "FROM dataset_review_run_events e JOIN dataset_review_onboarding_runs r ON r.id = e.run_pk "
        "WHERE r.run_id = %s ORDER BY e.id",
        (run_id,),
    )


def test_a_csv_goes_through_every_stage_into_the_dataset(manager: Any, target: int, services: Services) -> None:
    run_id = new_run(manager, target)
    path = f"{BASE}/runs/{run_id}"
    contract_hash = manager.get(path).json["result"]["contract_hash"]

    ingested = start(manager, run_id, "ingest")
    assert ingested["stages"]["ingest"]["state"] == "passed", ingested["stages"]["ingest"]
    kinds = {artifact["kind"] for artifact in ingested["artifacts"]}
    assert {"catalog", "shim", "target_schema", "sample_pack"} <= kinds
    catalog = manager.get(f"{path}/artifacts/catalog").json["result"]
    columns = catalog["body"]["tables"][0]["columns"]
    assert len(columns) == 5 and catalog["body"]["tables"][0]["row_count"] == 3
    assert catalog["body"]["contract_hash"] == contract_hash

    domained = start(manager, run_id, "domains")
    assert domained["stages"]["domains"]["state"] == "passed", domained["stages"]["domains"]
    catalog_v2 = manager.get(f"{path}/artifacts/catalog").json["result"]
    assert catalog_v2["version"] == 2 and catalog_v2["content_hash"] != catalog["content_hash"]

    mapped = start(manager, run_id, "mapping")
    assert mapped["stages"]["mapping"]["state"] in ("passed", "held"), mapped["stages"]["mapping"]
    mappings = manager.get(f"{path}/mappings/").json["result"]
    assert {mapping["target"] for mapping in mappings} == {"customer_id", "full_name", "email", "signup_date",
                                                           "weight_kg"}  # fmt: skip
    email = next(mapping for mapping in mappings if mapping["target"] == "email")
    assert email["sources"] and email["dsl"]["source"] == email["sources"][0]
    assert "SELECT" in email["compiled"]["sql"]["postgres"].upper() and email["compiled"]["polars"]

    held = mapped["stages"]["mapping"]["state"] == "held"
    if held:
        gated = manager.post(f"{path}/stages/analysis", json={})
        assert gated.status_code == 409 and gated.json["confirm_required"] is True, gated.json
    analysed = start(manager, run_id, "analysis", confirm=True)
    assert analysed["stages"]["analysis"]["state"] == "passed", analysed["stages"]["analysis"]
    assert analysed["status"] == "completed"
    report = manager.get(f"{path}/analysis")
    assert report.status_code == 200 and report.headers["ETag"].startswith('"')

    listed = manager.get(f"{path}/artifacts/").json
    assert listed["result"] and {entry["contract_hash"] for entry in listed["result"]} == {contract_hash}
    assert listed["hashes"]["contract"] == contract_hash
    assert set(listed["hashes"]["artifacts"]) >= {"catalog", "mapping_plan", "analysis"}

    events = events_of(services, run_id)
    ledger = manager.get(f"{path}/events/").json["result"]
    assert [(e["stage"], e["action"], e["subject"]) for e in ledger] == [
        (s, a, subject) for s, a, subject, *_ in events
    ]
    assert all(e["contract_hash"] == contract_hash for e in ledger)
    actions = [(stage, action) for stage, action, *_ in events]
    for stage in ("ingest", "domains", "mapping"):
        assert ((stage, "start") in actions and (stage, "passed") in actions) or (stage, "hold") in actions
    assert {row[3] for row in events} == {contract_hash}, "every event echoes the contract hash"
    assert {row[5] for row in events} == {"1.0.0"}
    confirmations = [row[6] for row in events if row[0] == "analysis" and row[1] == "start"]
    assert confirmations and (confirmations[0] is not None) is held


def test_a_mapping_decision_with_if_match_and_a_refused_pipeline(manager: Any, target: int, services: Services) -> None:
    run_id = new_run(manager, target)
    for stage in ("ingest", "domains", "mapping"):
        start(manager, run_id, stage)
    path = f"{BASE}/runs/{run_id}/mappings/email"
    got = manager.get(path)
    assert got.status_code == 200, got.json
    mapping = got.json["result"]
    decided = manager.put(path, json={"decision": "accept"}, headers={"If-Match": got.headers["ETag"]})
    assert decided.status_code == 200, decided.json
    assert decided.json["result"]["decision"] == "accept"
    assert decided.json["result"]["version"] == mapping["version"] + 1
    stale = manager.put(path, json={"decision": "hold"}, headers={"If-Match": got.headers["ETag"]})
    assert stale.status_code == 412 and stale.json["error_code"] == "RUN_CHANGED", stale.json
    by_version = manager.put(path, json={"decision": "hold"}, headers={"If-Match": str(mapping["version"] + 1)})
    assert by_version.status_code == 200, "the Mapping Studio's version is an If-Match too"
    plan = manager.get(f"{BASE}/runs/{run_id}/artifacts/mapping_plan").json["result"]
    assert plan["version"] == 3, "each decision is a new version of the plan"
    assert next(m for m in plan["body"]["mappings"] if m["target"] == "email")["decision"] == "hold"
    assert plan["body"]["counts"]["hold"] >= 1 and plan["body"]["compiled"]["sql"]["postgres"]
    assert (
        manager.get(f"{BASE}/runs/{run_id}").json["result"]["stages"]["mapping"]["artifact_hash"]
        == plan["content_hash"]
    )

    before = manager.get(path).json["result"]
    refused = manager.put(path, json={"decision": "fix", "dsl": {"source": before["dsl"]["source"],
                                                                 "ops": [{"op": "exec", "code": "rm -rf /"}]}})  # fmt: skip
    assert refused.status_code == 422 and refused.json["error_code"] == "DSL_REJECT", refused.json
    assert "ops[0]" in refused.json["message"]
    after = manager.get(path).json["result"]
    assert after == before, "nothing of the refused change is written"
    assert ("mapping", "reject", "email") in [(s, a, subject) for s, a, subject, *_ in events_of(services, run_id)]

    changed = manager.put(path, json={"decision": "accept", "dsl": {"source": before["dsl"]["source"],
                                                                    "ops": [{"op": "trim"}, {"op": "case",
                                                                                             "to": "lower"}]}})  # fmt: skip
    assert changed.status_code == 200, changed.json
    result = changed.json["result"]
    assert result["origin"] == "user" and [op["op"] for op in result["dsl"]["ops"]] == ["trim", "case"]
    assert result["success_rate"] is not None, "the changed pipeline ran on the Sample Pack"
    assert "TRANSLATE" in result["compiled"]["sql"]["postgres"] and result["compiled"] != before["compiled"]


def test_a_failing_stage_keeps_the_last_good_state(manager: Any, target: int, services: Services) -> None:
    run_id = new_run(manager, target)
    start(manager, run_id, "ingest")
    start(manager, run_id, "domains")
    path = f"{BASE}/runs/{run_id}"
    good = manager.get(path).json["result"]
    sample = manager.get(f"{path}/artifacts/sample_pack").json["result"]
    raw = [p for p in (onboarding_dir(manager.application) / "runs" / run_id).rglob("*.parquet")]
    assert raw, "the Sample Pack's raw rows are a Parquet file under the run's directory"
    for file in raw:
        file.unlink()  # the stage after this finds its input gone
    failed = start(manager, run_id, "mapping")
    assert failed["stages"]["mapping"]["state"] == "failed"
    assert failed["error"]["stage"] == "mapping" and failed["error"]["message"]
    assert failed["artifacts"] == good["artifacts"], "nothing of the failed stage is stored"
    assert manager.get(f"{path}/mappings/").json["result"] == []
    assert failed["stages"]["ingest"] == good["stages"]["ingest"]
    assert failed["stages"]["domains"] == good["stages"]["domains"]
    assert manager.get(f"{path}/artifacts/sample_pack").json["result"] == sample
    assert ("mapping", "fail") in [(s, a) for s, a, *_ in events_of(services, run_id)]
    gated = manager.post(f"{path}/stages/analysis", json={"confirm": True})
    assert gated.status_code == 409 and gated.json["error_code"] == "STAGE_GATED"


def test_a_ragged_csv_fails_ingest_naming_the_line(manager: Any, target: int) -> None:
    ragged = b"a,b,c\n1,2,3\n4,5\n6,7,8\n"
    run_id = new_run(manager, target, ragged)
    failed = start(manager, run_id, "ingest")
    assert failed["stages"]["ingest"]["state"] == "failed" and failed["status"] == "running"
    assert failed["error"]["code"] == "FILE_UNREADABLE" and "3" in failed["error"]["message"], failed["error"]
    assert failed["artifacts"] == []
    retried = manager.post(f"{BASE}/runs/{run_id}/stages/ingest", json={})
    assert retried.status_code == 202, "a failed stage may be started again"


def test_a_csv_that_is_an_image_is_refused_at_upload(manager: Any, app: Any) -> None:
    before = {p.name for p in onboarding_dir(app).iterdir() if p.is_file()}
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = upload(manager, png, "photo.csv")
    assert response.status_code == 422 and response.json["error_code"] == "FILE_UNREADABLE", response.json
    assert "PNG" in response.json["message"] or "image" in response.json["message"]
    assert {p.name for p in onboarding_dir(app).iterdir() if p.is_file()} == before


def test_stage_tasks_act_for_the_owner(manager: Any, target: int, services: Services) -> None:
    run_id = new_run(manager, target)
    start(manager, run_id, "ingest")
    owner = metadata_sql(
        services,
        "SELECT t.requested_by, r.created_by FROM dataset_review_tasks t JOIN dataset_review_onboarding_runs r "
        "ON t.subject = 'onboarding_run:' || r.run_id WHERE r.run_id = %s",
        (run_id,),
    )
    assert owner and all(requested == created for requested, created in owner)
