"""Issue 14's Ingest targets: the catalog and Sample Pack of a generated 1M-row, 50-column CSV (under 3 s) and of a
200-column table in the bench's PostgreSQL (under 1 s), each through ``run_ingest`` in data_mode as the admin (the
sniffing, the checks, the shim proved on every row, the statistics, the stratified sample, its masking).

The CSV has ten columns each of integers, decimals, a five-value region, ISO dates and codes; the table 200 columns
(integers, decimals, text, dates) and 20 000 rows. The figure is the median of ``RUNS`` runs after one warm-up (the
CSV: of ``CSV_RUNS``); the time the shim and the file checks take of the CSV's total is in the note.

Run by bench/run.py in a child process whose environment points at running embedded services (``superset-review
init`` applied, BENCH_EXAMPLES_DSN set); prints one JSON list of rows on its last line. Run alone
(``python bench/onboarding_ingest.py``), it starts its own embedded services first.
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CSV_ROWS = int(os.environ.get("BENCH_CSV_ROWS", 1_000_000))
CSV_RUNS = 3
TABLE = "bench_ingest_wide"
TABLE_COLUMNS = 200
TABLE_ROWS = 20_000
RUNS = 5


def write_csv(path: Path) -> None:
    import polars as pl

    index = pl.int_range(0, CSV_ROWS, eager=True)
    columns: dict[str, Any] = {}
    for i in range(10):
        columns[f"Quantity {i}"] = (index * (i + 7)) % 100_000
        columns[f"Amount {i}"] = ((index * (i + 3)) % 10_000) / 100
        columns[f"Region {i}"] = pl.Series(["north", "south", "east", "west", "center"]).gather(index % 5)
        columns[f"Order Date {i}"] = pl.date_range(pl.date(2020, 1, 1), pl.date(2022, 12, 31), eager=True).gather(
            (index * (i + 1)) % 1000
        )
        columns[f"Code {i}"] = "C" + ((index * (i + 11)) % 9973).cast(pl.String)
    pl.DataFrame(columns).write_csv(path)


def create_table(dsn: str) -> None:
    import psycopg2

    kinds = ("bigint", "numeric(12, 2)", "text", "date")
    definitions = ", ".join(f"c{i:03d} {kinds[i % 4]}" for i in range(TABLE_COLUMNS))
    values = ", ".join(
        ("g", "g * 1.25", "'v' || (g % 37)", "date '2024-01-01' + (g % 365)")[i % 4] for i in range(TABLE_COLUMNS)
    )
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} ({definitions})")
        # the bench's own constants, no outside value
        cursor.execute(f"INSERT INTO {TABLE} SELECT {values} FROM generate_series(1, {TABLE_ROWS}) AS g")  # noqa: S608
        cursor.execute(f"ANALYZE {TABLE}")
    connection.close()


def context(lhs: dict[str, Any], run_dir: Path, user_id: int, source: Path | None = None) -> Any:
    from superset_review.onboarding.contract import contract_hash, load_contract
    from superset_review.onboarding.models import RunMode
    from superset_review.onboarding.profiles import default_profile
    from superset_review.onboarding.stages import RunContext

    target = "name: t\ncolumns:\n  - {name: x, dtype: string}\n"
    contract = load_contract({"lhs": lhs, "rhs": {"source": {"type": "sql"}, "location": "yaml", "schema_ref": target},
                              "mode": "data_mode"}, "bench")  # fmt: skip
    return RunContext(run_id=contract["run_id"], contract=contract, contract_hash=contract_hash(contract),
                      mode=RunMode.DATA_MODE, profile=default_profile(), run_dir=run_dir, source_path=source,
                      source_name=source.name if source else None, user_id=user_id)  # fmt: skip


def timed(ctx: Any) -> float:
    from superset_review.onboarding.ingest import run_ingest

    started = time.perf_counter()
    artifacts = run_ingest(ctx)
    elapsed = time.perf_counter() - started
    assert {artifact.kind.value for artifact in artifacts} == {"catalog", "shim", "target_schema", "sample_pack"}
    return elapsed


def measure() -> list[dict[str, object]]:
    from superset.app import create_app

    app = create_app()
    from superset.extensions import db
    from superset.models.core import Database

    from superset_review.onboarding.ingest import files
    from tests.users import ADMIN, create_test_users, user

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        csv = root / "wide.csv"
        write_csv(csv)
        size = csv.stat().st_size
        create_table(os.environ["BENCH_EXAMPLES_DSN"])
        with app.app_context():
            create_test_users()
            admin = int(user(ADMIN).id)
            database = db.session.query(Database).filter_by(database_name="bench_ingest").one_or_none()
            if database is None:
                database = Database(database_name="bench_ingest",
                                    sqlalchemy_uri=os.environ["SUPERSET__SQLALCHEMY_EXAMPLES_URI"])  # fmt: skip
                db.session.add(database)
                db.session.commit()
            file_lhs = {"source": {"type": "file"}, "location": "bench"}
            if os.environ.get("BENCH_PROFILE"):  # one profiled run of the CSV, its statistics written to that file
                import cProfile

                profiled = {"timed": timed, "ctx": context(file_lhs, root / "p", admin, csv)}
                cProfile.runctx("timed(ctx)", globals(), profiled, os.environ["BENCH_PROFILE"])
            csv_times = [timed(context(file_lhs, root / f"csv{run}", admin, csv)) for run in range(CSV_RUNS + 1)][1:]
            started = time.perf_counter()
            files.open_source(csv, "wide.csv", root / "checks", 10**11)
            checks = time.perf_counter() - started
            table_lhs = {"source": {"type": "sql"}, "location": f"{database.id}:public.{TABLE}"}
            table_times = [timed(context(table_lhs, root / f"t{run}", admin)) for run in range(RUNS + 1)][1:]
    csv_median, table_median = statistics.median(csv_times), statistics.median(table_times)
    return [
        {"name": "catalog + Sample Pack, 1M-row 50-column CSV", "value": csv_median, "unit": "s", "target": "< 3 s",
         "met": csv_median < 3,
         "note": f"median of {CSV_RUNS}; {size / 1e6:.0f} MB; file checks and hash alone {checks:.2f} s"},
        {"name": "catalog + Sample Pack, 200-column table (20k rows)", "value": table_median, "unit": "s",
         "target": "< 1 s", "met": table_median < 1, "note": f"median of {RUNS}, max {max(table_times):.2f} s"},
    ]  # fmt: skip


def main() -> None:
    if os.environ.get("SUPERSET_CONFIG_PATH"):
        print(json.dumps(measure()))
        return
    from tests.services import running_services

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as root, running_services(Path(root)) as services:
        env = {**os.environ, **services.env(), "SUPERSET_CONFIG_PATH": str(REPO / "superset_config.py"),
               "BENCH_EXAMPLES_DSN": services.postgres.dsn("examples")}  # fmt: skip
        subprocess.run([sys.executable, "-m", "superset_review.cli.main", "init"], env=env, check=True,
                       capture_output=True, timeout=900)  # fmt: skip
        result = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, timeout=1800,
                                check=False)  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(result.stderr[-3000:])
        print(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
