"""Drills with real worker processes (tests/migration_worker.py, started and stopped by PID): a worker killed in the
middle of a chunk, two workers on one run, a validation that fails before promotion."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from superset_review.embedded.processes import spawn, stop_process
from superset_review.migration.engine import (
    MigrationNotReadyError,
    MigrationSpec,
    prepare,
    promote,
    run_chunks,
    status,
    validate,
)
from superset_review.migration.engine.checks import run_checksum
from tests import migration_engine as m
from tests.services import REPO, Services

ROWS = 5000
BATCH = 1000
BAD_EVERY = 40
RESUME_TARGET_SECONDS = 10.0


@contextmanager
def worker(config: dict[str, Any], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A worker process on ``config``; stopped by its PID whatever happens."""
    process = spawn([sys.executable, "-m", "tests.migration_worker", json.dumps(config)], log,
                    env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)  # fmt: skip
    try:
        yield process
    finally:
        stop_process(process)


def config_for(spec: MigrationSpec, services: Services | None, worker_id: str, **extra: Any) -> dict[str, Any]:
    assert hasattr(spec.source, "path")
    return {
        "run_id": spec.run_id,
        "database_uri": m.database_uri(services) if services is not None else "",
        "source": {"parquet": str(spec.source.path)},
        "final_table": spec.target.table,
        "batch_size": spec.batch_size,
        "strategy": spec.strategy,
        "validations": list(spec.validations),
        "worker_id": worker_id,
        **extra,
    }


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def lines(log: Path, prefix: str) -> list[str]:
    text = log.read_text() if log.exists() else ""
    return [line[len(prefix) :] for line in text.splitlines() if line.startswith(prefix)]


def checkpoints(services: Services, run: str) -> list[tuple[Any, ...]]:
    return m.query(services, f'SELECT chunk_id, status, content_hash, attempts, row_count_in, row_count_out, '
                   f'lease_owner FROM staging_area."mig_{run.lower()}_checkpoints" WHERE stage = \'load\' '
                   "ORDER BY chunk_id")  # fmt: skip


def every_row_once(services: Services, spec: MigrationSpec) -> None:
    """0 duplicate and 0 missing rows: staging and quarantine together hold each source id exactly once."""
    run = spec.run_id.lower()
    staged = [row[0] for row in m.query(services, f'SELECT id FROM staging_area."mig_{run}_staging"')]
    quarantined = [row[0] for row in m.query(
        services, f"SELECT (key->>'id')::bigint FROM staging_area.\"mig_{run}_quarantine\"")]  # fmt: skip
    together = staged + quarantined
    assert len(together) == len(set(together)) == ROWS  # no duplicate, and with the set below no gap
    assert set(together) == set(range(1, ROWS + 1))


def test_a_worker_killed_mid_chunk_is_taken_over_with_no_duplicate_no_gap_and_the_same_checksum(
    services: Services, tmp_path: Path
) -> None:
    engine = m.engine(services)
    source = m.write_parquet(m.rows(ROWS, bad_every=BAD_EVERY), tmp_path)
    killed_run, clean_run = m.run_id(), m.run_id()
    spec = m.spec_for(source, engine, killed_run, batch_size=BATCH)
    reference = m.spec_for(source, engine, clean_run, batch_size=BATCH)
    prepare(spec)
    marker = tmp_path / "in-chunk-2"
    with worker(config_for(spec, services, "doomed", slow_chunk=2, slow_seconds=120, marker=str(marker)),
                tmp_path / "doomed.log") as doomed:  # fmt: skip
        wait_for(marker.exists, 120, "the worker to be inside chunk 2's transaction")
        leased = {row[0]: row for row in checkpoints(services, killed_run)}
        assert leased[2][1] == "leased" and leased[2][6] == "doomed"  # what the console sees meanwhile
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    assert doomed.returncode == -signal.SIGKILL
    # Chunk 2's rows were written in its transaction and died with it: staging has chunks 0 and 1 only.
    assert m.query(services, f'SELECT count(*) FROM staging_area."mig_{killed_run.lower()}_staging" '
                   'WHERE "__chunk_id" = 2') == [(0,)]  # fmt: skip
    log = tmp_path / "rescuer.log"
    started = time.time()
    with worker(config_for(spec, services, "rescuer"), log) as rescuer:
        wait_for(lambda: bool(lines(log, "CHUNK ")), 60, "the new worker to commit a chunk")
        first_chunk, first_at = lines(log, "CHUNK ")[0].split()
        resumed_after = float(first_at) - started
        rescuer.wait(120)
    assert rescuer.returncode == 0, log.read_text()[-2000:]
    print(f"\nDRILL resume: the new worker committed chunk {first_chunk} {resumed_after:.2f} s after it started")
    assert first_chunk == "2" and resumed_after < RESUME_TARGET_SECONDS

    prepare(reference)
    run_chunks(reference, "uninterrupted")
    killed, clean = checkpoints(services, killed_run), checkpoints(services, clean_run)
    assert [row[1] for row in killed] == ["done"] * 5
    assert [row[2] for row in killed] == [row[2] for row in clean]  # each chunk's content hash
    assert run_checksum([(r[0], r[1], r[2]) for r in killed]) == run_checksum([(r[0], r[1], r[2]) for r in clean])
    assert [row[3] for row in killed] == [1, 1, 2, 1, 1]  # chunk 2 claimed twice, committed once
    assert [row[6] for row in killed] == ["doomed", "doomed", "rescuer", "rescuer", "rescuer"]
    every_row_once(services, spec)
    assert [check["state"] for check in validate(spec)] == ["passed", "passed"]


