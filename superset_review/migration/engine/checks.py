"""The strategy choice, the validations, promotion and rollback, and a run's status.

Promotion is a swap in one transaction: the final table (if any) renamed to the run's kept previous table, staging
renamed to the final name (its bookkeeping column ``__chunk_id`` dropped first: a catalog change, no rewrite), and
the promotion recorded as a checkpoint row (stage ``promote``) in the same transaction. Nothing is ever copied, so a
reader sees the old table or the new one. ``rollback`` swaps back the last promotion the same way (the promoted
table goes back to the staging name). Tables that reference the final table by a foreign key keep referencing the
table they referenced (PostgreSQL's references follow the table, not its name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from superset_review.extension.i18n import Text
from superset_review.migration.engine import chunks as chunking
from superset_review.migration.engine import contenthash, sqltext
from superset_review.migration.engine.spec import (
    CHUNK_COLUMN,
    STAGE_LOAD,
    STAGE_PROMOTE,
    STAGE_VALIDATE,
    FileSource,
    MigrationNotReadyError,
    MigrationSpec,
    NothingToRollBackError,
    TableSource,
    Target,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from superset_review.transform_dsl import Plan


def _same_database(left: Engine, right: Engine) -> bool:
    def identity(engine: Engine) -> tuple[Any, ...]:
        url = engine.url
        return (url.get_backend_name(), url.host, url.port, url.database, tuple(sorted(url.query.items())))

    return identity(left) == identity(right)


def choose_strategy(source: FileSource | TableSource, target: Target, plan: Plan) -> tuple[str, str]:
    """ELT when the source is a table of the target's PostgreSQL database and every pipeline compiles for it;
    ETL otherwise. The reason is English for the ledger."""
    from superset_review.transform_dsl import DslError, compile_sql
    from superset_review.transform_dsl.tree import Plan as PlanType

    if isinstance(source, FileSource):
        return "etl", "the source is a file: Polars reads it in the worker and COPY writes it"
    if target.engine.url.get_backend_name() != "postgresql":
        return "etl", f"the target is {target.engine.url.get_backend_name()}, not PostgreSQL"
    if not _same_database(source.engine, target.engine):
        return "etl", "the source and the target are different databases"
    for pipeline in plan.pipelines:
        try:
            compile_sql(PlanType(plan.dsl_version, (pipeline,), plan.schema), "postgres", "source")
        except DslError as error:
            return "etl", f"the pipeline of {pipeline.target} does not compile for PostgreSQL: {error}"[:300]
    return "elt", "the source and the target are the same PostgreSQL database and every pipeline compiles for it"


# --- helpers -----------------------------------------------------------------------------------------------------

q, run = sqltext.sql, sqltext.execute


def _names(spec: MigrationSpec) -> tuple[sqltext.Fragment, sqltext.Fragment, sqltext.Fragment]:
    names = spec.names
    schema = spec.target.schema
    return (sqltext.table(schema, names.staging), sqltext.table(schema, names.checkpoints),
            sqltext.table(schema, names.quarantine))  # fmt: skip


def _exists(cursor: Any, qualified: sqltext.Fragment) -> bool:
    cursor.execute("SELECT to_regclass(%s)", (qualified.text,))
    return cursor.fetchone()[0] is not None


def _has_column(cursor: Any, schema: str, table: str, column: str) -> bool:
    cursor.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                   "AND column_name = %s", (schema, table, column))  # fmt: skip
    return cursor.fetchone() is not None


def source_rows(spec: MigrationSpec) -> int:
    if isinstance(spec.source, FileSource):
        import polars as pl

        return int(chunking.file_frame(spec).select(pl.len()).collect().item())
    with spec.source.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        run(cursor, q("SELECT count(*) FROM {}", chunking.source_table(spec.source)))
        count = int(cursor.fetchone()[0])
        cursor.close()
        return count


def _foreign_keys(spec: MigrationSpec) -> list[dict[str, Any]]:
    from sqlalchemy import inspect

    inspector = inspect(spec.target.engine)
    if not inspector.has_table(spec.target.table, schema=spec.target.schema):
        return []
    return [dict(fk) for fk in inspector.get_foreign_keys(spec.target.table, schema=spec.target.schema)]


# --- validate ----------------------------------------------------------------------------------------------------


def _row_count(cursor: Any, spec: MigrationSpec, not_done: list[int]) -> dict[str, Any]:
    staging, _, quarantine_table = _names(spec)
    total = source_rows(spec)
    run(cursor, q("SELECT count(*) FROM {}", staging))
    in_staging = int(cursor.fetchone()[0])
    run(cursor, q("SELECT count(*) FROM {} WHERE run_id = %s AND state <> 'released'", quarantine_table),
        (spec.run_id,))  # fmt: skip
    quarantined = int(cursor.fetchone()[0])
    ok = total == in_staging + quarantined and not not_done
    return {"check": "row_count", "state": "passed" if ok else "failed",
            "detail": {"source": total, "staging": in_staging, "quarantined": quarantined,
                       "chunks_not_done": not_done}}  # fmt: skip


def _checksum(cursor: Any, spec: MigrationSpec, chunk_rows: list[tuple[Any, ...]], not_done: list[int]) -> dict[
    str, Any
]:  # fmt: skip
    """Each chunk's hash recomputed over the rows staging holds for it (read back with COPY, hashed as the worker
    hashed them: :mod:`.contenthash`)."""
    import io

    import polars as pl

    staging, _, _ = _names(spec)
    execution = spec.execution
    columns = [*execution.columns, (CHUNK_COLUMN, "integer")]
    buffer = io.BytesIO()
    select = q("SELECT {} FROM {}", sqltext.column_list([name for name, _ in columns]), staging)
    cursor.copy_expert(sqltext.copy_out(select).text, buffer)
    rows = contenthash.read_pg_csv(buffer.getvalue(), columns)
    found = {
        int(key[0]): contenthash.frame_hash(group.drop(CHUNK_COLUMN), execution.columns, execution.keys)
        for key, group in rows.group_by(pl.col(CHUNK_COLUMN))
    }
    mismatched = [chunk_id for chunk_id, status, content_hash in chunk_rows
                  if status == "done" and found.get(chunk_id, contenthash.EMPTY) != content_hash]  # fmt: skip
    strays = sorted(set(found) - {row[0] for row in chunk_rows})
    ok = not mismatched and not strays and not not_done
    return {"check": "checksum", "state": "passed" if ok else "failed",
            "detail": {"mismatched_chunks": mismatched[:100], "unknown_chunks": strays[:100],
                       "chunks_not_done": not_done, "checksum": run_checksum(chunk_rows)}}  # fmt: skip


def _fk_check(cursor: Any, spec: MigrationSpec) -> dict[str, Any]:
    staging, _, _ = _names(spec)
    detail = []
    for fk in _foreign_keys(spec):
        referred = sqltext.table(fk.get("referred_schema") or spec.target.schema, fk["referred_table"])
        pairs = zip(fk["constrained_columns"], fk["referred_columns"], strict=True)
        joined = sqltext.join(" AND ", [q("{} = {}", sqltext.qualified("r", r), sqltext.qualified("s", c))
                                        for c, r in pairs])  # fmt: skip
        present = sqltext.join(" AND ", [q("{} IS NOT NULL", sqltext.qualified("s", c))
                                         for c in fk["constrained_columns"]])  # fmt: skip
        run(cursor, q('SELECT count(*) FROM {} AS "s" WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS "r" WHERE {})',
                      staging, present, referred, joined))  # fmt: skip
        orphans = int(cursor.fetchone()[0])
        detail.append({"columns": fk["constrained_columns"], "references": fk["referred_table"], "orphans": orphans})
    ok = all(entry["orphans"] == 0 for entry in detail)
    return {"check": "fk_check", "state": "passed" if ok else "failed",
            "detail": detail or "the final table declares no foreign keys"}  # fmt: skip


def validate(spec: MigrationSpec) -> list[dict[str, Any]]:
    """The spec's validations over staging: ``row_count`` (source rows = staging rows + quarantined),
    ``checksum`` (each chunk's hash recomputed over staging = its checkpoint's), ``fk_check`` (staging rows whose
    foreign key, as the final table declares it, finds no row). Recorded (stage ``validate``) for promotion."""
    staging, checkpoints, _ = _names(spec)
    results: list[dict[str, Any]] = []
    connection = spec.target.engine.raw_connection()
    try:
        cursor = connection.cursor()
        sqltext.set_deterministic(cursor)
        run(cursor, q("SELECT chunk_id, status, content_hash FROM {} WHERE run_id = %s AND stage = %s "
                      "ORDER BY chunk_id", checkpoints), (spec.run_id, STAGE_LOAD))  # fmt: skip
        chunk_rows = cursor.fetchall()
        not_done = [row[0] for row in chunk_rows if row[1] != "done"]
        staged = _exists(cursor, staging) and _has_column(cursor, spec.target.schema, spec.names.staging,
                                                          CHUNK_COLUMN)  # fmt: skip
        for check in spec.validations:
            if not staged:
                results.append({"check": check, "state": "failed",
                                "detail": "no staging table with its chunk column: prepare the run again"})  # fmt: skip
            elif check == "row_count":
                results.append(_row_count(cursor, spec, not_done))
            elif check == "checksum":
                results.append(_checksum(cursor, spec, chunk_rows, not_done))
            else:
                results.append(_fk_check(cursor, spec))
        passed = all(result["state"] == "passed" for result in results)
        run(cursor, q("INSERT INTO {} (run_id, stage, chunk_id, status, validations, started_at, finished_at) "
                      "VALUES (%s, %s, 0, %s, %s::jsonb, now(), clock_timestamp()) ON CONFLICT (run_id, stage, "
                      "chunk_id) DO UPDATE SET status = EXCLUDED.status, validations = EXCLUDED.validations, "
                      "started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at", checkpoints),
            (spec.run_id, STAGE_VALIDATE, "passed" if passed else "failed",
             sqltext.dumps({"results": results, "checks": list(spec.validations)})))  # fmt: skip
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    return results


def run_checksum(chunk_rows: list[tuple[Any, ...]]) -> str:
    """The run's checksum: SHA-256 of ``<chunk_id>:<content_hash>\\n`` per chunk, in chunk order."""
    import hashlib

    text = "".join(f"{row[0]}:{row[2] or ''}\n" for row in chunk_rows)
    return hashlib.sha256(text.encode()).hexdigest()


