"""The migration engine end to end on the suite's PostgreSQL: ETL from a file and ELT from a table on a few
thousand rows, quarantine of rows a transform fails on, idempotent re-runs, the validations, promotion and rollback."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from superset_review.migration.engine import (
    FileSource,
    MigrationNotReadyError,
    MigrationSpecChangedError,
    MigrationSpecError,
    NothingToRollBackError,
    TableSource,
    dry_run,
    prepare,
    promote,
    rollback,
    run_chunks,
    status,
    validate,
)
from superset_review.migration.engine.runner import _Connections, run_one
from superset_review.transform_dsl import DSL_VERSION, parse_plan
from tests import migration_engine as m
from tests.services import Services

ROWS = 3000
BAD_EVERY = 40  # every 40th row's quantity is not an integer: 75 rows quarantined


def staging_rows(services: Services, run: str) -> list[tuple[Any, ...]]:
    return m.query(services, f'SELECT * FROM staging_area."mig_{run.lower()}_staging" ORDER BY id')


def hashes(services: Services, run: str) -> list[tuple[int, str, int]]:
    return [(row[0], row[1], row[2]) for row in m.query(
        services, f'SELECT chunk_id, content_hash, attempts FROM staging_area."mig_{run.lower()}_checkpoints" '
        "WHERE stage = 'load' ORDER BY chunk_id")]  # fmt: skip


def test_etl_from_a_file_writes_every_row_once_and_quarantines_failed_transforms(
    services: Services, tmp_path: Path
) -> None:
    run = m.run_id()
    source = m.write_parquet(m.rows(ROWS, bad_every=BAD_EVERY), tmp_path)
    spec = m.spec_for(source, m.engine(services), run)
    plan = prepare(spec)
    assert plan["estimated_chunks"] == 3 and plan["rows"] == ROWS and plan["chunking"] == "range"
    assert "def transform" in plan["polars"]
    assert prepare(spec) == plan  # idempotent: the same chunks, nothing created twice

    summary = run_chunks(spec, "worker-a")
    assert summary.written == [0, 1, 2]
    assert (summary.rows_in, summary.rows_out, summary.quarantined) == (ROWS, ROWS - 75, 75)

    stored = staging_rows(services, run)
    assert len(stored) == ROWS - 75 and len({row[0] for row in stored}) == ROWS - 75
    first = next(row for row in stored if row[0] == 1)
    assert first[1] == "PERSON 1" and first[3] == 1 and str(first[4]) == "2020-01-02"
    quarantined = m.query(services, f'SELECT key, reason_codes, masked_preview_before, masked_preview_after, diff, '
                          f'state, required_permission FROM staging_area."mig_{run.lower()}_quarantine" '
                          "ORDER BY (key->>'id')::int")  # fmt: skip
    assert len(quarantined) == 75
    key, reasons, before, after, diff, state, permission = quarantined[0]
    assert key == {"id": 40} and reasons == ["qty_n:ops[0]:type_cast"]
    assert before["qty"] == "x40" and after["qty_n"] is None
    assert before["email"] == "[REDACTED]" and "@" not in str(after)  # an email never reaches quarantine unmasked
    assert diff == [{"column": "qty_n", "before": "x40", "after": None}]
    assert (state, permission) == ("open", "can_migrate")

    current = status(spec)
    assert (current["chunks_total"], current["chunks_done"]) == (3, 3)
    assert (current["rows_in"], current["rows_out"], current["quarantined"]) == (ROWS, ROWS - 75, 75)
    assert all(chunk["attempts"] == 1 and chunk["lease_owner"] == "worker-a" for chunk in current["chunks"])


def test_a_rerun_changes_nothing_and_a_forced_rewrite_of_a_done_chunk_is_idempotent(
    services: Services, tmp_path: Path
) -> None:
    run = m.run_id()
    spec = m.spec_for(m.write_parquet(m.rows(ROWS, bad_every=BAD_EVERY), tmp_path), m.engine(services), run)
    prepare(spec)
    run_chunks(spec, "first")
    before_rows, before_hashes = staging_rows(services, run), hashes(services, run)
    again = run_chunks(spec, "second")
    assert again.written == [] and again.rows_in == 0
    assert staging_rows(services, run) == before_rows and hashes(services, run) == before_hashes
    # The chunk's upsert run once more over rows already there (as a takeover would): same rows, same hash.
    execute(services, f'UPDATE staging_area."mig_{run.lower()}_checkpoints" SET status = \'pending\' '
            "WHERE stage = 'load' AND chunk_id = 1")  # fmt: skip
    connections = _Connections(spec)
    try:
        result = run_one(spec, connections, "third", 1)
    finally:
        connections.close()
    assert not isinstance(result, str) and result.content_hash == before_hashes[1][1]
    assert staging_rows(services, run) == before_rows
    assert len(m.query(services, f'SELECT 1 FROM staging_area."mig_{run.lower()}_quarantine"')) == 75


def test_elt_from_a_table_gives_the_same_rows_and_hashes_as_etl(services: Services, tmp_path: Path) -> None:
    engine = m.engine(services)
    frame = m.rows(ROWS, bad_every=BAD_EVERY)
    etl_run, elt_run = m.run_id(), m.run_id()
    table = f"source_{elt_run.lower()}"
    m.write_table(frame, services, table)
    etl = m.spec_for(m.write_parquet(frame, tmp_path), engine, etl_run)
    elt = m.spec_for(TableSource(engine, "public", table), engine, elt_run, strategy="elt")
    for spec in (etl, elt):
        prepare(spec)
        run_chunks(spec, "w")
    plan = dry_run(elt)
    assert plan["estimated_chunks"] == 3 and "RETURNING" in plan["chunks"][0]["sql"]
    assert plan["chunks"][0]["sql"].count("INSERT INTO") == 1
    assert [h for _, h, _ in hashes(services, etl_run)] == [h for _, h, _ in hashes(services, elt_run)]
    assert staging_rows(services, etl_run) == staging_rows(services, elt_run)
    assert status(elt)["quarantined"] == 75
    elt_quarantine = m.query(services, f'SELECT key, diff FROM staging_area."mig_{elt_run.lower()}_quarantine" '
                             "ORDER BY (key->>'id')::int LIMIT 1")  # fmt: skip
    assert elt_quarantine == [({"id": 40}, [{"column": "qty_n", "before": "x40", "after": None}])]


def test_the_content_hash_is_the_documented_encoding(services: Services, tmp_path: Path) -> None:
    run = m.run_id()
    spec = m.spec_for(m.write_parquet(m.rows(500), tmp_path), m.engine(services), run, batch_size=200)
    prepare(spec)
    run_chunks(spec, "w")
    columns = ", ".join(f'"{name}"' for name in spec.execution.column_names)
    rows = m.query(services, f'SELECT {columns} FROM staging_area."mig_{run.lower()}_staging" '
                   'WHERE "__chunk_id" = 1 ORDER BY id')  # fmt: skip

    import struct

    types = dict(spec.execution.columns)
    encoded = b""
    for name, column in zip(spec.execution.column_names, zip(*rows, strict=True), strict=True):
        if types[name] == "string":
            encoded += "".join("N" if v is None else f"V{len(v.encode())}:{v}" for v in column).encode()
            continue
        encoded += bytes(1 if v is None else 0 for v in column)
        for v in column:
            if types[name] == "date":
                v = None if v is None else (v - dt.date(1970, 1, 1)).days
            encoded += struct.pack("<d" if types[name] == "float" else "<q", 0 if v is None else v)
    assert len(rows) == 200
    assert hashes(services, run)[1][1] == hashlib.sha256(encoded).hexdigest()


def test_composite_keys_chunk_by_hash_in_etl_and_elt(services: Services, tmp_path: Path) -> None:
    engine = m.engine(services)
    frame = m.rows(2000)
    etl_run, elt_run = m.run_id(), m.run_id()
    m.write_table(frame, services, f"source_{elt_run.lower()}")
    options: dict[str, Any] = {"key_columns": ("id", "seq"), "key_strategy": "composite", "batch_size": 500}
    etl = m.spec_for(m.write_parquet(frame, tmp_path), engine, etl_run, **options)
    elt = m.spec_for(TableSource(engine, "public", f"source_{elt_run.lower()}"), engine, elt_run, strategy="elt",
                     **options)  # fmt: skip
    for spec in (etl, elt):
        plan = prepare(spec)
        assert plan["chunking"] == "hash" and plan["estimated_chunks"] == 4
        run_chunks(spec, "w")
        assert [check["state"] for check in validate(spec)] == ["passed", "passed"]
        assert len(staging_rows(services, spec.run_id)) == 2000


def test_validations_gate_promotion_and_rollback_swaps_back(services: Services, tmp_path: Path) -> None:
    engine = m.engine(services)
    run = m.run_id()
    spec = m.spec_for(m.write_parquet(m.rows(ROWS, bad_every=BAD_EVERY), tmp_path), engine, run,
                      validations=("row_count", "checksum", "fk_check"))  # fmt: skip
    final = f'staging_area."{spec.target.table}"'
    execute(services, f"CREATE SCHEMA IF NOT EXISTS staging_area; CREATE TABLE {final} (id bigint, old text); "
            f"INSERT INTO {final} VALUES (1, 'before')")  # fmt: skip
    prepare(spec)
    with pytest.raises(MigrationNotReadyError):
        promote(spec)  # no chunk ran
    run_chunks(spec, "w")
    with pytest.raises(MigrationNotReadyError):
        promote(spec)  # not validated
    results = {result["check"]: result for result in validate(spec)}
    assert results["row_count"]["detail"] == {"source": ROWS, "staging": ROWS - 75, "quarantined": 75,
                                              "chunks_not_done": []}  # fmt: skip
    assert results["checksum"]["state"] == "passed"
    assert results["fk_check"] == {"check": "fk_check", "state": "passed",
                                   "detail": "the final table declares no foreign keys"}  # fmt: skip
    promoted = promote(spec)
    assert promoted["previous"] == f"mig_{run.lower()}_previous"
    assert m.query(services, f"SELECT count(*) FROM {final}") == [(ROWS - 75,)]
    assert m.query(services, f'SELECT old FROM staging_area."mig_{run.lower()}_previous"') == [("before",)]
    columns = [
        row[0]
        for row in m.query(
            services,
            "SELECT column_name FROM information_schema.columns WHERE "
            "table_schema = 'staging_area' AND table_name = %s",
            (spec.target.table,),
        )
    ]
    assert "__chunk_id" not in columns and "qty_n" in columns
    assert status(spec)["promoted"] is True
    rollback(spec)
    assert m.query(services, f"SELECT id, old FROM {final}") == [(1, "before")]
    assert status(spec)["promoted"] is False
    with pytest.raises(NothingToRollBackError):
        rollback(spec)


def test_a_failing_validation_promotes_nothing_and_leaves_the_final_table_untouched(
    services: Services, tmp_path: Path
) -> None:
    engine = m.engine(services)
    run = m.run_id()
    spec = m.spec_for(m.write_parquet(m.rows(ROWS), tmp_path), engine, run)
    final = f'staging_area."{spec.target.table}"'
    execute(services, f"CREATE SCHEMA IF NOT EXISTS staging_area; CREATE TABLE {final} (id bigint, old text); "
            f"INSERT INTO {final} VALUES (7, 'kept')")  # fmt: skip
    prepare(spec)
    run_chunks(spec, "w")
    # A row changed behind the engine's back: the checksum of its chunk no longer matches.
    execute(services, f"UPDATE staging_area.\"mig_{run.lower()}_staging\" SET name_clean = 'TAMPERED' WHERE id = 5")
    results = {result["check"]: result for result in validate(spec)}
    assert results["checksum"]["state"] == "failed" and results["checksum"]["detail"]["mismatched_chunks"] == [0]
    assert results["row_count"]["state"] == "passed"
    with pytest.raises(MigrationNotReadyError):
        promote(spec)
    assert m.query(services, f"SELECT id, old FROM {final}") == [(7, "kept")]
    assert status(spec)["promoted"] is False


def test_fk_check_counts_rows_whose_reference_is_missing(services: Services, tmp_path: Path) -> None:
    engine = m.engine(services)
    run = m.run_id()
    spec = m.spec_for(m.write_parquet(m.rows(100), tmp_path), engine, run, validations=("fk_check",))
    regions = f'staging_area."regions_{run.lower()}"'
    final = f'staging_area."{spec.target.table}"'
    execute(services, f"CREATE SCHEMA IF NOT EXISTS staging_area; CREATE TABLE {regions} (name text PRIMARY KEY); "
            f"INSERT INTO {regions} VALUES ('north'), (''); "
            f"CREATE TABLE {final} (id bigint, region text REFERENCES {regions} (name))")  # fmt: skip
    prepare(spec)
    run_chunks(spec, "w")
    (result,) = validate(spec)
    south = sum(1 for i in range(1, 101) if i % 11 and i % 3 == 2)
    assert result["state"] == "failed"
    assert result["detail"] == [{"columns": ["region"], "references": f"regions_{run.lower()}", "orphans": south}]


def test_a_prepared_run_refuses_another_plan_and_bad_keys_are_refused_before_anything(
    services: Services, tmp_path: Path
) -> None:
    engine = m.engine(services)
    run = m.run_id()
    source = m.write_parquet(m.rows(100), tmp_path)
    prepare(m.spec_for(source, engine, run))
    with pytest.raises(MigrationSpecChangedError):
        prepare(m.spec_for(source, engine, run, batch_size=7))
    with pytest.raises(MigrationSpecChangedError):
        run_chunks(m.spec_for(source, engine, run, batch_size=7), "w")
    repeated = m.write_parquet(m.rows(50).vstack(m.rows(5)), tmp_path / "..")
    other = m.run_id()
    with pytest.raises(MigrationSpecError, match="not unique"):
        prepare(m.spec_for(repeated, engine, other))
    assert m.query(services, "SELECT to_regclass(%s)", (f'staging_area."mig_{other.lower()}_checkpoints"',)) == [
        (None,)
    ]  # the refused prepare left nothing behind


def test_should_stop_ends_the_loop_between_chunks(services: Services, tmp_path: Path) -> None:
    run = m.run_id()
    spec = m.spec_for(m.write_parquet(m.rows(ROWS), tmp_path), m.engine(services), run)
    prepare(spec)
    done: list[int] = []
    summary = run_chunks(spec, "w", progress=lambda chunk: done.append(chunk.chunk_id),
                         should_stop=lambda: len(done) >= 1)  # fmt: skip
    assert summary.stopped and summary.written == [0] and done == [0]
    assert status(spec)["chunks_done"] == 1
    assert run_chunks(spec, "w").written == [1, 2]


def execute(services: Services, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(services.postgres.dsn(m.DATABASE))
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.commit()
    finally:
        connection.close()


def test_a_surrogate_key_numbers_a_csv_files_rows_and_etl_reads_a_table_too(services: Services, tmp_path: Path) -> None:
    engine = m.engine(services)
    frame = m.rows(300)
    repeated = frame.vstack(frame.head(20))  # the same rows twice: no natural key, a surrogate one
    csv = tmp_path / "source.csv"
    repeated.write_csv(csv)
    text_schema = dict.fromkeys(m.SCHEMA, "string")
    plan = parse_plan({"dsl_version": DSL_VERSION, "pipelines": [
        {"target": "name_clean", "source": "name", "ops": [{"op": "trim"}]},
        {"target": "qty_n", "source": "qty", "ops": [{"op": "type_cast", "to": "integer"}]},
    ]}, text_schema)  # fmt: skip
    run = m.run_id()
    spec = m.spec_for(FileSource(csv, "csv", delimiter=","), engine, run, plan=plan, key_strategy="surrogate",
                      key_columns=("row_key",), batch_size=100)  # fmt: skip
    assert prepare(spec)["estimated_chunks"] == 4
    assert run_chunks(spec, "w").rows_out == 320
    keys = [row[0] for row in m.query(services, f'SELECT row_key FROM staging_area."mig_{run.lower()}_staging" '
                                      "ORDER BY row_key")]  # fmt: skip
    assert keys == list(range(1, 321))
    assert [check["state"] for check in validate(spec)] == ["passed", "passed"]

    table_run = m.run_id()
    m.write_table(frame, services, f"source_{table_run.lower()}")
    from_table = m.spec_for(TableSource(engine, "public", f"source_{table_run.lower()}"), engine, table_run,
                            strategy="etl", batch_size=100)  # fmt: skip
    prepare(from_table)
    assert run_chunks(from_table, "w").rows_out == 300
    assert [check["state"] for check in validate(from_table)] == ["passed", "passed"]
