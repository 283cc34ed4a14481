"""The migration engine without a database: chunking, the execution plan, the strategy choice, the SQL it writes
(checked against tests/unit/migration/fixtures/engine_sql.sql, sqlglot's fixture style: each statement, then the
line it must equal), and the content hash's byte encoding."""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlglot
from sqlalchemy import create_engine

from superset_review.migration.engine import (
    FileSource,
    MigrationSpec,
    MigrationSpecError,
    Names,
    TableSource,
    Target,
    choose_strategy,
    chunks,
    contenthash,
    runner,
    sqltext,
)
from superset_review.transform_dsl import DSL_VERSION, parse_plan

FIXTURES = Path(__file__).parent / "fixtures" / "engine_sql.sql"
PG = create_engine("postgresql+psycopg2://postgres@/warehouse?host=/tmp/pg")
PG_OTHER = create_engine("postgresql+psycopg2://postgres@/other?host=/tmp/pg")
SQLITE = create_engine("sqlite:///:memory:")
RUN = "01JABCDEFGHJKMNPQRSTVWXYZ0"
SCHEMA = {"id": "integer", "code": "string", "day": "string", "region": "string"}
PLAN = parse_plan({"dsl_version": DSL_VERSION, "pipelines": [
    {"target": "code_up", "source": "code", "ops": [{"op": "trim"}, {"op": "case", "to": "upper"}]},
    {"target": "day_d", "source": "day", "ops": [{"op": "date_parse", "format": "%Y-%m-%d"}]},
]}, SCHEMA)  # fmt: skip


def spec(**overrides: Any) -> MigrationSpec:
    values: dict[str, Any] = {
        "run_id": RUN,
        "source": TableSource(PG, "public", "orders"),
        "target": Target(PG, "analytics", "orders"),
        "plan": PLAN,
        "key_columns": ("id",),
        "batch_size": 3,
        "strategy": "elt",
    }
    values.update(overrides)
    return MigrationSpec(**values)


# --- chunking ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "batch", "lows", "highs", "sizes"),
    [
        ([5, 1, 9, 3, 7, 2, 8, 4, 6, 10], 3, [1, 4, 7, 10], [4, 7, 10, None], [3, 3, 3, 1]),
        ([3, 1, 2], 3, [1], [None], [3]),
        ([3, 1, 2], 100, [1], [None], [3]),
        ([1, 2, 3, 4], 2, [1, 3], [3, None], [2, 2]),
        (["b", "a", "B", "é", "A"], 2, ["A", "a", "é"], ["a", "é", None], [2, 2, 1]),  # bytewise, as COLLATE "C"
    ],
)
def test_range_chunks_open_every_batch_size_th_key(
    keys: list[Any], batch: int, lows: list[Any], highs: list[Any], sizes: list[int]
) -> None:
    execution = spec(key_columns=("id",)).execution
    name = execution.chunk_keys[0]
    frame = pl.DataFrame({name: keys})
    cut = chunks.cut_frame(frame, execution, batch)
    assert [c["low"] for c in cut] == lows
    assert [c["high"] for c in cut] == highs
    assert [c["rows"] for c in cut] == sizes
    # Each key is in exactly one chunk, and the chunk's filter finds the sizes prepare counted.
    found = [frame.filter(chunks.polars_filter(c, execution)).height for c in cut]
    assert found == sizes


def test_an_empty_source_has_no_chunks() -> None:
    assert chunks.cut_frame(pl.DataFrame({"id": []}, schema={"id": pl.Int64}), spec().execution, 10) == []


def test_composite_keys_are_chunked_by_hash_deterministically() -> None:
    composite = spec(key_columns=("id", "region"), key_strategy="composite")
    execution = composite.execution
    assert execution.hashed and execution.chunk_keys == ("id", "region")
    frame = pl.DataFrame({"id": [i // 3 for i in range(100)], "region": [f"r{i % 3}" for i in range(100)]})
    cut = chunks.cut_frame(frame, execution, 30)
    assert len(cut) == 4 and {c["kind"] for c in cut} == {"hash"}
    assert sum(c["rows"] for c in cut) == 100
    assert chunks.cut_frame(frame.reverse(), execution, 30) == cut  # the order of the source does not matter
    found = [frame.filter(chunks.polars_filter(c, execution)).height for c in cut]
    assert found == [c["rows"] for c in cut]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pl.DataFrame({"id": [1, None, 3]}), "empty values"),
        (pl.DataFrame({"id": [1, 2, 2, 3, 3]}), "2 rows repeat"),
    ],
)
def test_a_key_with_nulls_or_repeats_is_refused(frame: pl.DataFrame, message: str) -> None:
    with pytest.raises(MigrationSpecError, match=message):
        chunks.cut_frame(frame, spec().execution, 10)


# --- the execution plan ------------------------------------------------------------------------------------------


