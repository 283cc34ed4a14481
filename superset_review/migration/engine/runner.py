"""Preparing a run and running its chunks, exactly once.

A chunk runs in ONE transaction on the target:

1. ``pg_try_advisory_xact_lock(run, chunk)``: held until the transaction ends, so a killed worker's lock dies with
   its connection (PostgreSQL ends the session when the socket closes; ``client_connection_check_interval`` makes
   it notice during a long statement too). A chunk whose lock is taken is another live worker's: skipped, and
   retried later (a worker that dies leaves its chunk claimable at once, whatever its lease says);
2. the checkpoint read after the lock: a chunk already ``done`` is skipped (its commit released the lock, so it is
   visible once the lock is ours);
3. the lease written on a second, autocommit connection (``status`` leased, ``lease_owner``,
   ``lease_expires_at``, ``attempts`` + 1): what others and the console see while the chunk runs;
4. the rows: ELT one ``INSERT … SELECT`` of the DSL's SQL over the chunk's source rows, its ``RETURNING`` rows
   streamed back (``COPY (…) TO STDOUT``) for the hash; ETL the chunk read into Polars, the DSL's Polars stages and
   ``COPY``. On a chunk's first attempt the rows go straight in (none of its rows can be in staging: they commit
   only with its checkpoint); on a retry or a takeover, ELT's INSERT becomes ``ON CONFLICT (key) DO UPDATE`` and
   ETL COPYs into a temporary table merged ``ON CONFLICT``, so the chunk's write is idempotent whatever happened
   before. Rows with a ``__reason`` (a failed transform) go to quarantine instead, masked;
5. the checkpoint row ``done`` with the content hash of the rows written (:mod:`.contenthash`) and the row
   counts; then COMMIT: the rows, the quarantine and the checkpoint or nothing.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.migration.engine import chunks as chunking
from superset_review.migration.engine import contenthash, quarantine, sqltext
from superset_review.migration.engine.spec import (
    CHUNK_COLUMN,
    STAGE_LOAD,
    STAGE_PREPARE,
    STAGE_PROMOTE,
    FileSource,
    MigrationChunkError,
    MigrationNotReadyError,
    MigrationSpec,
    MigrationSpecChangedError,
    TableSource,
)

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

MAX_ATTEMPTS = 3  # a chunk that failed this often is left failed (its reason in next_action) for a person to see
BUSY_POLL_SECONDS = 0.5  # how often a worker whose remaining chunks are all in others' hands looks again
CONNECTION_CHECK_MS = 1000  # client_connection_check_interval: a dead client's statement is cancelled within this
CHUNK_SOURCE = "__chunk_source"
CHUNK_TEMP = "__chunk_rows"


@dataclass
class RunSummary:
    worker_id: str
    written: list[int] = field(default_factory=list)  # chunks this worker committed
    skipped: int = 0  # chunks found done (or in another worker's hands) when claimed
    rows_in: int = 0
    rows_out: int = 0
    quarantined: int = 0
    stopped: bool = False  # should_stop ended the loop
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "worker_id": self.worker_id,
            "chunks_written": list(self.written),
            "skipped": self.skipped,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "quarantined": self.quarantined,
            "stopped": self.stopped,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class ChunkResult:
    chunk_id: int
    rows_in: int
    rows_out: int
    quarantined: int
    content_hash: str
    seconds: float


# --- SQL of a chunk ----------------------------------------------------------------------------------------------


def _tables(spec: MigrationSpec) -> tuple[sqltext.Fragment, sqltext.Fragment, sqltext.Fragment]:
    names = spec.names
    schema = spec.target.schema
    return (sqltext.table(schema, names.staging), sqltext.table(schema, names.checkpoints),
            sqltext.table(schema, names.quarantine))  # fmt: skip


def _ok_condition(spec: MigrationSpec, qualifier: str) -> sqltext.Fragment:
    reasons = spec.execution.reasons
    return sqltext.join(" AND ", [sqltext.sql("{} IS NULL", sqltext.qualified(qualifier, r)) for r in reasons])


def elt_sql(spec: MigrationSpec, chunk_id: int, bounds: dict[str, Any], merge: bool = False) -> sqltext.Fragment:
    """The chunk's one statement: the DSL's SELECT over the chunk's source rows inserted into staging (merged
    ``ON CONFLICT`` on a retry), the rows written streamed back to the worker for the content hash."""
    from superset_review.transform_dsl import compile_sql

    execution = spec.execution
    staging, _, _ = _tables(spec)
    transform = sqltext.rendered_dsl(compile_sql(execution.plan, "postgres", CHUNK_SOURCE))
    columns = sqltext.join(", ", [sqltext.qualified("t", name) for name in execution.column_names])
    select = sqltext.sql(
        'WITH {} AS ({}) SELECT {}, {} FROM ({}) AS "t" WHERE {}',
        sqltext.ident(CHUNK_SOURCE), chunking.chunk_source_sql(spec, bounds), columns, sqltext.literal(int(chunk_id)),
        transform, _ok_condition(spec, "t"),
    )  # fmt: skip
    insert = sqltext.insert_sql(staging, execution.column_names, execution.keys, select, merge, returning=True)
    return sqltext.copy_out(insert)


def etl_merge_sql(spec: MigrationSpec) -> sqltext.Fragment:
    """A retried ETL chunk's merge from its COPYed temporary table."""
    execution = spec.execution
    staging, _, _ = _tables(spec)
    columns = sqltext.column_list([*execution.column_names, CHUNK_COLUMN])
    select = sqltext.sql("SELECT {} FROM {}", columns, sqltext.ident(CHUNK_TEMP))
    return sqltext.insert_sql(staging, execution.column_names, execution.keys, select, merge=True, returning=False)