# --- promote and rollback ----------------------------------------------------------------------------------------


def _check_ready(cursor: Any, spec: MigrationSpec) -> None:
    _, checkpoints, _ = _names(spec)
    run(cursor, q("SELECT count(*) FILTER (WHERE status <> 'done'), max(finished_at) FROM {} WHERE run_id = %s "
                  "AND stage = %s", checkpoints), (spec.run_id, STAGE_LOAD))  # fmt: skip
    not_done, last_chunk = cursor.fetchone()
    run(cursor, q("SELECT status, validations, finished_at FROM {} WHERE run_id = %s AND stage = %s AND "
                  "chunk_id = 0", checkpoints), (spec.run_id, STAGE_VALIDATE))  # fmt: skip
    validation = cursor.fetchone()
    if not_done:
        raise MigrationNotReadyError(Text("%(count)d chunks are not done", count=not_done))
    stale = validation is None or (last_chunk is not None and validation[2] < last_chunk)
    if stale or validation[0] != "passed" or not set(spec.validations) <= set(validation[1].get("checks", [])):
        raise MigrationNotReadyError(Text("the validations have not passed since the last chunk"))


def promote(spec: MigrationSpec) -> dict[str, Any]:
    """Swap staging in as the final table, in one transaction; refused unless every chunk is done and the last
    validation (after the last chunk) passed every check the spec asks for."""
    staging, checkpoints, _ = _names(spec)
    names = spec.names
    schema, final = spec.target.schema, spec.target.table
    connection = spec.target.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_advisory_xact_lock(%s, -2)", (names.lock_key,))
        _check_ready(cursor, spec)
        if not _exists(cursor, staging):
            raise MigrationNotReadyError(Text("the run has no staging table (already promoted?)"))
        final_table = sqltext.table(schema, final)
        had_final = _exists(cursor, final_table)
        if had_final:
            run(cursor, q("DROP TABLE IF EXISTS {}", sqltext.table(schema, names.previous)))
            run(cursor, q("ALTER TABLE {} RENAME TO {}", final_table, sqltext.ident(names.previous)))
        run(cursor, q("ALTER TABLE {} DROP COLUMN {}", staging, sqltext.ident(CHUNK_COLUMN)))
        run(cursor, q("ALTER TABLE {} RENAME TO {}", staging, sqltext.ident(final)))
        run(cursor, q("ALTER INDEX {} RENAME TO {}", sqltext.table(schema, names.key_index),
                      sqltext.ident(names.promoted_key_index)))  # fmt: skip
        run(cursor, q("SELECT coalesce(max(chunk_id), 0) + 1 FROM {} WHERE run_id = %s AND stage = %s", checkpoints),
            (spec.run_id, STAGE_PROMOTE))  # fmt: skip
        number = int(cursor.fetchone()[0])
        record = {"final": final, "previous": names.previous if had_final else None}
        run(cursor, q("INSERT INTO {} (run_id, stage, chunk_id, status, validations, started_at, finished_at) "
                      "VALUES (%s, %s, %s, 'done', %s::jsonb, now(), clock_timestamp())", checkpoints),
            (spec.run_id, STAGE_PROMOTE, number, sqltext.dumps(record)))  # fmt: skip
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    return {"promotion": number, **record}