def test_a_key_no_pipeline_writes_is_carried_from_the_source() -> None:
    execution = spec(key_columns=("id",)).execution
    assert execution.column_names == ("code_up", "day_d", "id")
    assert dict(execution.columns)["id"] == "integer"
    assert execution.chunk_keys == ("id",) and execution.keys == ("id",)


def test_a_key_a_pipeline_writes_is_chunked_on_its_source() -> None:
    execution = spec(key_columns=("code_up",)).execution
    assert execution.column_names == ("code_up", "day_d")
    assert execution.chunk_keys == ("code",) and execution.chunk_key_types == ("string",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key_columns": ("nope",)}, "neither a target"),
        ({"key_columns": ()}, "at least one key"),
        ({"key_columns": ("id", "id")}, "named twice"),
        ({"batch_size": 0}, "batch size"),
        ({"validations": ("row_count", "vibes")}, "is not a validation"),
        ({"key_strategy": "surrogate", "key_columns": ("row_key",)}, "surrogate key"),
        ({"source": FileSource(Path("/tmp/x.parquet"), "parquet")}, "ELT runs inside"),
        ({"run_id": "../../etc"}, "run id"),
    ],
)
def test_specs_that_cannot_run_are_refused_naming_why(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(MigrationSpecError, match=message):
        spec(**overrides).execution  # noqa: B018 - the execution plan is derived lazily


def test_a_surrogate_key_numbers_a_files_rows() -> None:
    surrogate = spec(source=FileSource(Path("/tmp/x.parquet"), "parquet"), strategy="etl",
                     key_strategy="surrogate", key_columns=("row_key",))  # fmt: skip
    execution = surrogate.execution
    assert execution.surrogate == "row_key" and execution.chunk_keys == ("row_key",)
    assert "row_key" not in execution.inputs and dict(execution.columns)["row_key"] == "integer"


def test_names_derive_from_the_run_id() -> None:
    names = Names.of(RUN)
    assert names.staging == f"mig_{RUN.lower()}_staging" and len(names.checkpoints) <= 63
    assert Names.of(RUN).lock_key == names.lock_key != Names.of(RUN[::-1]).lock_key


# --- the strategy ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "strategy", "reason"),
    [
        (FileSource(Path("/tmp/x.csv"), "csv"), PG, "etl", "the source is a file"),
        (TableSource(PG, "public", "orders"), PG, "elt", "same PostgreSQL database"),
        (TableSource(PG_OTHER, "public", "orders"), PG, "etl", "different databases"),
        (TableSource(SQLITE, None, "orders"), PG, "etl", "different databases"),
        (TableSource(SQLITE, None, "orders"), SQLITE, "etl", "not PostgreSQL"),
    ],
)
def test_choose_strategy(source: Any, target: Any, strategy: str, reason: str) -> None:
    chosen, why = choose_strategy(source, Target(target, "analytics", "orders"), PLAN)
    assert chosen == strategy
    assert reason in why


# --- the SQL -----------------------------------------------------------------------------------------------------


def generated() -> dict[str, str]:
    elt = spec()
    execution = elt.execution
    fragments = {
        "range_integer": sqltext.range_condition("id", "integer", 1, 4),
        "range_last_text": sqltext.range_condition("code", "string", "it's", None),
        "range_date": sqltext.range_condition("day", "date", "2024-02-29", "2024-03-31"),
        "hash_bucket": sqltext.hash_bucket_sql(("id", "region"), 7),
        "staging": sqltext.staging_ddl("analytics", "stage", execution.columns, execution.keys),
        "chunk_source": chunks.chunk_source_sql(elt, {"kind": "range", "low": 1, "high": 4, "rows": 3}),
        "elt_chunk": runner.elt_sql(elt, 0, {"kind": "range", "low": 1, "high": 4, "rows": 3}),
        "elt_chunk_retry_tail": sqltext.rendered_dsl(
            runner.elt_sql(elt, 0, {"kind": "range", "low": 1, "high": 4, "rows": 3}, merge=True).text[-240:]
        ),
        "etl_merge": runner.etl_merge_sql(spec(source=FileSource(Path("/tmp/x.parquet"), "parquet"), strategy="etl")),
    }
    return {name: fragment.text for name, fragment in fragments.items()}


def read_fixtures() -> dict[str, str]:
    """``-- name`` then the SQL on the lines below, up to the next name."""
    fixtures: dict[str, list[str]] = {}
    current = ""
    for line in FIXTURES.read_text().splitlines():
        if line.startswith("-- "):
            current = line[3:].strip()
            fixtures[current] = []
        elif line.strip():
            fixtures[current].append(line)
    return {name: "\n".join(lines) for name, lines in fixtures.items()}


@pytest.mark.parametrize("name", sorted(read_fixtures()))
def test_generated_sql_matches_its_fixture(name: str) -> None:
    assert generated()[name] == read_fixtures()[name]


