"""The migration engine against the same load written by hand (issue 15), on the same 1M rows, side by side:

- ETL: the engine (Polars in the worker, COPY into a temporary table, ``INSERT … ON CONFLICT`` merge, a content
  hash and a checkpoint per chunk, 10 chunks of 100k rows, one worker) vs a hand-written Polars → COPY pipeline
  doing the same transforms (the Parquet file read once, the same 100k-row batches COPYed straight into a table
  with the same primary key, a commit per batch); target >= 0.8x its throughput;
- ELT: the engine (one ``INSERT … SELECT`` of the DSL's SQL per chunk, same chunks, its rows streamed back for the
  hash) vs one hand-written ``INSERT … SELECT`` of the same SELECT into a table with the same primary key, in one
  statement; target >= 0.9x.

Both sides are checked to write the same rows (``EXCEPT ALL``) before the figures count. Runs alternate, engine
and hand written, ``RUNS`` times; the figure is the ratio of the medians. The database is ``BENCH_EXAMPLES_DSN``
(bench/run.py passes the embedded one); PostgreSQL shares the machine's 2 cores with the worker, so both sides'
figures include its competition for them.

``python bench/migration.py`` prints the rows (last line JSON) for bench/run.py.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
import psycopg2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine  # noqa: E402

from superset_review.migration.engine import (  # noqa: E402
    FileSource,
    MigrationSpec,
    TableSource,
    Target,
    prepare,
    run_chunks,
)
from superset_review.transform_dsl import DSL_VERSION, compile_sql, parse_plan  # noqa: E402
from superset_review.transform_dsl.semantics import conversion  # noqa: E402

ROWS = int(os.environ.get("BENCH_MIGRATION_ROWS", "1000000"))
BATCH = int(os.environ.get("BENCH_MIGRATION_BATCH", "100000"))
RUNS = int(os.environ.get("BENCH_MIGRATION_RUNS", "3"))
SCHEMA_NAME = "bench_migration"
ETL_TARGET, ELT_TARGET = 0.8, 0.9
SCHEMA = {"id": "integer", "name": "string", "email": "string", "qty": "string", "day": "string",
          "weight": "float", "region": "string"}  # fmt: skip
PLAN = {"dsl_version": DSL_VERSION, "pipelines": [
    {"target": "id", "source": "id", "ops": []},
    {"target": "name_clean", "source": "name", "ops": [{"op": "trim"}, {"op": "case", "to": "upper"}]},
    {"target": "email", "source": "email", "ops": [{"op": "trim"}]},
    {"target": "qty_n", "source": "qty", "ops": [{"op": "type_cast", "to": "integer"}]},
    {"target": "day_d", "source": "day", "ops": [{"op": "date_parse", "format": "%d/%m/%Y"}]},
    {"target": "weight_lb", "source": "weight", "ops": [{"op": "unit_convert", "from": "kg", "to": "lb"}]},
    {"target": "region", "source": "region", "ops": []},
]}  # fmt: skip
COLUMNS = "id, name_clean, email, qty_n, day_d, weight_lb, region"
TABLE_DDL = ("(id bigint PRIMARY KEY, name_clean text, email text, qty_n bigint, day_d date, "
             "weight_lb double precision, region text)")  # fmt: skip
KG_TO_LB = conversion("kg", "lb")[0]


def source_frame(count: int) -> pl.DataFrame:
    ids = pl.int_range(1, count + 1, eager=True, dtype=pl.Int64).alias("id")
    third = ids % 3
    return pl.DataFrame(ids).with_columns(
        pl.format("  person {} ", pl.col("id")).alias("name"),
        pl.format("user{}@example.com", pl.col("id")).alias("email"),
        (pl.col("id") % 97).cast(pl.String).alias("qty"),
        (pl.date(2020, 1, 1) + pl.duration(days=pl.col("id") % 900)).dt.strftime("%d/%m/%Y").alias("day"),
        (pl.col("id") / 7).alias("weight"),
        pl.when(pl.col("id") % 11 == 0).then(None)
        .when(pl.lit(third) == 0).then(pl.lit(""))
        .when(pl.lit(third) == 1).then(pl.lit("north"))
        .otherwise(pl.lit("south")).alias("region"),
    )  # fmt: skip


def by_hand_polars(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("id"),
        pl.col("name").str.strip_chars(" \t\n\r").str.to_uppercase().alias("name_clean"),
        pl.col("email").str.strip_chars(" \t\n\r"),
        pl.col("qty").cast(pl.Int64, strict=False).alias("qty_n"),
        pl.col("day").str.strptime(pl.Date, "%d/%m/%Y", strict=False).alias("day_d"),
        (pl.col("weight") * KG_TO_LB).alias("weight_lb"),
        pl.col("region"),
    )


def hand_etl(dsn: str, path: Path, table: str) -> None:
    """Polars → COPY by hand: the file read once, each batch transformed and COPYed, a commit per batch."""
    connection = psycopg2.connect(dsn)
    try:
        cursor = connection.cursor()
        frame = pl.read_parquet(path)
        for batch in frame.iter_slices(BATCH):
            buffer = io.BytesIO()
            by_hand_polars(batch).write_csv(buffer, include_header=False, quote_style="non_numeric")
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({COLUMNS}) FROM STDIN WITH (FORMAT csv)", buffer)
            connection.commit()
    finally:
        connection.close()


def hand_elt(dsn: str, table: str, select: str) -> None:
    connection = psycopg2.connect(dsn)
    try:
        connection.cursor().execute(f"INSERT INTO {table} ({COLUMNS}) {select}")
        connection.commit()
    finally:
        connection.close()


def execute(dsn: str, sql: str) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        connection.close()


def run_id() -> str:
    return "".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(26))


def ratio_row(name: str, engine: list[float], by_hand: list[float], target: float, note: str) -> dict[str, Any]:
    ratio = statistics.median(by_hand) / statistics.median(engine)
    return {
        "name": name,
        "value": ratio,
        "unit": "x",
        "target": f">= {target}x",
        "met": ratio >= target,
        "note": f"{note}; medians of {RUNS}: engine {statistics.median(engine):.2f} s "
        f"({ROWS / statistics.median(engine):,.0f} rows/s), by hand {statistics.median(by_hand):.2f} s "
        f"({ROWS / statistics.median(by_hand):,.0f} rows/s); shared 2-core machine",
    }


def bench(dsn: str) -> list[dict[str, Any]]:
    engine = create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(dsn))
    plan = parse_plan(PLAN, SCHEMA)
    frame = source_frame(ROWS)
    execute(dsn, f"DROP SCHEMA IF EXISTS {SCHEMA_NAME} CASCADE; CREATE SCHEMA {SCHEMA_NAME}; "
            f"CREATE TABLE {SCHEMA_NAME}.source (id bigint PRIMARY KEY, name text, email text, qty text, day text, "
            "weight double precision, region text)")  # fmt: skip
    connection = psycopg2.connect(dsn)
    try:
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, quote_style="non_numeric")
        buffer.seek(0)
        connection.cursor().copy_expert(f"COPY {SCHEMA_NAME}.source FROM STDIN WITH (FORMAT csv)", buffer)
        connection.cursor().execute(f"ANALYZE {SCHEMA_NAME}.source")
        connection.commit()
    finally:
        connection.close()
    times: dict[str, list[float]] = {"etl": [], "hand_etl": [], "elt": [], "hand_elt": []}
    # The hand-written ELT runs the DSL's own SELECT (issue 14 measured it against hand-written SQL): what differs
    # is the engine's part, chunks, checkpoints, hashes and the rows streamed back.
    reasons = " AND ".join(f'"{p.reason_column}" IS NULL' for p in plan.pipelines)
    generated = compile_sql(plan, "postgres", SCHEMA_NAME + ".source")
    elt_select = f"SELECT {COLUMNS} FROM ({generated}) AS t WHERE {reasons}"  # noqa: S608 - this file's constants
    prepares: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-migration-") as directory:
        path = Path(directory) / "source.parquet"
        frame.write_parquet(path)
        last: dict[str, str] = {}
        for number in range(RUNS):
            for side in ("etl", "hand_etl", "elt", "hand_elt"):
                if side in last:  # the run before's table: not needed any more (1M rows each)
                    execute(dsn, f"DROP TABLE {last[side]}")
                if side.startswith("hand"):
                    last[side] = f"{SCHEMA_NAME}.{side}_{number}"
                    execute(dsn, f"CREATE TABLE {last[side]} {TABLE_DDL}")
                    started = time.perf_counter()
                    hand_etl(dsn, path, last[side]) if side == "hand_etl" else hand_elt(dsn, last[side], elt_select)
                    times[side].append(time.perf_counter() - started)
                    continue
                source = FileSource(path, "parquet") if side == "etl" else TableSource(engine, SCHEMA_NAME, "source")
                spec = MigrationSpec(
                    run_id=run_id(),
                    source=source,
                    target=Target(engine, SCHEMA_NAME, side),
                    plan=plan,
                    key_columns=("id",),
                    batch_size=BATCH,
                    strategy=side,
                )  # type: ignore[arg-type]
                started = time.perf_counter()
                prepare(spec)
                prepares.append(time.perf_counter() - started)
                started = time.perf_counter()
                summary = run_chunks(spec, "bench")
                times[side].append(time.perf_counter() - started)
                assert summary.rows_out == ROWS, summary.to_dict()
                last[side] = f"{SCHEMA_NAME}.mig_{spec.run_id.lower()}_staging"
        for side in ("etl", "elt"):
            both = f"SELECT {COLUMNS} FROM {last[side]} EXCEPT ALL SELECT {COLUMNS} FROM {last['hand_' + side]}"  # noqa: S608
            different = execute(dsn, f"SELECT count(*) FROM ({both}) AS d")  # noqa: S608 - this file's names
            assert different == [(0,)], f"the engine's {side} and the hand-written load disagree: {different}"
    execute(dsn, f"DROP SCHEMA IF EXISTS {SCHEMA_NAME} CASCADE")
    note = (f"{ROWS:,} rows, {ROWS // BATCH} chunks of {BATCH:,}, same rows checked (EXCEPT ALL); prepare "
            f"(cutting the chunks) {statistics.median(prepares):.2f} s, not counted")  # fmt: skip
    return [
        ratio_row("Migration ETL vs hand-written Polars -> COPY", times["etl"], times["hand_etl"], ETL_TARGET, note),
        ratio_row("Migration ELT vs hand-written INSERT ... SELECT", times["elt"], times["hand_elt"], ELT_TARGET, note),
    ]


if __name__ == "__main__":
    dsn = os.environ.get("BENCH_EXAMPLES_DSN")
    if not dsn:
        raise SystemExit("BENCH_EXAMPLES_DSN names the database to measure on (bench/run.py passes it)")
    measured = bench(dsn)
    for row in measured:
        print(f"{row['name']}: {row['value']:.3f}x ({row['note']})")
    print(json.dumps(measured))