def rollback(spec: MigrationSpec) -> dict[str, Any]:
    """Swap back the run's last promotion: the promoted table back to the staging name (without its chunk
    column: a new promotion needs the run prepared and run again), the kept previous table back as final."""
    staging, checkpoints, _ = _names(spec)
    names = spec.names
    schema, final = spec.target.schema, spec.target.table
    connection = spec.target.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_advisory_xact_lock(%s, -2)", (names.lock_key,))
        run(cursor, q("SELECT chunk_id, validations FROM {} WHERE run_id = %s AND stage = %s AND status = 'done' "
                      "ORDER BY chunk_id DESC LIMIT 1", checkpoints), (spec.run_id, STAGE_PROMOTE))  # fmt: skip
        row = cursor.fetchone()
        if row is None:
            raise NothingToRollBackError(Text("the run has no promotion to roll back"))
        number, record = row
        if _exists(cursor, staging):
            run(cursor, q("DROP TABLE {}", staging))  # a staging prepared after the promotion: never promoted
        run(cursor, q("ALTER TABLE {} RENAME TO {}", sqltext.table(schema, final), sqltext.ident(names.staging)))
        run(cursor, q("ALTER INDEX {} RENAME TO {}", sqltext.table(schema, names.promoted_key_index),
                      sqltext.ident(names.key_index)))  # fmt: skip
        if record.get("previous"):
            run(cursor, q("ALTER TABLE {} RENAME TO {}", sqltext.table(schema, record["previous"]),
                          sqltext.ident(final)))  # fmt: skip
        run(
            cursor,
            q(
                "UPDATE {} SET status = 'rolled_back', finished_at = clock_timestamp() WHERE run_id = %s "
                "AND stage = %s AND chunk_id = %s",
                checkpoints,
            ),
            (spec.run_id, STAGE_PROMOTE, number),
        )
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    return {"promotion": number, "final": final, "restored": record.get("previous")}


