"""`superset-review migrate` as a user runs it: the same path in process (``migrate_run``) against the suite's
Superset, on a run whose plan is accepted: started, its chunks run in this process with a progress bar, validated,
promoted with --promote, summarised with the keys the README names; a run that does not exist, or one whose
pre-flight refuses, gets one line and exit 2 through the command itself."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from tests.integration.test_migration_api import mapped_run, target_rows
from tests.onboarding import create_target
from tests.services import Services
from tests.users import ADMIN, MANAGER, login, user

SUMMARY_KEYS = {"run_id", "state", "rows_in", "rows_out", "quarantined", "chunks", "final_table", "dataset_id"}


@pytest.fixture(scope="module")
def target(app: Any, services: Services) -> int:
    return create_target(app, services)


def test_migrate_run_in_process_follows_and_promotes(
    app: Any, client: Any, target: int, services: Services, worker: Any
) -> None:
    from superset.utils.core import override_user

    from superset_review.cli.migrate import migrate_run, summary, summary_text

    login(client, MANAGER)
    run_id = mapped_run(client, target)
    err = io.StringIO()
    with app.app_context(), app.test_request_context(), override_user(user(ADMIN)):
        document = summary(migrate_run(run_id, follow=True, promote=True, err=err))
    assert set(document) >= SUMMARY_KEYS, document
    assert document["state"] == "promoted", document
    assert (document["rows_in"], document["rows_out"], document["quarantined"]) == (3, 3, 0)
    assert document["chunks"] >= 1 and document["chunks_done"] == document["chunks"]
    assert document["dataset_id"] == target and document["final_table"]
    assert target_rows(services, document["final_table"])[0] == (1, "ann@example.com")
    bar = err.getvalue().splitlines()
    assert bar and bar[-1].startswith("[") and f"{document['chunks']}/{document['chunks']} chunks" in bar[-1]
    json.dumps(document)  # the JSON form prints as is
    assert summary_text(document).startswith(f"migration of run {run_id}: promoted")
    with app.app_context(), app.test_request_context(), override_user(user(ADMIN)):
        again = summary(migrate_run(run_id, follow=False, promote=False))
    assert again["state"] == "promoted", "a promoted migration is reported as it is, not run again"


def test_migrate_refuses_in_one_line(app: Any, tmp_path: Any) -> None:
    """Through the command: a data directory `up` never made is exit 2, one line saying what to run; in process, a run
    that does not exist (or is another user's) is the API's RUN_NOT_FOUND, which the command prints as its line."""
    from superset.utils.core import override_user

    from superset_review.cli.migrate import migrate_run
    from superset_review.extension.errors import ReviewError

    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET", "REVIEW_"))}
    result = subprocess.run(
        [sys.executable, "-m", "superset_review.cli.main", "migrate", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "--data-dir",
         str(tmp_path / "nothing"), "--format", "json"],
        capture_output=True, text=True, env=clean_env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 2, (result.stdout[-2000:], result.stderr[-2000:])
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("superset-review: no superset-review data in") and "superset-review up" in last, last
    assert result.stdout == ""
    with (
        app.app_context(),
        app.test_request_context(),
        override_user(user(MANAGER)),
        pytest.raises(ReviewError) as refused,
    ):
        migrate_run("01ARZ3NDEKTSV4RRFFQ69G5FAV", follow=False, promote=False)
    assert refused.value.code == "RUN_NOT_FOUND"


@pytest.mark.timeout(900)
def test_migrate_against_the_data_directory_of_up(tmp_path: Any) -> None:
    """As a user runs it: `up` made the data directory (stopped again: the command starts its PostgreSQL and Redis
    itself), `onboard` made a run of a partner's CSV into the Sales dataset, whose target columns the CSV does not
    all feed: `migrate` refuses its pre-flight in one line, exit 2, naming what is not accepted."""
    import requests

    from superset_review.embedded.stack import free_port
    from tests.integration.test_onboarding_cli import SALES_CSV, onboard_cli
    from tests.integration.test_up import (
        alive,
        processes_on,
        start_up,
        stop_and_check_nothing_left,
        terminate,
        wait_for_line,
    )

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
    onboarded = onboard_cli(data_dir, str(source), "--target", sales, "--user", "boss", "--mode", "data_mode",
                            "--format", "json")  # fmt: skip
    assert onboarded.returncode == 0, onboarded.stderr[-3000:]
    run_id = json.loads(onboarded.stdout)["run_id"]
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET", "REVIEW_"))}
    migrated = subprocess.run(
        [sys.executable, "-m", "superset_review.cli.main", "migrate", run_id, "--follow", "--format", "json",
         "--data-dir", str(data_dir), "--user", "boss"],
        capture_output=True, text=True, env=clean_env, timeout=300, check=False,
    )  # fmt: skip
    assert migrated.returncode == 2, (migrated.stdout[-2000:], migrated.stderr[-3000:])
    last = migrated.stderr.strip().splitlines()[-1]
    assert last.startswith("superset-review: ") and "(MIGRATION_PREFLIGHT_FAILED)" in last, last
    assert "not accepted" in last and run_id in last, last
    assert migrated.stdout == ""
    assert alive(processes_on(data_dir)) == [], "the command stopped what it started"
