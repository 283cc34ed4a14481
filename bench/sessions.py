"""Review sessions: start to first readable summary on a wide dataset in data_mode, session load, and the session
API under 20 concurrent users.

Run by bench/run.py in a child process whose environment points at running embedded services (with
`superset-review init` applied); prints one JSON list of rows on its last line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg2
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COLUMNS = 200
ROWS = 100_000
USERS = 20
REQUESTS_PER_USER = 25


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def create_wide_table(examples_dsn: str) -> None:
    columns = ", ".join(
        f"(g * {i + 1}) % 997 AS c{i:03d}" if i % 2 == 0 else f"md5((g + {i})::text) AS c{i:03d}"
        for i in range(COLUMNS)
    )
    connection = psycopg2.connect(examples_dsn)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_wide")
        cursor.execute(f"CREATE TABLE bench_wide AS SELECT {columns} FROM generate_series(1, {ROWS}) AS g")  # noqa: S608
        cursor.execute("ANALYZE bench_wide")
    connection.close()


def main() -> None:
    from superset.app import create_app

    from superset_review.policy.manifest import parse_policy
    from tests.datasets import register_dataset
    from tests.services import Services  # noqa: F401 - the env comes from the parent's running services
    from tests.users import PASSWORD, create_test_users

    create_wide_table(os.environ["BENCH_EXAMPLES_DSN"])
    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        create_test_users()

        class _Services:  # register_dataset needs only .postgres.uri(...)
            class postgres:
                @staticmethod
                def uri(database: str) -> str:
                    return os.environ["SUPERSET__SQLALCHEMY_EXAMPLES_URI"]

        dataset_id = register_dataset(_Services(), "bench_wide")  # type: ignore[arg-type]
    app.config["REVIEW_POLICY"] = parse_policy({"mode": "data_mode"})
    client = app.test_client()
    client.post("/login/", data={"username": "review_admin", "password": PASSWORD})

    starts = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.post("/api/v1/dataset_review/sessions/", json={"source": str(dataset_id)})
        starts.append(time.perf_counter() - started)
        assert response.status_code == 201, response.json
    session = response.json
    assert len(session["profile"]["columns"]) == COLUMNS and session["profile"]["data"]["statistics"]

    # 200 columns x 2 fields, the findings it has (>= 50) and 20 recovered filters.
    dictionary = "column,verbose_name,description\n" + "".join(
        f"c{i:03d},Column {i},What column {i} holds\n" for i in range(COLUMNS)
    )
    import io

    client.post(
        f"/api/v1/dataset_review/sessions/{session['id']}/semantics/dictionary",
        data={"version": str(session["version"]), "file": (io.BytesIO(dictionary.encode()), "dict.csv")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        from superset.extensions import db

        from superset_review.sessions.models import ReviewSession

        stored = db.session.get(ReviewSession, session["id"])
        filters = [
            {"filter_id": f"NATIVE_FILTER-{i}", "name": f"Filter {i}", "filter_type": "filter_select",
             "dataset_id": dataset_id, "column": f"c{i:03d}", "value": [i], "provenance": "url",
             "status": "confirmed", "cascade_parent_ids": [], "extra_form_data": {}}
            for i in range(20)
        ]  # fmt: skip
        stored.context = {**stored.context, "filters": filters}
        db.session.commit()
        findings = len(stored.findings)
    loads = []
    for _ in range(100):
        started = time.perf_counter()
        body = client.get(f"/api/v1/dataset_review/sessions/{session['id']}").json
        loads.append((time.perf_counter() - started) * 1000)
    assert len(body["semantics"]) == 2 * COLUMNS and len(body["context"]["filters"]) == 20 and findings >= 50

    concurrent = concurrent_users(app, dataset_id)
    rows = [
        {
            "name": f"start to first readable summary, {COLUMNS} cols x {ROWS // 1000}k rows, data_mode (median)",
            "value": statistics.median(starts), "unit": "s", "target": "< 2 s", "met": statistics.median(starts) < 2,
            "note": f"max {max(starts):.2f} s over {len(starts)} starts; row count in PostgreSQL, statistics "
            "on a 2,000-row sample, PII scan of 200 rows per column",
        },
        {
            "name": f"session load p95 ({2 * COLUMNS} fields, {findings} findings, 20 filters)",
            "value": p95(loads), "unit": "ms", "target": "< 100 ms", "met": p95(loads) < 100,
            "note": f"median {statistics.median(loads):.1f} ms over {len(loads)} loads",
        },
        concurrent,
    ]  # fmt: skip
    print(json.dumps(rows))


def concurrent_users(app: Any, dataset_id: int) -> dict[str, Any]:
    """20 users, each on their own session, through gunicorn over real HTTP."""
    from superset.extensions import db, security_manager

    from superset_review.embedded.processes import spawn, stop_process
    from superset_review.embedded.stack import free_port
    from tests.users import MANAGER_ROLE, PASSWORD

    with app.app_context():
        # An ordinary Superset user (Gamma: CSRF token, own profile) who was granted the review role.
        role = [security_manager.find_role("Gamma"), security_manager.find_role(MANAGER_ROLE)]
        for i in range(USERS):
            if security_manager.find_user(username=f"bench_user_{i}") is None:
                security_manager.add_user(
                    f"bench_user_{i}", "Bench", str(i), f"b{i}@example.com", role, password=PASSWORD
                )
        db.session.commit()
    port = free_port()
    log = Path(os.environ["SUPERSET_HOME"]) / "bench-web.log"
    web = spawn(
        [sys.executable, "-m", "gunicorn", f"--bind=127.0.0.1:{port}", "--workers=2", "--worker-class=gthread",
         "--threads=10", "--timeout=120", "superset.app:create_app()"],
        log, env=dict(os.environ),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or web.poll() is not None:
                raise RuntimeError(f"gunicorn did not start: see {log}")
            time.sleep(0.3)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def user(i: int) -> None:
            try:
                run_user(i)
            except Exception as ex:  # noqa: BLE001 - a failed user is an error of the run, counted and shown
                with lock:
                    errors.append(repr(ex)[:300])

        def run_user(i: int) -> None:
            http = requests.Session()
            token = http.post(f"{base}/api/v1/security/login", json={"username": f"bench_user_{i}",
                              "password": PASSWORD, "provider": "db"}, timeout=30).json()["access_token"]  # fmt: skip
            http.headers["Authorization"] = f"Bearer {token}"
            # Superset checks CSRF on its REST APIs too: the token comes with the session cookie it sets.
            csrf = http.get(f"{base}/api/v1/security/csrf_token/", timeout=30).json()["result"]
            http.headers["X-CSRFToken"] = csrf
            http.headers["Referer"] = base
            own = http.post(f"{base}/api/v1/dataset_review/sessions/", json={"source": str(dataset_id)}, timeout=60)
            if own.status_code != 201:
                with lock:
                    errors.append(f"start {own.status_code}: {own.text[:200]}")
                return
            for _ in range(REQUESTS_PER_USER):
                started = time.perf_counter()
                response = http.get(f"{base}/api/v1/dataset_review/sessions/{own.json()['id']}", timeout=60)
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        errors.append(str(response.status_code))

        threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop_process(web)
    value = p95(latencies) if len(latencies) > 1 else float("inf")
    return {
        "name": f"session API p95, {USERS} concurrent users on their own sessions",
        "value": value, "unit": "ms", "target": "< 300 ms, 0 errors", "met": value < 300 and not errors,
        "note": f"{len(latencies)} requests, {len(errors)} errors {errors[:2]}, "
        f"median {statistics.median(latencies or [0]):.1f} ms; gunicorn 2 workers x 10 threads on 2 cores",
    }  # fmt: skip


if __name__ == "__main__":
    main()
