"""Promotion of a staged catalog: 20 deltas over the 92-domain built-in catalog, promoted through the REST API as an
admin (auto-test, new version, provenance, deltas marked, centroids into pgvector, audit row, one transaction).

Run by bench/run.py in a child process whose environment points at running embedded services (with
`superset-review init` applied); prints one JSON list of rows on its last line. Run alone (`python
bench/catalog.py`), it starts its own embedded services first.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RUNS = 5
DELTAS = 20
TARGET_SECONDS = 2.0


def staged_changes(run: int, domains: list[str]) -> list[dict[str, object]]:
    """15 aliases and 5 negatives, on 20 different domains: phrases no header of the examples says."""
    changes: list[dict[str, object]] = []
    for index in range(DELTAS):
        domain = domains[(run * DELTAS + index) % len(domains)]
        if index % 4 == 3:
            changes.append({"kind": "add_negative", "domain": domain, "payload": {"negative": f"zq{run}x{index} flag"}})
        else:
            changes.append({"kind": "add_alias", "domain": domain,
                            "payload": {"alias": f"zq{run}x{index} field", "language": "en"}})  # fmt: skip
    return changes


def measure() -> list[dict[str, object]]:
    from superset.app import create_app

    app = create_app()  # before any model import: Superset's models need the initialised app

    from superset_review.domains.catalog import builtin_catalog
    from superset_review.domains.commands.import_catalog import ImportCatalogCommand
    from superset_review.domains.live import live_catalog
    from tests.users import ADMIN, PASSWORD, create_test_users

    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        create_test_users()
    client = app.test_client()
    client.post("/login/", data={"username": ADMIN, "password": PASSWORD})
    api = "/api/v1/dataset_review/domains"
    domains = [domain.name for domain in builtin_catalog().assignable]
    promotions: list[float] = []
    tests: list[float] = []
    for run in range(RUNS):
        for change in staged_changes(run, domains):
            staged = client.post(f"{api}/deltas", json=change)
            assert staged.status_code == 201, staged.json
        with app.app_context():
            version = live_catalog().version
        started = time.perf_counter()
        promoted = client.post(f"{api}/catalog/promote", json={"expected_version": version})
        promotions.append(time.perf_counter() - started)
        assert promoted.status_code == 200, promoted.json
        assert len(promoted.json["provenance"]["deltas"]) == DELTAS
        tests.append(float(promoted.json["provenance"]["test"]["seconds"]))
    with app.app_context():  # the built-in catalog live again
        text = (REPO / "superset_review" / "domains" / "builtin.yaml").read_text(encoding="utf-8")
        ImportCatalogCommand(None, text, "builtin.yaml", replace=True).run()
    worst = max(promotions)
    return [
        {"name": f"domains: promotion of {DELTAS} staged deltas over the {len(domains)}-domain catalog (slowest)",
         "value": worst, "unit": "s", "target": "< 2 s", "met": worst < TARGET_SECONDS,
         "note": f"median {statistics.median(promotions):.2f} s over {RUNS} promotions through the REST API; of it the "
                 f"auto-test (apply + {len(domains)} domains and their negatives) {statistics.median(tests):.2f} s"},
    ]  # fmt: skip


def main() -> None:
    if os.environ.get("SUPERSET_CONFIG_PATH"):
        print(json.dumps(measure()))
        return
    from tests.services import running_services

    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as root, running_services(Path(root)) as services:
        env = {**os.environ, **services.env(), "SUPERSET_CONFIG_PATH": str(REPO / "superset_config.py")}
        subprocess.run([sys.executable, "-m", "superset_review.cli.main", "init"], env=env, check=True,
                       capture_output=True, timeout=900)  # fmt: skip
        result = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, timeout=900,
                                check=False)  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(result.stderr[-3000:])
        print(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
