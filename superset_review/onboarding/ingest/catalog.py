"""The Standard Schema Catalog: the body of the ``catalog`` artifact (``catalog_version`` 1), and the pieces every
source shares to build it: logical types of physical ones, the statistics of a lazy frame in one pass, the hashes.

A table's ``schema_hash`` is the SHA-256 of its columns' standardized names and logical types (in order): two sources
with the same shape have the same one whatever their rows. Its ``content_hash`` is the data's: the SHA-256 of a
file's bytes, or of a table's aggregate fingerprint (row count and per-column statistics) for SQL.

Values shown are bounded: min and max only for numbers, booleans, dates and timestamps (a text column's extremes are
row values, and the catalog is what an LLM may see), cut to :data:`VALUE_CHARS`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superset_review.extension.lazy import LazyModule
from superset_review.onboarding.contract import canonical_json

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

CATALOG_VERSION = 1
VALUE_CHARS = 100
EXAMPLES_MAX = 5
ORDERED_TYPES = frozenset({"integer", "float", "boolean", "date", "timestamp"})


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def logical_of_polars(dtype: pl.DataType) -> str:
    """The DSL's logical type of a Polars type (a decimal is a float; nested and binary values are read as text)."""
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or dtype.is_decimal():
        return "float"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    return "string"


def textual(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Columns whose Polars type the DSL has no logical type for (lists, structs, binary, times, durations,
    categoricals) as text, so that every column of a source is one of the six logical types."""
    schema = frame.collect_schema()
    converted: list[pl.Expr] = []
    for name, dtype in schema.items():
        if isinstance(dtype, pl.Struct):
            converted.append(pl.col(name).struct.json_encode())
        elif isinstance(dtype, pl.List | pl.Array):
            prefix = len(pl.select(pl.struct(pl.lit(0).alias(name)).struct.json_encode()).item()) - 2
            encoded = pl.struct(pl.col(name)).struct.json_encode()
            converted.append(encoded.str.slice(prefix, encoded.str.len_chars() - prefix - 1).alias(name))
        elif dtype == pl.Binary:
            converted.append(pl.col(name).bin.encode("hex"))
        elif logical_of_polars(dtype) == "string" and dtype != pl.String:
            converted.append(pl.col(name).cast(pl.String))
    return frame.with_columns(converted) if converted else frame


@dataclass(frozen=True)
class ColumnStats:
    null_count: int | None
    distinct_estimate: int | None
    min: str | None
    max: str | None
    failed: int  # values the shim could not convert to the column's type (its reason column not NULL)


def statistics_exprs(columns: Mapping[str, str], reasons: Sequence[str] = ()) -> list[pl.Expr]:
    """One aggregate per statistic and column (``columns``: name -> logical type), and the failure count of each
    reason column: evaluated together, they are one pass over the frame."""
    exprs: list[pl.Expr] = [pl.len().alias("__rows")]
    for index, (name, dtype) in enumerate(columns.items()):
        column = pl.col(name)
        exprs += [column.null_count().alias(f"{index}:nulls"), column.approx_n_unique().alias(f"{index}:distinct")]
        if dtype in ORDERED_TYPES:
            exprs += [column.min().cast(pl.String).alias(f"{index}:min"),
                      column.max().cast(pl.String).alias(f"{index}:max")]  # fmt: skip
    exprs += [pl.col(reason).is_not_null().sum().alias(f"reason:{reason}") for reason in reasons]
    return exprs


def read_statistics(row: Mapping[str, Any], columns: Mapping[str, str], reasons: Mapping[str, str]) -> tuple[
    int, dict[str, ColumnStats]
]:  # fmt: skip
    """The row of :func:`statistics_exprs` as the row count and each column's statistics; ``reasons`` maps a column
    to its reason column."""
    stats: dict[str, ColumnStats] = {}
    for index, name in enumerate(columns):
        reason = reasons.get(name)
        stats[name] = ColumnStats(
            null_count=int(row[f"{index}:nulls"]),
            distinct_estimate=int(row[f"{index}:distinct"]),
            min=_bounded(row.get(f"{index}:min")),
            max=_bounded(row.get(f"{index}:max")),
            failed=int(row[f"reason:{reason}"]) if reason else 0,
        )
    return int(row["__rows"]), stats


def _bounded(value: Any) -> str | None:
    return None if value is None else str(value)[:VALUE_CHARS]


def schema_hash(columns: Sequence[Mapping[str, Any]]) -> str:
    return sha256_text(canonical_json([[column["name"], column["dtype"]] for column in columns]))


def column_entry(
    name: str, original_name: str, dtype: str, physical_type: str, stats: ColumnStats | None, nullable: bool = True
) -> dict[str, Any]:
    """One column of the catalog, before domaining (its domain fields are null; examples added in data_mode)."""
    return {
        "name": name,
        "original_name": original_name[:500],
        "dtype": dtype,
        "physical_type": physical_type[:200],
        "nullable": bool(nullable or (stats is not None and stats.null_count)),
        "null_count": stats.null_count if stats else None,
        "distinct_estimate": stats.distinct_estimate if stats else None,
        "min": stats.min if stats else None,
        "max": stats.max if stats else None,
        "domain": None,
        "domain_confidence": None,
        "domain_band": None,
        "pii": None,
    }


def table_entry(name: str, row_count: int, content_hash: str, columns: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "row_count": row_count,
        "schema_hash": schema_hash(columns),
        "content_hash": content_hash,
        "columns": columns,
    }


def catalog_body(
    source: Mapping[str, Any], tables: list[dict[str, Any]], shim_hash: str, contract_hash: str
) -> dict[str, Any]:
    return {
        "catalog_version": CATALOG_VERSION,
        "source": dict(source),
        "tables": tables,
        "shim_hash": shim_hash,
        "contract_hash": contract_hash,
    }


_TEXT_WORDS = ("CHAR", "TEXT", "STRING", "CLOB", "JSON", "UUID", "INTERVAL", "POINT", "ENUM", "XML", "INET")
_SQL_FAMILIES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("BOOL",), "boolean"),
    (("TIMESTAMP", "DATETIME"), "timestamp"),
    (("DATE",), "date"),
    (("INT", "SERIAL"), "integer"),
    (("NUMERIC", "DECIMAL", "FLOAT", "DOUBLE", "REAL", "NUMBER", "MONEY"), "float"),
)


def logical_of_sql(sql_type: str | None) -> str:
    """The logical type of a database type as SQLAlchemy or Superset spell it (``BIGINT``, ``NUMERIC(10, 2)``,
    ``TIMESTAMP WITHOUT TIME ZONE``, ``VARCHAR(20)``); text when it is none of the others."""
    upper = (sql_type or "").upper()
    if any(word in upper for word in _TEXT_WORDS):
        return "string"
    for words, logical in _SQL_FAMILIES:
        if any(word in upper for word in words):
            return logical
    return "string"


def polars_of_logical(dtype: str) -> pl.DataType:
    """The Polars type a column of a logical type is held in (rows read from a database are cast to it)."""
    return {
        "integer": pl.Int64(),
        "float": pl.Float64(),
        "boolean": pl.Boolean(),
        "date": pl.Date(),
        "timestamp": pl.Datetime("us"),
    }.get(dtype, pl.String())
