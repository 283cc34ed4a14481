"""Deterministic chunks of a source, and each chunk's rows.

- One key column: chunks by key range. The source's keys sorted (text bytewise), every ``batch_size``-th key opens
  a chunk: chunk ``i`` holds ``low_i <= key < low_{i+1}`` (the last has no upper bound), so ``batch_size`` rows each
  but the last.
- A composite key: chunks by key hash, ``ceil(rows / batch_size)`` buckets. In a table, PostgreSQL's
  ``hashtextextended`` over the key columns' text (see :func:`.sqltext.hash_bucket_sql`); in a file, Polars' hash
  of the key struct with fixed seeds (stable within a Polars version: :data:`POLARS_HASH` names the version, and a
  prepared run refuses a worker with another one).

A chunk is ``{"kind": "range", "low", "high", "rows"}`` or ``{"kind": "hash", "buckets", "bucket", "rows"}`` (JSON,
kept in its checkpoint row: every worker runs the chunks prepare cut, never recuts them). A key with a NULL or a
repeated value is refused before anything is cut (a chunk would not be a function of its key).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.migration.engine import sqltext
from superset_review.migration.engine.spec import (
    Execution,
    FileSource,
    MigrationSpec,
    MigrationSpecError,
    TableSource,
)

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

HASH_SEED = 0x5EED2026


def polars_hash_version() -> str:
    return f"polars {pl.__version__}"


# --- reading the source ------------------------------------------------------------------------------------------


def _header(source: FileSource) -> tuple[str, ...]:
    if source.header or source.format not in ("csv", "tsv"):
        return source.header
    with source.path.open(newline="", encoding="utf-8-sig") as handle:
        first = next(csv.reader(handle, delimiter=source.delimiter or ("\t" if source.format == "tsv" else ",")))
    return tuple(first)


def file_frame(spec: MigrationSpec) -> pl.LazyFrame:
    """The file as the plan reads it: ingest's scan (text columns for delimited text, the types Polars can't keep
    as text), the shim when the spec has one, the surrogate key (1-based row number) when asked; lazily."""
    from superset_review.onboarding.ingest import catalog, files
    from superset_review.onboarding.ingest.sources import standardized

    source = spec.source
    assert isinstance(source, FileSource)
    delimiter = source.delimiter or ("\t" if source.format == "tsv" else ",")
    readable = files.SourceFile(source.path, source.format, "utf-8", delimiter, 0, "", _header(source))
    frame = catalog.textual(files.scan(readable))
    if source.format in ("csv", "tsv"):
        frame = frame.filter(pl.any_horizontal(pl.all().is_not_null()))  # blank lines, as ingest skips them
    if source.shim is not None:
        frame = standardized(source.shim, frame).select([p.target for p in source.shim.pipelines])
    execution = spec.execution
    if execution.surrogate is not None:
        frame = frame.with_row_index(execution.surrogate, offset=1).with_columns(
            pl.col(execution.surrogate).cast(pl.Int64)
        )
    return frame


def source_table(source: TableSource) -> sqltext.Fragment:
    return sqltext.table(source.schema, source.table)


# --- cutting chunks ----------------------------------------------------------------------------------------------


def _check_keys(keys: pl.DataFrame, execution: Execution) -> None:
    for name in execution.chunk_keys:
        nulls = keys.get_column(name).null_count()
        if nulls:
            raise MigrationSpecError(Text("the key column %(name)s has %(count)d empty values", name=name[:63],
                                          count=nulls), details={"column": name, "nulls": nulls})  # fmt: skip
    repeated = keys.height - keys.n_unique()
    if repeated:
        raise MigrationSpecError(Text("the key is not unique: %(count)d rows repeat another row's key",
                                      count=repeated), details={"repeated": repeated})  # fmt: skip


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def cut_frame(keys: pl.DataFrame, execution: Execution, batch_size: int) -> list[dict[str, Any]]:
    """The chunks of a frame of key values (every source row's chunk keys)."""
    _check_keys(keys, execution)
    total = keys.height
    if total == 0:
        return []
    if execution.hashed:
        buckets = max(1, math.ceil(total / batch_size))
        counts = keys.select(_bucket_expr(execution, buckets).alias("bucket")).group_by("bucket").len().sort("bucket")
        found = dict(zip(counts.get_column("bucket").to_list(), counts.get_column("len").to_list(), strict=True))
        return [{"kind": "hash", "buckets": buckets, "bucket": b, "rows": int(found.get(b, 0))} for b in range(buckets)]
    name = execution.chunk_keys[0]
    ordered = keys.get_column(name).sort()
    lows = [json_value(value) for value in ordered.gather_every(batch_size).to_list()]
    chunks = []
    for index, low in enumerate(lows):
        high = lows[index + 1] if index + 1 < len(lows) else None
        rows = batch_size if high is not None else total - batch_size * index
        chunks.append({"kind": "range", "low": low, "high": high, "rows": rows})
    return chunks


def _bucket_expr(execution: Execution, buckets: int) -> pl.Expr:
    return pl.struct([pl.col(name) for name in execution.chunk_keys]).hash(HASH_SEED) % buckets


def cut(spec: MigrationSpec) -> list[dict[str, Any]]:
    """The chunks of the spec's source (reads every key once)."""
    execution = spec.execution
    if isinstance(spec.source, FileSource):
        keys = file_frame(spec).select(list(execution.chunk_keys)).collect()
        return cut_frame(keys, execution, spec.batch_size)
    return _cut_table(spec, spec.source)


def _cut_table(spec: MigrationSpec, source: TableSource) -> list[dict[str, Any]]:
    execution = spec.execution
    nulls_where = sqltext.join(" OR ", [sqltext.sql("{} IS NULL", sqltext.ident(n)) for n in execution.chunk_keys])
    keys = sqltext.column_list(execution.chunk_keys)
    table = source_table(source)
    with source.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        sqltext.execute(cursor, sqltext.sql(
            "SELECT count(*), count(*) FILTER (WHERE {}), count(*) - (SELECT count(*) FROM (SELECT DISTINCT {} "
            "FROM {t}) AS d) FROM {t}", nulls_where, keys, t=table))  # fmt: skip
        total, nulls, repeated = cursor.fetchone()
        if nulls:
            raise MigrationSpecError(Text("the key has %(count)d rows with an empty value", count=nulls),
                                     details={"nulls": nulls})  # fmt: skip
        if repeated:
            raise MigrationSpecError(Text("the key is not unique: %(count)d rows repeat another row's key",
                                          count=repeated), details={"repeated": repeated})  # fmt: skip
        if total == 0:
            return []
        if execution.hashed:
            buckets = max(1, math.ceil(total / spec.batch_size))
            bucket = sqltext.hash_bucket_sql(execution.chunk_keys, buckets)
            sqltext.execute(cursor, sqltext.sql("SELECT {} AS b, count(*) FROM {} GROUP BY b", bucket, table))
            found = dict(cursor.fetchall())
            return [{"kind": "hash", "buckets": buckets, "bucket": b, "rows": int(found.get(b, 0))}
                    for b in range(buckets)]  # fmt: skip
        name, logical = execution.chunk_keys[0], execution.chunk_key_types[0]
        order = sqltext.ordered(name, logical)
        sqltext.execute(cursor, sqltext.sql(
            "SELECT k FROM (SELECT {} AS k, row_number() OVER (ORDER BY {}) AS n FROM {}) AS r "
            "WHERE (n - 1) %% %s = 0 ORDER BY n", sqltext.ident(name), order, table), (spec.batch_size,))  # fmt: skip
        lows = [json_value(row[0]) for row in cursor.fetchall()]
        cursor.close()
    chunks = []
    for index, low in enumerate(lows):
        high = lows[index + 1] if index + 1 < len(lows) else None
        rows = spec.batch_size if high is not None else total - spec.batch_size * index
        chunks.append({"kind": "range", "low": low, "high": high, "rows": rows})
    return chunks


# --- a chunk's rows ----------------------------------------------------------------------------------------------


def _polars_value(value: Any, logical: str) -> Any:
    if value is None:
        return None
    if logical == "date":
        return dt.date.fromisoformat(value)
    if logical == "timestamp":
        return dt.datetime.fromisoformat(value)
    return value


def polars_filter(chunk: dict[str, Any], execution: Execution) -> pl.Expr:
    if chunk["kind"] == "hash":
        return _bucket_expr(execution, chunk["buckets"]).eq(chunk["bucket"])
    name, logical = execution.chunk_keys[0], execution.chunk_key_types[0]
    condition: pl.Expr = pl.col(name).ge(_polars_value(chunk["low"], logical))
    if chunk["high"] is not None:
        condition = condition.and_(pl.col(name).lt(_polars_value(chunk["high"], logical)))
    return condition


def sql_filter(chunk: dict[str, Any], execution: Execution, qualifier: str | None = None) -> sqltext.Fragment:
    if chunk["kind"] == "hash":
        bucket = sqltext.hash_bucket_sql(execution.chunk_keys, int(chunk["buckets"]), qualifier)
        return sqltext.sql("{} = {}", bucket, sqltext.literal(int(chunk["bucket"])))
    return sqltext.range_condition(
        execution.chunk_keys[0], execution.chunk_key_types[0], chunk["low"], chunk["high"], qualifier
    )


def chunk_source_sql(spec: MigrationSpec, chunk: dict[str, Any]) -> sqltext.Fragment:
    """The chunk's source rows (the plan's input columns) as a SELECT on the source table."""
    assert isinstance(spec.source, TableSource)
    execution = spec.execution
    return sqltext.sql("SELECT {} FROM {} WHERE {}", sqltext.column_list(execution.inputs),
                       source_table(spec.source), sql_filter(chunk, execution))  # fmt: skip
