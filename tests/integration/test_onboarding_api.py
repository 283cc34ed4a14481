"""Onboarding runs through the REST API against the real Superset, PostgreSQL and Redis: uploads streamed with their
hash and refused past the cap with nothing left behind, runs created from a contract into a dataset the user may write
(refused for one they may not), seen only by their owner (404 for anyone else, every run for an admin), the contract
hash fixed and versioned by a mode change until the run starts, strong ETags and If-Match, the stage gate, stop, the
append-only evidence, threshold profiles edited by admins only."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import psycopg2
import pytest

from superset_review.onboarding.contract import canonical_json
from tests.onboarding import BASE, CSV, contract, create_target, metadata_sql, onboarding_dir, upload
from tests.services import Services
from tests.users import ADMIN, MANAGER, RUNNER, login


@pytest.fixture(scope="module")
def target(app: Any, services: Services) -> int:
    return create_target(app, services)


@pytest.fixture()
def manager(client: Any) -> Any:
    login(client, MANAGER)
    return client


def create_run(client: Any, dataset_id: int, **overrides: Any) -> Any:
    uploaded = upload(client)
    assert uploaded.status_code == 201, uploaded.json
    return client.post(
        f"{BASE}/runs/",
        json={"name": "customers into the target", "contract": contract(uploaded.json["result"]["upload_id"],
                                                                        dataset_id, **overrides)},
    )  # fmt: skip


@pytest.fixture()
def run(manager: Any, target: int) -> dict[str, Any]:
    created = create_run(manager, target)
    assert created.status_code == 201, created.json
    return dict(created.json["result"])


def stored_files(app: Any) -> set[str]:
    root = onboarding_dir(app)
    return {path.name for path in root.iterdir() if path.is_file()} if root.exists() else set()


# --- uploads -------------------------------------------------------------------------------------------------------


def test_an_upload_is_stored_under_a_name_of_the_server_with_its_hash(manager: Any, app: Any) -> None:
    response = upload(manager, filename="../../etc/passwd\x07.csv")
    assert response.status_code == 201, response.json
    result = response.json["result"]
    assert result["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert result["bytes"] == len(CSV)
    assert result["filename"] == "passwd.csv", "the user's name is a label: no path, no control character"
    stored = onboarding_dir(app) / result["upload_id"]
    assert stored.read_bytes() == CSV
    assert response.json["hashes"]["contract"] is None and len(response.json["hashes"]["policy"]) == 64


@pytest.mark.parametrize(
    ("size", "why"),
    [(10_000, "the file passes the request's framing allowance but not the cap: refused while streaming"),
     (200_000, "the request itself is larger than the cap plus the framing: refused before a byte is read")],
)  # fmt: skip
def test_an_upload_past_the_cap_is_413_and_leaves_no_file(
    manager: Any, app: Any, monkeypatch: pytest.MonkeyPatch, size: int, why: str
) -> None:
    before = stored_files(app)
    monkeypatch.setitem(app.config, "REVIEW_ONBOARDING_MAX_FILE_BYTES", 4096)
    response = upload(manager, b"a,b\n" + b"1,2\n" * (size // 4))
    assert response.status_code == 413, (why, response.json)
    assert response.json["error_code"] == "FILE_TOO_LARGE"
    assert "4096" in response.json["message"]
    assert stored_files(app) == before, f"nothing of the refused upload is kept ({why})"


@pytest.mark.parametrize(
    ("send", "status", "code"),
    [({"json": {"file": "x"}}, 415, "UNSUPPORTED_MEDIA_TYPE"),
     ({"data": {"other": (io.BytesIO(b"x"), "x.csv")}, "content_type": "multipart/form-data"}, 400,
      "INVALID_REQUEST"),
     ({"data": {"note": "no file"}, "content_type": "multipart/form-data"}, 400, "INVALID_REQUEST")],
)  # fmt: skip
def test_an_upload_without_a_file_field_is_refused(
    manager: Any, app: Any, send: dict[str, Any], status: int, code: str
) -> None:
    before = stored_files(app)
    response = manager.post(f"{BASE}/uploads/", **send)
    assert response.status_code == status and response.json["error_code"] == code, response.json
    assert stored_files(app) == before


# --- creating and reading a run -------------------------------------------------------------------------------------


def test_a_run_is_created_with_its_contract_hash_and_a_strong_etag(manager: Any, target: int) -> None:
    response = create_run(manager, target, rbac_actor="someone_else", audit_tags={"ticket": "ONB-1"})
    assert response.status_code == 201, response.json
    result = response.json["result"]
    assert result["contract"]["rbac_actor"] == MANAGER, "the actor is who asks, not what the request says"
    expected = hashlib.sha256(canonical_json(result["contract"]).encode()).hexdigest()
    assert result["contract_hash"] == expected == response.json["hashes"]["contract"]
    assert (result["status"], result["stage"], result["mode"], result["contract_version"]) == (
        "created", "ingest", "metadata_only", 1,
    )  # fmt: skip
    assert result["contract"]["run_id"] == result["run_id"] and len(result["run_id"]) == 26
    assert result["target_dataset_id"] == target
    assert set(result["stages"]) == {"ingest", "domains", "mapping", "analysis"}
    assert all(entry["state"] == "pending" for entry in result["stages"].values())
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 66 and not etag.startswith("W/")
    again = manager.get(f"{BASE}/runs/{result['run_id']}")
    assert again.status_code == 200 and again.headers["ETag"] == etag
    assert again.json["result"]["contract_hash"] == expected


@pytest.mark.parametrize(
    ("overrides", "named"),
    [({"modee": "data_mode"}, "modee"),
     ({"mode": "everything"}, "mode"),
     ({"sample_caps": {"rows_max": 0}}, "sample_caps"),
     ({"rhs": {"source": {"type": "file"}, "location": "x"}}, "rhs"),
     ({"rhs": {"source": {"type": "sql"}, "location": "dataset:abc"}}, "rhs"),
     ({"dsl_version": "2.0.0"}, "dsl_version")],
)  # fmt: skip
def test_an_invalid_contract_is_422_naming_the_key(
    manager: Any, target: int, overrides: dict[str, Any], named: str
) -> None:
    response = create_run(manager, target, **overrides)
    assert response.status_code == 422, response.json
    assert response.json["error_code"] == "CONTRACT_INVALID"
    assert named in response.json["errors"] and named in response.json["message"]


def test_a_run_reads_only_its_owners_upload(client: Any, target: int) -> None:
    login(client, ADMIN)
    admins = upload(client).json["result"]["upload_id"]
    login(client, MANAGER)
    response = client.post(f"{BASE}/runs/", json={"name": "x", "contract": contract(admins, target)})
    assert response.status_code == 404 and response.json["field"] == "contract.lhs.location", response.json


def test_a_target_the_user_may_not_write_is_403_target_forbidden(client: Any, target: int) -> None:
    login(client, RUNNER)  # reads every dataset, owns none
    response = create_run(client, target)
    assert response.status_code == 403, response.json
    assert response.json["error_code"] == "TARGET_FORBIDDEN"
    assert str(target) in response.json["message"]
    assert client.get(f"{BASE}/runs/").json["count"] == 0, "nothing was created"


def test_a_missing_target_or_profile_is_404(manager: Any, target: int) -> None:
    missing = create_run(manager, 2_000_000_000)
    assert missing.status_code == 404 and missing.json["error_code"] == "DATASET_NOT_FOUND", missing.json
    profile = create_run(manager, target, threshold_profile_id="tp_nobody")
    assert profile.status_code == 404 and profile.json["error_code"] == "PROFILE_NOT_FOUND", profile.json


def test_a_run_is_seen_by_its_owner_and_admins_only(client: Any, target: int) -> None:
    login(client, MANAGER)
    run_id = create_run(client, target).json["result"]["run_id"]
    assert run_id in {item["run_id"] for item in client.get(f"{BASE}/runs/").json["result"]}
    login(client, RUNNER)
    for method, path in (("get", f"/runs/{run_id}"), ("get", f"/runs/{run_id}/artifacts/"),
                         ("post", f"/runs/{run_id}/stop"), ("get", f"/runs/{run_id}/policy_check"),
                         ("post", f"/runs/{run_id}/stages/ingest")):  # fmt: skip
        response = getattr(client, method)(f"{BASE}{path}")
        assert response.status_code == 404 and response.json["error_code"] == "RUN_NOT_FOUND", (path, response.json)
    assert run_id not in {item["run_id"] for item in client.get(f"{BASE}/runs/").json["result"]}
    login(client, ADMIN)
    assert client.get(f"{BASE}/runs/{run_id}").status_code == 200
    assert run_id in {item["run_id"] for item in client.get(f"{BASE}/runs/").json["result"]}


@pytest.mark.parametrize("run_id", ["not-a-ulid", "0" * 27, "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
def test_an_unknown_run_id_is_404(manager: Any, run_id: str) -> None:
    response = manager.get(f"{BASE}/runs/{run_id}")
    assert response.status_code == 404 and response.json["error_code"] == "RUN_NOT_FOUND"


# --- the contract, ETags, the gate, stop ---------------------------------------------------------------------------


def test_a_mode_change_is_a_new_contract_version_and_hash(
    manager: Any, run: dict[str, Any], services: Services
) -> None:
    path = f"{BASE}/runs/{run['run_id']}"
    etag = manager.get(path).headers["ETag"]
    changed = manager.put(f"{path}/contract", json={"mode": "data_mode"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.json
    result = changed.json["result"]
    assert (result["mode"], result["contract_version"]) == ("data_mode", 2)
    assert result["contract_hash"] != run["contract_hash"]
    assert result["contract_hash"] == hashlib.sha256(canonical_json(result["contract"]).encode()).hexdigest()
    assert result["contract"]["run_id"] == run["run_id"]
    assert changed.headers["ETag"] != etag
    stale = manager.put(f"{path}/contract", json={"mode": "metadata_only"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json["error_code"] == "RUN_CHANGED", stale.json
    assert stale.json["etag"] == changed.headers["ETag"]
    versions = metadata_sql(
        services,
        "SELECT c.version, c.contract_hash FROM dataset_review_run_contracts c JOIN dataset_review_onboarding_runs r "
        "ON r.id = c.run_pk WHERE r.run_id = %s ORDER BY c.version",
        (run["run_id"],),
    )
    assert versions == [(1, run["contract_hash"]), (2, result["contract_hash"])]
    events = metadata_sql(
        services,
        "SELECT e.action, e.contract_hash, e.outputs_hash FROM dataset_review_run_events e "
        "JOIN dataset_review_onboarding_runs r ON r.id = e.run_pk WHERE r.run_id = %s ORDER BY e.id",
        (run["run_id"],),
    )
    assert events == [("contract", run["contract_hash"], run["contract_hash"]),
                      ("contract", result["contract_hash"], result["contract_hash"])]  # fmt: skip


def test_the_same_mode_again_changes_nothing(manager: Any, run: dict[str, Any]) -> None:
    path = f"{BASE}/runs/{run['run_id']}"
    before = manager.get(path)
    same = manager.put(f"{path}/contract", json={"mode": "metadata_only"})
    assert same.status_code == 200 and same.json["result"]["contract_version"] == 1
    assert same.headers["ETag"] == before.headers["ETag"]


def test_the_mode_is_fixed_once_a_stage_started(manager: Any, run: dict[str, Any]) -> None:
    path = f"{BASE}/runs/{run['run_id']}"
    started = manager.post(f"{path}/stages/ingest", json={})
    assert started.status_code == 202, started.json
    task = started.json["result"]["task"]
    assert task["kind"] == "onboarding_ingest" and task["subject"] == f"onboarding_run:{run['run_id']}"
    assert manager.get(path).json["result"]["status"] == "running"
    refused = manager.put(f"{path}/contract", json={"mode": "data_mode"})
    assert refused.status_code == 409 and refused.json["error_code"] == "MODE_IMMUTABLE", refused.json


@pytest.mark.parametrize("stage", ["domains", "mapping", "analysis"])
def test_a_stage_waits_for_the_one_before(manager: Any, run: dict[str, Any], stage: str) -> None:
    response = manager.post(f"{BASE}/runs/{run['run_id']}/stages/{stage}", json={"confirm": True})
    assert response.status_code == 409 and response.json["error_code"] == "STAGE_GATED", response.json
    assert response.json["state"] == "pending"
    after = manager.get(f"{BASE}/runs/{run['run_id']}").json["result"]
    assert after["status"] == "created" and after["stages"][stage]["state"] == "pending"


def test_an_unknown_stage_is_404(manager: Any, run: dict[str, Any]) -> None:
    response = manager.post(f"{BASE}/runs/{run['run_id']}/stages/migrate", json={})
    assert response.status_code == 404 and response.json["error_code"] == "NOT_FOUND"


def test_a_stopped_run_takes_nothing_more(manager: Any, run: dict[str, Any]) -> None:
    path = f"{BASE}/runs/{run['run_id']}"
    stale_etag = manager.get(path).headers["ETag"]
    stopped = manager.post(f"{path}/stop")
    assert stopped.status_code == 200 and stopped.json["result"]["status"] == "stopped", stopped.json
    for method, suffix, body in (("post", "/stop", None), ("post", "/stages/ingest", {}),
                                 ("put", "/contract", {"mode": "data_mode"})):  # fmt: skip
        response = getattr(manager, method)(f"{path}{suffix}", json=body)
        assert response.status_code == 409 and response.json["error_code"] == "RUN_STOPPED", (suffix, response.json)
    assert manager.post(f"{path}/stop", headers={"If-Match": stale_etag}).status_code == 412


def test_a_run_stopped_while_a_stage_runs_says_so(manager: Any, run: dict[str, Any]) -> None:
    path = f"{BASE}/runs/{run['run_id']}"
    assert manager.post(f"{path}/stages/ingest", json={}).status_code == 202
    stopped = manager.post(f"{path}/stop").json["result"]
    ingest = stopped["stages"]["ingest"]
    # Unless a worker of the session finished the stage first, the stage ends with the stop, storing nothing.
    assert (ingest["state"] == "failed" and ingest["error"]["code"] == "RUN_STOPPED") or ingest["state"] == "passed"
    assert stopped["status"] == "stopped"


def test_artifacts_of_a_new_run_and_the_hashes_of_its_responses(manager: Any, run: dict[str, Any]) -> None:
    path = f"{BASE}/runs/{run['run_id']}"
    listed = manager.get(f"{path}/artifacts/")
    assert listed.status_code == 200 and listed.json["result"] == []
    assert listed.json["hashes"]["contract"] == run["contract_hash"] and listed.json["hashes"]["artifacts"] == {}
    missing = manager.get(f"{path}/artifacts/catalog")
    assert missing.status_code == 404 and "catalog" in missing.json["message"]
    assert manager.get(f"{path}/artifacts/catalog?version=x").status_code == 400
    assert manager.get(f"{path}/artifacts/secrets").status_code == 404


def test_policy_check_and_cost_estimate_before_anything_is_sent(manager: Any, run: dict[str, Any]) -> None:
    path = f"{BASE}/runs/{run['run_id']}"
    check = manager.get(f"{path}/policy_check")
    assert check.status_code == 200, check.json
    report = check.json["result"]
    assert report["policy_hash"] == check.json["hashes"]["policy"] and report["contract_hash"] == run["contract_hash"]
    assert report["llm_configured"] is False and report["allowed"] is True
    assert {stage["sends"] for stage in report["stages"].values()} == {"nothing"}
    estimate = manager.get(f"{path}/cost_estimate")
    assert estimate.status_code == 200, estimate.json
    assert estimate.json["result"]["priced"] is False and estimate.json["result"]["target_columns"] == 5
    kinds = {item["kind"] for item in manager.get(f"{path}/artifacts/").json["result"]}
    assert kinds == {"policy_check", "cost_estimate"}, "what the user was shown is kept"
    manager.get(f"{path}/policy_check")
    assert len(manager.get(f"{path}/artifacts/").json["result"]) == 2, "the same check is not stored twice"
    stored = manager.get(f"{path}/artifacts/policy_check")
    assert stored.json["result"]["contract_hash"] == run["contract_hash"]
    assert stored.headers["ETag"] == f'"{stored.json["result"]["content_hash"]}"'


# --- evidence is append-only ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE dataset_review_run_events SET action = 'accept'",
     "DELETE FROM dataset_review_run_events",
     "UPDATE dataset_review_run_contracts SET contract_hash = 'x'",
     "DELETE FROM dataset_review_run_contracts",
     "UPDATE dataset_review_threshold_profiles SET note = 'x'",
     "TRUNCATE dataset_review_run_artifacts CASCADE"],
)  # fmt: skip
def test_the_evidence_refuses_update_and_delete(run: dict[str, Any], services: Services, statement: str) -> None:
    with pytest.raises(psycopg2.Error, match="append-only"):
        metadata_sql(services, statement)


# --- threshold profiles --------------------------------------------------------------------------------------------


def test_the_default_profile_is_seeded_and_versioned_by_admins(client: Any) -> None:
    login(client, MANAGER)
    got = client.get(f"{BASE}/profiles/tp_default_v1")
    assert got.status_code == 200, got.json
    body, version = got.json["result"]["body"], got.json["result"]["version"]
    assert body["mapping"]["accept_rate_min"] == 0.95
    refused = client.put(f"{BASE}/profiles/tp_default_v1", json={"body": body})
    assert refused.status_code == 403 and refused.json["error_code"] == "FORBIDDEN", refused.json
    login(client, ADMIN)
    stale = client.put(f"{BASE}/profiles/tp_default_v1", json={"body": body}, headers={"If-Match": '"nope"'})
    assert stale.status_code == 412
    changed = {**body, "mapping": {**body["mapping"], "accept_rate_min": 0.9}}
    written = client.put(f"{BASE}/profiles/tp_default_v1", json={"body": changed, "note": "looser"},
                         headers={"If-Match": got.headers["ETag"]})  # fmt: skip
    assert written.status_code == 200, written.json
    assert written.json["result"]["version"] == version + 1
    assert written.json["result"]["body"]["mapping"]["accept_rate_min"] == 0.9
    # Put the default back for the other tests (a new version again: versions are never rewritten).
    restored = client.put(f"{BASE}/profiles/tp_default_v1", json={"body": body})
    assert restored.json["result"]["version"] == version + 2


@pytest.mark.parametrize(
    ("change", "named"),
    [(lambda b: {**b, "extra": 1}, "extra"),
     (lambda b: {**b, "mapping": {**b["mapping"], "accept_rate_min": 1.5}}, "mapping"),
     (lambda b: {k: v for k, v in b.items() if k != "analysis"}, "analysis"),
     (lambda b: {**b, "domaining": {"tau_high": 0.2, "tau_low": 0.5}}, "domaining")],
)  # fmt: skip
def test_an_invalid_profile_is_422_naming_the_key(client: Any, change: Any, named: str) -> None:
    login(client, ADMIN)
    body = client.get(f"{BASE}/profiles/tp_default_v1").json["result"]["body"]
    response = client.put(f"{BASE}/profiles/tp_default_v1", json={"body": change(body)})
    assert response.status_code == 422 and response.json["error_code"] == "PROFILE_INVALID", response.json
    assert named in response.json["errors"]


def test_an_unknown_profile_is_404(manager: Any) -> None:
    response = manager.get(f"{BASE}/profiles/tp_nobody")
    assert response.status_code == 404 and response.json["error_code"] == "PROFILE_NOT_FOUND"


# --- the DSL compiler ----------------------------------------------------------------------------------------------

PLAN = {"dsl_version": "1.0.0", "pipelines": [{"target": "email", "source": "e_mail",
                                               "ops": [{"op": "trim"}, {"op": "case", "to": "lower"}]}]}  # fmt: skip


def test_a_plan_compiles_to_both_dialects_and_polars(manager: Any) -> None:
    response = manager.post(f"{BASE}/compile", json={"plan": PLAN, "schema": {"e_mail": "string"}})
    assert response.status_code == 200, response.json
    result = response.json["result"]
    assert set(result["sql"]) == {"postgres", "duckdb"}
    assert all('"e_mail"' in sql and '"email__reason"' in sql for sql in result["sql"].values())
    assert "TRANSLATE" in result["sql"]["postgres"], "case folding is ASCII only, the same in every engine"
    assert "e_mail" in result["polars"] and len(result["content_hash"]) == 64
    again = manager.post(f"{BASE}/compile", json={"plan": PLAN, "schema": {"e_mail": "string"}})
    assert again.json["result"]["content_hash"] == result["content_hash"]


@pytest.mark.parametrize(
    ("plan", "schema", "path"),
    [({**PLAN, "pipelines": [{**PLAN["pipelines"][0], "ops": [{"op": "eval", "code": "1"}]}]}, {"e_mail": "string"},
      "pipelines[0].ops[0]"),
     (PLAN, {"other": "string"}, "pipelines[0].source")],
)  # fmt: skip
def test_a_refused_plan_is_422_naming_its_path(manager: Any, plan: Any, schema: dict[str, str], path: str) -> None:
    response = manager.post(f"{BASE}/compile", json={"plan": plan, "schema": schema})
    assert response.status_code == 422 and response.json["error_code"] == "DSL_REJECT", response.json
    assert path in response.json["message"]