# --- reading and transforming a chunk (ETL) ----------------------------------------------------------------------


def read_chunk(spec: MigrationSpec, bounds: dict[str, Any]) -> pl.DataFrame:
    """The chunk's source rows, the plan's input columns typed as its schema says."""
    from superset_review.transform_dsl.polars import DTYPES

    execution = spec.execution
    wanted = list(execution.inputs) + ([execution.surrogate] if execution.surrogate else [])
    if isinstance(spec.source, FileSource):
        frame = chunking.file_frame(spec).select(wanted).filter(chunking.polars_filter(bounds, execution)).collect()
    else:
        assert isinstance(spec.source, TableSource)
        with spec.source.engine.connect() as connection:
            frame = pl.read_database(chunking.chunk_source_sql(spec, bounds).text, connection)
    schema = dict(execution.plan.schema)
    casts = [pl.col(name).cast(DTYPES[schema[name]]) for name in wanted if frame.schema[name] != DTYPES[schema[name]]]  # type: ignore[index]
    return frame.with_columns(casts) if casts else frame


def transform(spec: MigrationSpec, frame: pl.DataFrame) -> pl.DataFrame:
    from superset_review.transform_dsl import polars_stages

    lazy = frame.lazy()
    for level in polars_stages(spec.execution.plan):
        lazy = lazy.select(level)
    return lazy.collect()


def failed_mask(spec: MigrationSpec) -> pl.Expr:
    return pl.any_horizontal([pl.col(reason).is_not_null() for reason in spec.execution.reasons])


# --- one chunk ---------------------------------------------------------------------------------------------------


def _hash(spec: MigrationSpec, frame: pl.DataFrame) -> str:
    return contenthash.frame_hash(frame, spec.execution.columns, spec.execution.keys)


