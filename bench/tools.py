"""A governed tool call's overhead over the query it runs: ``sample_safe_view`` through ``invoke`` (permission,
parameters, the view's usability and drift check, the query, PII masking of the values, the caps, the audit row)
against the bare ``dataset.query`` of the same columns and rows on the view's Superset dataset, as the same user.

Calls alternate (tool, bare, tool, ...) and the figure is the p50/p95 of each pair's difference, so a slow moment of
the machine hits both sides. Run by bench/run.py in a child process whose environment points at running embedded
services (with `superset-review init` applied, BENCH_EXAMPLES_DSN set); prints one JSON list of rows on its last line.
Run alone (`python bench/tools.py`), it starts its own embedded services first.
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
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RUNS = 200
ROWS = 20
TARGET_MS = 20.0


def measure() -> list[dict[str, object]]:
    from superset.app import create_app

    app = create_app()  # before any model import: Superset's models need the initialised app

    from superset.utils.core import override_user

    from superset_review.adapters.datasets import _query_object, get_dataset
    from superset_review.tools.models import Channel
    from superset_review.tools.registry import invoke
    from tests.safe_views import VIEW_COLUMNS, make_test_views
    from tests.users import ADMIN, create_test_users, user

    examples_uri = os.environ["SUPERSET__SQLALCHEMY_EXAMPLES_URI"]
    services = SimpleNamespace(postgres=SimpleNamespace(dsn=lambda _: os.environ["BENCH_EXAMPLES_DSN"],
                                                        uri=lambda _: examples_uri))  # fmt: skip
    with app.app_context():
        create_test_users()
    views = make_test_views(app, services)  # type: ignore[arg-type]
    tool_ms: list[float] = []
    bare_ms: list[float] = []
    with app.app_context():
        admin = user(ADMIN)
        for run in range(RUNS + 10):  # the first 10 warm both paths up
            with app.test_request_context("/"), override_user(admin):
                started = time.perf_counter()
                reply = invoke("sample_safe_view", {"view_id": views["fresh"], "rows": ROWS}, channel=Channel.INTERNAL)
                tool = (time.perf_counter() - started) * 1000
                assert reply.rows == ROWS and reply.call_id is not None
            with app.test_request_context("/"), override_user(admin):
                started = time.perf_counter()
                dataset = get_dataset(views["fresh_dataset"])
                result = dataset.query(_query_object(columns=VIEW_COLUMNS, metrics=None, row_limit=ROWS))
                bare = (time.perf_counter() - started) * 1000
                assert result.status == "success" and len(result.df) == ROWS
            if run >= 10:
                tool_ms.append(tool)
                bare_ms.append(bare)
    if os.environ.get("BENCH_PROFILE"):  # where a tool call's time goes, into the file it names
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        with app.app_context():
            for _ in range(30):
                with app.test_request_context("/"), override_user(user(ADMIN)):
                    profiler.runcall(invoke, "sample_safe_view", {"view_id": views["fresh"], "rows": ROWS},
                                     channel=Channel.INTERNAL)  # fmt: skip
        with open(os.environ["BENCH_PROFILE"], "w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
    overhead = sorted(t - b for t, b in zip(tool_ms, bare_ms, strict=True))
    p50 = statistics.median(overhead)
    p95 = overhead[int(len(overhead) * 0.95) - 1]
    return [
        {"name": f"tools: sample_safe_view overhead over its query ({ROWS} rows), p95", "value": p95, "unit": "ms",
         "target": "< 20 ms", "met": p95 < TARGET_MS,
         "note": f"p50 {p50:.2f} ms over {RUNS} paired calls; the tool call p50 {statistics.median(tool_ms):.2f} ms, "
                 f"the bare dataset.query p50 {statistics.median(bare_ms):.2f} ms (audit row included)"},
    ]  # fmt: skip


def main() -> None:
    if os.environ.get("SUPERSET_CONFIG_PATH"):
        print(json.dumps(measure()))
        return
    from tests.services import running_services

    with tempfile.TemporaryDirectory(prefix="bench-tools-") as root, running_services(Path(root)) as services:
        env = {**os.environ, **services.env(), "SUPERSET_CONFIG_PATH": str(REPO / "superset_config.py"),
               "BENCH_EXAMPLES_DSN": services.postgres.dsn("examples")}  # fmt: skip
        subprocess.run([sys.executable, "-m", "superset_review.cli.main", "init"], env=env, check=True,
                       capture_output=True, timeout=900)  # fmt: skip
        result = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, timeout=900,
                                check=False)  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(result.stderr[-3000:])
        print(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