@pytest.mark.parametrize("name", ["staging", "chunk_source", "etl_merge"])
def test_generated_statements_parse_as_postgresql(name: str) -> None:
    assert sqlglot.parse_one(generated()[name], read="postgres") is not None


def test_every_fixture_is_checked() -> None:
    assert set(read_fixtures()) == set(generated())


# --- the content hash --------------------------------------------------------------------------------------------


def content_hash(columns: list[tuple[str, list[Any]]]) -> str:
    """The documented encoding (contenthash's docstring), written independently with struct, over columns whose
    values are already in key order: text as 'N' / 'V<bytes>:<text>', other types a null map then fixed width."""
    out = b""
    for logical, values in columns:
        if logical == "string":
            out += "".join("N" if v is None else f"V{len(v.encode())}:{v}" for v in values).encode()
            continue
        out += bytes(1 if v is None else 0 for v in values)
        for v in values:
            if logical == "float":
                out += struct.pack("<d", 0.0 if v is None else v)
            elif logical == "boolean":
                out += struct.pack("<B", 0 if v is None else int(v))
            elif logical == "date":
                out += struct.pack("<q", 0 if v is None else (v - dt.date(1970, 1, 1)).days)
            elif logical == "timestamp":
                delta = dt.timedelta(0) if v is None else v - dt.datetime(1970, 1, 1)
                out += struct.pack("<q", delta // dt.timedelta(microseconds=1))
            else:
                out += struct.pack("<q", 0 if v is None else v)
    return hashlib.sha256(out).hexdigest()


def test_the_content_hash_is_the_documented_encoding() -> None:
    frame = pl.DataFrame({
        "id": [2, 1, 3],
        "name": ["é", None, ""],
        "weight": [0.30000000000000004, 1e300, -0.0],
        "ok": [True, False, None],
        "day": [dt.date(2024, 2, 29), None, dt.date(1, 1, 1)],
        "at": [dt.datetime(2024, 1, 2, 3, 4, 5, 600), None, dt.datetime(1969, 12, 31, 23, 59, 59)],
    })  # fmt: skip
    columns = [("id", "integer"), ("name", "string"), ("weight", "float"), ("ok", "boolean"), ("day", "date"),
               ("at", "timestamp")]  # fmt: skip
    expected = content_hash([
        ("integer", [1, 2, 3]),
        ("string", [None, "é", ""]),
        ("float", [1e300, 0.30000000000000004, -0.0]),
        ("boolean", [False, True, None]),
        ("date", [None, dt.date(2024, 2, 29), dt.date(1, 1, 1)]),
        ("timestamp", [None, dt.datetime(2024, 1, 2, 3, 4, 5, 600), dt.datetime(1969, 12, 31, 23, 59, 59)]),
    ])  # fmt: skip
    assert contenthash.frame_hash(frame, columns, ["id"]) == expected
    assert contenthash.frame_hash(frame.reverse(), columns, ["id"]) == expected  # the order of rows: the key's


def test_the_content_hash_encoding_cannot_be_forged_by_a_value() -> None:
    assert content_hash([("string", ["ab"]), ("string", ["c"])]) != content_hash(
        [("string", ["a"]), ("string", ["bc"])]
    )
    assert content_hash([("string", ["a", None])]) != content_hash([("string", ["a", "N"])])
    assert content_hash([("integer", [0])]) != content_hash([("integer", [None])])  # the null map tells them apart
    assert content_hash([("float", [0.0])]) != content_hash([("float", [-0.0])])
    nan = pl.DataFrame({"x": [float("nan")]})
    other_nan = pl.DataFrame({"x": [struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0]]})
    assert contenthash.frame_hash(nan, [("x", "float")], []) == contenthash.frame_hash(other_nan, [("x", "float")], [])
    assert content_hash([]) == contenthash.EMPTY


def test_postgresql_csv_reads_back_as_the_frame_that_was_written() -> None:
    data = b'1,"",t,2024-02-29,2024-01-02 03:04:05.0006,0.30000000000000004\n2,,f,,,1e+300\n'
    columns = [("id", "integer"), ("name", "string"), ("ok", "boolean"), ("day", "date"), ("at", "timestamp"),
               ("weight", "float")]  # fmt: skip
    frame = contenthash.read_pg_csv(data, columns)
    assert frame.row(0) == (1, "", True, dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 3, 4, 5, 600),
                            0.30000000000000004)  # fmt: skip
    assert frame.row(1) == (2, None, False, None, None, 1e300)
    assert contenthash.read_pg_csv(b"", columns).height == 0


def test_a_plain_string_cannot_reach_a_statement() -> None:
    with pytest.raises(TypeError, match="quote it"):
        sqltext.sql("SELECT * FROM {}", "users; DROP TABLE x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sqltext.Fragment("SELECT 1", object())
    assert sqltext.sql("SELECT {}", sqltext.literal("it's")).text == "SELECT 'it''s'"