def _write_etl(
    cursor: Any, spec: MigrationSpec, chunk_id: int, bounds: dict[str, Any], first: bool
) -> tuple[int, int, int, str]:
    """ETL: the chunk transformed in Polars; on its first attempt COPYed straight into staging (as fast as a
    hand-written load), on a retry COPYed into a temporary table and merged ``ON CONFLICT``."""
    execution = spec.execution
    frame = read_chunk(spec, bounds)
    out = transform(spec, frame)
    bad = out.select(failed_mask(spec)).to_series()
    good = out.filter(~bad).select(list(execution.column_names))
    staging, _, _ = _tables(spec)
    buffer = io.BytesIO()
    good.with_columns(pl.lit(chunk_id, dtype=pl.Int32).alias(CHUNK_COLUMN)).write_csv(
        buffer, include_header=False, quote_style="non_numeric"
    )  # NULL an empty unquoted field, '' quoted: PostgreSQL's CSV convention
    buffer.seek(0)
    columns = sqltext.column_list([*execution.column_names, CHUNK_COLUMN])
    # The hash is computed in a thread while PostgreSQL reads the COPY (Polars and libpq let go of the GIL).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="migration-hash") as pool:
        content_hash = pool.submit(_hash, spec, good)
        if first:
            copy = sqltext.sql("COPY {} ({}) FROM STDIN WITH (FORMAT csv)", staging, columns)
            cursor.copy_expert(copy.text, buffer)
            rows_out = good.height
        else:
            temp = sqltext.ident(CHUNK_TEMP)
            sqltext.execute(cursor, sqltext.sql("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP", temp, staging))
            cursor.copy_expert(sqltext.sql("COPY {} ({}) FROM STDIN WITH (FORMAT csv)", temp, columns).text, buffer)
            sqltext.execute(cursor, etl_merge_sql(spec))
            rows_out = int(cursor.rowcount)
        failed = int(bad.sum())
        if failed:
            quarantine.insert(cursor, spec, quarantine.records(spec, chunk_id, frame.filter(bad), out.filter(bad)))
        return frame.height, rows_out, failed, content_hash.result()


def _write_elt(
    cursor: Any, spec: MigrationSpec, chunk_id: int, bounds: dict[str, Any], first: bool
) -> tuple[int, int, int, str]:
    buffer = io.BytesIO()
    cursor.copy_expert(elt_sql(spec, chunk_id, bounds, merge=not first).text, buffer)
    written = contenthash.read_pg_csv(buffer.getvalue(), spec.execution.columns)
    rows_out = written.height
    rows_in = int(bounds["rows"])
    failed = 0
    if rows_in > rows_out:
        # Rows the SQL left out: the same plan in Polars names them (the DSL's generators agree row for row,
        # issue 14's equivalence tests), read only when some failed.
        frame = read_chunk(spec, bounds)
        out = transform(spec, frame)
        bad = out.select(failed_mask(spec)).to_series()
        failed = int(bad.sum())
        quarantine.insert(cursor, spec, quarantine.records(spec, chunk_id, frame.filter(bad), out.filter(bad)))
    return rows_in, rows_out, failed, _hash(spec, written)


class _Connections:
    """The chunk's transaction (``work``) and the autocommit connection for leases and failures (``side``)."""

    def __init__(self, spec: MigrationSpec) -> None:
        # Pooled connections: each one's mode set here and put back on close (an autocommit work connection
        # would commit every statement and let go of the chunk's lock at once).
        self.work = spec.target.engine.raw_connection()
        self.work.driver_connection.autocommit = False  # type: ignore[union-attr]
        self.side = spec.target.engine.raw_connection()
        self.side.driver_connection.autocommit = True  # type: ignore[union-attr]

    def close(self) -> None:
        for connection in (self.work, self.side):
            # A connection the server dropped (a restart) can neither roll back nor change mode: it is closed
            # anyway, and the error that ended the run is the one the caller sees.
            with contextlib.suppress(Exception):
                connection.rollback()
                connection.driver_connection.autocommit = False  # type: ignore[union-attr]
            with contextlib.suppress(Exception):
                connection.close()


