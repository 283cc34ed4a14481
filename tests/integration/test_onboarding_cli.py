"""`superset-review onboard` as a user runs it: against the Superset that `up` serves from a data directory (started
for the command when `up` is not running, stopped after), a CSV into the Sales dataset as the admin, printed as JSON
with the run id, the contract hash, the catalog and one plan mapping per target column; bad input gets one line and a
non-zero exit. The same path in process (``onboard_file``) against the suite's Superset, as a user who owns the
target."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from superset_review.embedded.stack import free_port
from tests.integration.test_up import (
    alive,
    processes_on,
    start_up,
    stop_and_check_nothing_left,
    terminate,
    wait_for_line,
)
from tests.onboarding import CSV, create_target
from tests.services import Services
from tests.users import MANAGER, user

MAPPING_KEYS = {"target", "sources", "dsl", "decision", "confidence", "success_rate"}
SALES_CSV = (
    "Order Number,Quantity Ordered,Price Each,Order Date,Status,Country\n"
    "10107,30,95.70,2003-02-24,Shipped,USA\n"
    "10121,34,81.35,2003-05-07,Shipped,France\n"
    "10134,41,94.74,2003-07-01,Shipped,France\n"
    "10145,45,83.26,2003-08-25,Shipped,USA\n"
)


def onboard_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET", "REVIEW_"))}
    return subprocess.run(
        [sys.executable, "-m", "superset_review.cli.main", "onboard", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, env=clean_env, timeout=300, check=False,
    )  # fmt: skip


def assert_run_json(body: dict[str, Any]) -> None:
    assert len(body["run_id"]) == 26 and len(body["contract_hash"]) == 64
    assert body["catalog"]["contract_hash"] == body["contract_hash"]
    assert body["catalog"]["tables"][0]["columns"]
    mappings = body["plan"]["mappings"]
    assert mappings and all(set(mapping) == MAPPING_KEYS for mapping in mappings)
    assert all(mapping["decision"] in ("accept", "hold", "fix") for mapping in mappings)
    assert all(isinstance(mapping["dsl"], list) and isinstance(mapping["sources"], list) for mapping in mappings)
    assert all(0.0 <= mapping["confidence"] <= 1.0 for mapping in mappings)


@pytest.mark.timeout(900)
def test_onboard_against_the_data_directory_of_up(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    up = start_up(data_dir, port, "--admin-user", "boss", "--admin-password", "s3cret-pw")
    try:
        wait_for_line(up, "is up in")
        login = requests.post(f"http://127.0.0.1:{port}/api/v1/security/login", timeout=10,
                              json={"username": "boss", "password": "s3cret-pw", "provider": "db"})  # fmt: skip
        token = {"Authorization": f"Bearer {login.json()['access_token']}"}
        datasets = requests.get(f"http://127.0.0.1:{port}/api/v1/dataset/", headers=token, timeout=10).json()
        sales = str(next(d["id"] for d in datasets["result"] if d["table_name"] == "cleaned_sales_data"))
        stop_and_check_nothing_left(up, data_dir, signal.SIGINT)
    finally:
        terminate(up, data_dir)
    source = tmp_path / "sales.csv"
    source.write_text(SALES_CSV)
    # With `up` stopped, the command starts the data directory's PostgreSQL and Redis itself and stops them.
    found = onboard_cli(data_dir, str(source), "--target", sales, "--user", "nobody")
    assert found.returncode == 2 and found.stderr.strip().splitlines()[-1] == (
        "superset-review: no Superset user 'nobody': pass --user with an existing user name"
    ), found.stderr[-2000:]
    missing = onboard_cli(data_dir, str(source), "--target", "999999", "--user", "boss")
    assert missing.returncode == 2 and "999999" in missing.stderr.strip().splitlines()[-1], missing.stderr[-2000:]

    listed = onboard_cli(data_dir, str(source), "--target", sales, "--user", "boss", "--format", "json")
    assert listed.returncode == 0, listed.stderr[-3000:]
    body = json.loads(listed.stdout)
    assert body["stages"]["ingest"]["state"] == "passed", body["stages"]
    assert_run_json(body)
    assert body["mode"] == "metadata_only" and body["stages"]["mapping"]["state"] in ("passed", "held")
    assert all(mapping["success_rate"] is None for mapping in body["plan"]["mappings"]), "no rows: no rates"

    data = onboard_cli(data_dir, str(source), "--target", sales, "--user", "boss", "--mode", "data_mode")
    assert data.returncode == 0, data.stderr[-3000:]
    assert data.stdout.startswith("run ") and "(data_mode)" in data.stdout.splitlines()[0]
    assert "plan:" in data.stdout
    assert alive(processes_on(data_dir)) == [], "the command stopped what it started"


def test_onboard_file_in_process_as_the_targets_owner(app: Any, services: Services, tmp_path: Path) -> None:
    from superset.utils.core import override_user

    from superset_review.cli.onboard import onboard_file

    dataset_id = create_target(app, services)
    source = tmp_path / "customers.csv"
    source.write_bytes(CSV)
    with app.app_context(), app.test_request_context(), override_user(user(MANAGER)):
        document, failed = onboard_file(source, dataset_id, "data_mode")
    assert not failed, document["error"]
    assert_run_json(json.loads(json.dumps(document, default=str)))
    assert {m["target"] for m in document["plan"]["mappings"]} == {"customer_id", "full_name", "email", "signup_date",
                                                                    "weight_kg"}  # fmt: skip
    assert any(mapping["success_rate"] is not None for mapping in document["plan"]["mappings"])
    held = document["stages"]["mapping"]["state"] == "held"
    assert document["stages"]["analysis"]["state"] == ("pending" if held else "passed")
    assert (
        document["artifacts"]["catalog"] and document["plan"]["content_hash"] == document["artifacts"]["mapping_plan"]
    )