# --- status ------------------------------------------------------------------------------------------------------

CHUNK_FIELDS = ("chunk_id", "status", "content_hash", "row_count_in", "row_count_out", "validations", "started_at",
                "finished_at", "attempts", "next_action", "lease_owner", "lease_expires_at")  # fmt: skip


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def status(spec: MigrationSpec) -> dict[str, Any]:
    """The chunks' checkpoints (the API's C fields plus the lease) and the totals."""
    _, checkpoints, quarantine_table = _names(spec)
    connection = spec.target.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if not _exists(cursor, checkpoints):
            return {"prepared": False, "chunks": [], "chunks_total": 0, "chunks_done": 0, "rows_in": 0,
                    "rows_out": 0, "quarantined": 0, "validations": None, "promoted": False, "promoted_at": None,
                    "staging_table": spec.names.staging, "final_table": spec.target.table}  # fmt: skip
        run(cursor, q("SELECT {} FROM {} WHERE run_id = %s AND stage = %s ORDER BY chunk_id",
                      sqltext.column_list(CHUNK_FIELDS), checkpoints), (spec.run_id, STAGE_LOAD))  # fmt: skip
        chunk_list = [{name: _iso(value) for name, value in zip(CHUNK_FIELDS, row, strict=True)}
                      for row in cursor.fetchall()]  # fmt: skip
        run(cursor, q("SELECT count(*) FROM {} WHERE run_id = %s AND state = 'open'", quarantine_table),
            (spec.run_id,))  # fmt: skip
        quarantined = int(cursor.fetchone()[0])
        run(cursor, q("SELECT status, validations FROM {} WHERE run_id = %s AND stage = %s", checkpoints),
            (spec.run_id, STAGE_VALIDATE))  # fmt: skip
        validation = cursor.fetchone()
        run(cursor, q("SELECT status, finished_at FROM {} WHERE run_id = %s AND stage = %s ORDER BY chunk_id DESC "
                      "LIMIT 1", checkpoints), (spec.run_id, STAGE_PROMOTE))  # fmt: skip
        promotion = cursor.fetchone()
    finally:
        connection.rollback()
        connection.close()
    done = [chunk for chunk in chunk_list if chunk["status"] == "done"]
    promoted = bool(promotion and promotion[0] == "done")
    return {
        "prepared": True,
        "chunks": chunk_list,
        "chunks_total": len(chunk_list),
        "chunks_done": len(done),
        "rows_in": sum(int(chunk["row_count_in"] or 0) for chunk in done),
        "rows_out": sum(int(chunk["row_count_out"] or 0) for chunk in done),
        "quarantined": quarantined,
        "validations": validation[1]["results"] if validation else None,
        "promoted": promoted,
        "promoted_at": _iso(promotion[1]) if promoted and promotion else None,
        "staging_table": spec.names.staging,
        "final_table": spec.target.table,
    }