def _side(connections: _Connections, statement: sqltext.Fragment, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    cursor = connections.side.cursor()
    try:
        sqltext.execute(cursor, statement, params)
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        cursor.close()


def run_one(
    spec: MigrationSpec,
    connections: _Connections,
    worker_id: str,
    chunk_id: int,
    before_commit: Callable[[int], None] | None = None,
) -> ChunkResult | str:
    """One chunk's transaction: the result, or ``"busy"`` (another worker holds it) or ``"done"`` (already)."""
    _, checkpoints, _ = _tables(spec)
    started = time.monotonic()
    work = connections.work
    cursor = work.cursor()
    try:
        sqltext.set_deterministic(cursor)
        cursor.execute("SELECT set_config('client_connection_check_interval', %s, true)", (str(CONNECTION_CHECK_MS),))
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (spec.names.lock_key, chunk_id))
        if not cursor.fetchone()[0]:
            work.rollback()
            return "busy"
        claim = sqltext.sql(
            "SELECT status, bounds, attempts FROM {} WHERE run_id = %s AND stage = %s AND chunk_id = %s", checkpoints
        )
        sqltext.execute(cursor, claim, (spec.run_id, STAGE_LOAD, chunk_id))
        row = cursor.fetchone()
        if row is None or row[0] == "done":
            work.rollback()
            return "done"
        bounds, first = row[1], row[2] == 0
        lease = sqltext.sql(
            "UPDATE {} SET status = 'leased', lease_owner = %s, lease_expires_at = now() + make_interval(secs => %s), "
            "attempts = attempts + 1, started_at = now(), next_action = NULL WHERE run_id = %s AND stage = %s AND "
            "chunk_id = %s", checkpoints)  # fmt: skip
        _side(connections, lease, (worker_id, spec.lease_seconds, spec.run_id, STAGE_LOAD, chunk_id))
        write = _write_elt if spec.strategy == "elt" else _write_etl
        rows_in, rows_out, failed, content_hash = write(cursor, spec, chunk_id, bounds, first)
        counted = rows_in == rows_out + failed
        validations = {"row_count": {"state": "passed" if counted else "failed", "in": rows_in, "out": rows_out,
                                     "quarantined": failed}}  # fmt: skip
        sqltext.execute(
            cursor,
            sqltext.sql("UPDATE {} SET status = 'done', content_hash = %s, finished_at = clock_timestamp(), "
                        "row_count_in = %s, row_count_out = %s, validations = %s::jsonb, lease_expires_at = NULL, "
                        "next_action = %s WHERE run_id = %s AND stage = %s AND chunk_id = %s", checkpoints),
            (content_hash, rows_in, rows_out, sqltext.dumps(validations),
             None if counted else "the source changed since prepare: prepare the run again",
             spec.run_id, STAGE_LOAD, chunk_id),
        )  # fmt: skip
        if before_commit is not None:
            before_commit(chunk_id)  # a test hook (the drills make a chunk slow here, inside its transaction)
        work.commit()
        return ChunkResult(chunk_id, rows_in, rows_out, failed, content_hash, time.monotonic() - started)
    except Exception as error:
        # The connection may be what broke: the rollback is best effort, and so is recording the failure (when the
        # target is gone, the chunk stays leased; its lock went with the session, so the next worker takes it).
        with contextlib.suppress(Exception):
            work.rollback()
        reason = f"retry: {type(error).__name__}: {str(error).strip().splitlines()[0][:300] if str(error) else ''}"
        with contextlib.suppress(Exception):
            _side(connections, sqltext.sql(
                "UPDATE {} SET status = 'failed', next_action = %s, lease_owner = NULL, lease_expires_at = NULL "
                "WHERE run_id = %s AND stage = %s AND chunk_id = %s", checkpoints),
                (reason, spec.run_id, STAGE_LOAD, chunk_id))  # fmt: skip
        if isinstance(error, MigrationChunkError):
            raise
        raise MigrationChunkError(Text("chunk %(chunk)d failed: %(reason)s", chunk=chunk_id, reason=reason),
                                  details={"chunk_id": chunk_id}) from error  # fmt: skip
    finally:
        cursor.close()