def test_two_workers_on_one_run_never_write_a_chunk_twice(services: Services, tmp_path: Path) -> None:
    engine = m.engine(services)
    source = m.write_parquet(m.rows(ROWS, bad_every=BAD_EVERY), tmp_path)
    run = m.run_id()
    spec = m.spec_for(source, engine, run, batch_size=500)  # 10 chunks
    prepare(spec)
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with (
        worker(config_for(spec, services, "one", commit_delay=0.3), logs[0]) as one,
        worker(config_for(spec, services, "two", commit_delay=0.3), logs[1]) as two,
    ):
        one.wait(180)
        two.wait(180)
    assert one.returncode == two.returncode == 0, logs[0].read_text()[-2000:] + logs[1].read_text()[-2000:]
    summaries = [json.loads(lines(log, "SUMMARY ")[0]) for log in logs]
    written = [set(summary["chunks_written"]) for summary in summaries]
    print(f"\nDRILL two workers: {sorted(written[0])} and {sorted(written[1])}")
    assert not written[0] & written[1] and written[0] | written[1] == set(range(10))
    assert all(written), "both workers took chunks"
    rows = checkpoints(services, run)
    assert [row[3] for row in rows] == [1] * 10  # every chunk claimed once
    assert sum(row[5] for row in rows) + status(spec)["quarantined"] == ROWS
    assert sum(summary["rows_in"] for summary in summaries) == ROWS
    every_row_once(services, spec)


def test_a_failing_validation_promotes_nothing_and_leaves_the_final_table_untouched(
    services: Services, tmp_path: Path
) -> None:
    engine = m.engine(services)
    run = m.run_id()
    spec = m.spec_for(m.write_parquet(m.rows(ROWS, bad_every=BAD_EVERY), tmp_path), engine, run,
                      batch_size=BATCH, validations=("row_count", "checksum", "fk_check"))  # fmt: skip
    regions = f'staging_area."regions_{run.lower()}"'
    final = f'staging_area."{spec.target.table}"'
    m_execute(services, f"CREATE SCHEMA IF NOT EXISTS staging_area; CREATE TABLE {regions} (name text PRIMARY KEY);"
              f" INSERT INTO {regions} VALUES ('north'), (''); CREATE TABLE {final} (id bigint PRIMARY KEY, region "
              f"text REFERENCES {regions} (name)); INSERT INTO {final} VALUES (1, 'north')")  # fmt: skip
    prepare(spec)
    log = tmp_path / "worker.log"
    with worker(config_for(spec, services, "w"), log) as process:
        process.wait(120)
    assert process.returncode == 0, log.read_text()[-2000:]
    results = {result["check"]: result for result in validate(spec)}
    assert results["fk_check"]["state"] == "failed" and results["fk_check"]["detail"][0]["orphans"] > 0
    assert results["row_count"]["state"] == results["checksum"]["state"] == "passed"
    with pytest.raises(MigrationNotReadyError):
        promote(spec)
    assert m.query(services, f"SELECT id, region FROM {final}") == [(1, "north")]
    assert status(spec)["quarantined"] == ROWS // BAD_EVERY and not status(spec)["promoted"]


def m_execute(services: Services, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(services.postgres.dsn(m.DATABASE))
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.commit()
    finally:
        connection.close()


def test_postgresql_restarted_mid_run_stops_the_worker_with_the_reason_and_a_new_one_finishes(
    tmp_path: Path,
) -> None:
    """Its own PostgreSQL (the suite's stays up): stopped while a worker runs, started again."""
    from superset_review.embedded.postgres import start_postgres

    pgdata = tmp_path / "pg"
    postgres = start_postgres(pgdata)
    try:
        postgres.ensure_database(m.DATABASE)
        uri = postgres.uri(m.DATABASE)
        engine = m.create_engine(uri, pool_pre_ping=True)
        run = m.run_id()
        spec = m.spec_for(m.write_parquet(m.rows(ROWS, bad_every=BAD_EVERY), tmp_path), engine, run, batch_size=500)
        prepare(spec)
        config = {**config_for(spec, None, "first", commit_delay=0.4), "database_uri": uri}
        log = tmp_path / "first.log"
        with worker(config, log) as first:
            wait_for(lambda: len(lines(log, "CHUNK ")) >= 2, 60, "two chunks committed")
            postgres.stop()
            first.wait(60)
        assert first.returncode != 0
        reason = log.read_text()
        assert "OperationalError" in reason or "MigrationChunkError" in reason, reason[-2000:]
        committed = {int(line.split()[0]) for line in lines(log, "CHUNK ")}
        postgres = start_postgres(pgdata)
        engine.dispose()
        done = [row[0] for row in m.query_uri(uri, f'SELECT chunk_id FROM staging_area."mig_{run.lower()}_checkpoints" '
                                               "WHERE stage = 'load' AND status = 'done'")]  # fmt: skip
        assert committed <= set(done)  # what the worker said it committed is there; nothing else half-written:
        staged = m.query_uri(uri, f'SELECT DISTINCT "__chunk_id" FROM staging_area."mig_{run.lower()}_staging"')
        assert {row[0] for row in staged} <= set(done)
        log = tmp_path / "second.log"
        with worker({**config, "worker_id": "second", "commit_delay": 0}, log) as second:
            second.wait(120)
        assert second.returncode == 0, log.read_text()[-2000:]
        assert [check["state"] for check in validate(spec)] == ["passed", "passed"]
        assert status(spec)["chunks_done"] == 10
    finally:
        postgres.stop()