def run_chunks(
    spec: MigrationSpec,
    worker_id: str,
    progress: Callable[[ChunkResult], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    before_commit: Callable[[int], None] | None = None,
) -> RunSummary:
    """Claim and run the run's chunks that are not done until none is left; returns what this worker did.

    Chunks in another live worker's hands are waited for (polled), so that this worker takes one over the moment
    its worker dies. ``should_stop`` is asked between chunks (a cancel). ``before_commit`` is a test hook."""
    _check_prepared(spec)
    summary = RunSummary(worker_id=worker_id)
    started = time.monotonic()
    _, checkpoints, _ = _tables(spec)
    connections = _Connections(spec)
    try:
        while True:
            pending = _side(connections, sqltext.sql(
                "SELECT chunk_id FROM {} WHERE run_id = %s AND stage = %s AND status <> 'done' "
                "AND NOT (status = 'failed' AND attempts >= %s) ORDER BY chunk_id", checkpoints),
                (spec.run_id, STAGE_LOAD, MAX_ATTEMPTS))  # fmt: skip
            if not pending:
                break
            wrote = busy = False
            for (chunk_id,) in pending:
                if should_stop is not None and should_stop():
                    summary.stopped = True
                    return summary
                outcome = run_one(spec, connections, worker_id, chunk_id, before_commit)
                if isinstance(outcome, ChunkResult):
                    wrote = True
                    summary.written.append(chunk_id)
                    summary.rows_in += outcome.rows_in
                    summary.rows_out += outcome.rows_out
                    summary.quarantined += outcome.quarantined
                    if progress is not None:
                        progress(outcome)
                else:
                    summary.skipped += 1
                    busy = busy or outcome == "busy"
            if not wrote and busy:
                if should_stop is not None and should_stop():
                    summary.stopped = True
                    return summary
                time.sleep(BUSY_POLL_SECONDS)
        return summary
    finally:
        summary.seconds = time.monotonic() - started
        connections.close()


# --- prepare -----------------------------------------------------------------------------------------------------


def _plan(spec: MigrationSpec, cut: list[dict[str, Any]]) -> dict[str, Any]:
    from superset_review.transform_dsl import polars_source

    names = spec.names
    execution = spec.execution
    listed: list[dict[str, Any]] = [{"chunk_id": index, "bounds": bounds} for index, bounds in enumerate(cut)]
    if spec.strategy == "elt":
        for index, entry in enumerate(listed):
            entry["sql"] = elt_sql(spec, index, cut[index]).text
    plan: dict[str, Any] = {
        "run_id": spec.run_id,
        "strategy": spec.strategy,
        "chunking": "hash" if execution.hashed else "range",
        "key": {"strategy": spec.key_strategy, "columns": list(spec.key_columns)},
        "batch_size": spec.batch_size,
        "estimated_chunks": len(cut),
        "rows": sum(int(bounds["rows"]) for bounds in cut),
        "staging_table": names.staging,
        "checkpoint_table": names.checkpoints,
        "quarantine_table": names.quarantine,
        "final_table": spec.target.table,
        "schema": spec.target.schema,
        "columns": [{"name": name, "type": logical} for name, logical in execution.columns],
        "chunks": listed,
    }
    if spec.strategy == "etl":
        plan["polars"] = polars_source(execution.plan)
    return plan


def dry_run(spec: MigrationSpec) -> dict[str, Any]:
    """The plan (chunks, SQL per chunk for ELT or the Polars text for ETL) without touching the target."""
    return _plan(spec, chunking.cut(spec))


def prepare(spec: MigrationSpec) -> dict[str, Any]:
    """Create the run's staging, checkpoint and quarantine tables in the target (idempotent) and cut its chunks
    once: a second prepare returns the same plan; a prepare with another plan, key or batch size is refused."""
    from psycopg2.extras import execute_values

    staging, checkpoints, _ = _tables(spec)
    names = spec.names
    execution = spec.execution
    schema = spec.target.schema
    q, run = sqltext.sql, sqltext.execute
    connection = spec.target.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_advisory_xact_lock(%s, -1)", (names.lock_key,))
        run(cursor, q("CREATE SCHEMA IF NOT EXISTS {}", sqltext.ident(schema)))
        run(cursor, sqltext.checkpoints_ddl(schema, names.checkpoints))
        run(cursor, sqltext.quarantine_ddl(schema, names.quarantine))
        run(cursor, q("SELECT validations FROM {} WHERE run_id = %s AND stage = %s AND chunk_id = 0", checkpoints),
            (spec.run_id, STAGE_PREPARE))  # fmt: skip
        found = cursor.fetchone()
        run(cursor, q("SELECT 1 FROM {} WHERE run_id = %s AND stage = %s AND status = 'done'", checkpoints),
            (spec.run_id, STAGE_PROMOTE))  # fmt: skip
        promoted = cursor.fetchone() is not None
        if not promoted:
            run(cursor, sqltext.staging_ddl(schema, names.staging, execution.columns, execution.keys))
            run(cursor, q("CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({})", sqltext.ident(names.key_index), staging,
                          sqltext.column_list(execution.keys)))  # fmt: skip
        if found is not None:
            if found[0].get("fingerprint") != spec.fingerprint:
                raise MigrationSpecChangedError(Text("the run was prepared with another plan, key or batch size"))
            run(cursor, q("SELECT bounds FROM {} WHERE run_id = %s AND stage = %s ORDER BY chunk_id", checkpoints),
                (spec.run_id, STAGE_LOAD))  # fmt: skip
            cut = [row[0] for row in cursor.fetchall()]
        else:
            cut = chunking.cut(spec)
            insert = q("INSERT INTO {} (run_id, stage, chunk_id, bounds, row_count_in) VALUES %s", checkpoints)
            execute_values(cursor, insert.text, [(spec.run_id, STAGE_LOAD, index, sqltext.dumps(bounds), bounds["rows"])
                                                 for index, bounds in enumerate(cut)],
                           template="(%s, %s, %s, %s::jsonb, %s)")  # fmt: skip
            meta = {"fingerprint": spec.fingerprint, "strategy": spec.strategy, "chunks": len(cut)}
            if isinstance(spec.source, FileSource) and execution.hashed:
                meta["hash"] = chunking.polars_hash_version()  # a file's key-hash chunks are Polars' hash
            run(cursor, q("INSERT INTO {} (run_id, stage, chunk_id, status, validations, started_at, finished_at) "
                          "VALUES (%s, %s, 0, 'done', %s::jsonb, now(), now())", checkpoints),
                (spec.run_id, STAGE_PREPARE, sqltext.dumps(meta)))  # fmt: skip
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    return _plan(spec, cut)


def _check_prepared(spec: MigrationSpec) -> None:
    _, checkpoints, _ = _tables(spec)
    connection = spec.target.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT to_regclass(%s)", (checkpoints.text,))
        if cursor.fetchone()[0] is None:
            raise MigrationNotReadyError(Text("the run is not prepared"))
        sqltext.execute(cursor, sqltext.sql("SELECT validations FROM {} WHERE run_id = %s AND stage = %s AND "
                                            "chunk_id = 0", checkpoints), (spec.run_id, STAGE_PREPARE))  # fmt: skip
        row = cursor.fetchone()
        if row is None:
            raise MigrationNotReadyError(Text("the run is not prepared"))
        if row[0].get("fingerprint") != spec.fingerprint:
            raise MigrationSpecChangedError(Text("the run was prepared with another plan, key or batch size"))
        if "hash" in row[0] and row[0]["hash"] != chunking.polars_hash_version():
            raise MigrationSpecChangedError(Text("the run's chunks were cut by another Polars version"))
    finally:
        connection.rollback()
        connection.close()
