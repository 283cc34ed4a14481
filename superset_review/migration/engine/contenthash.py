"""A chunk's content hash, computed in the worker with Polars over the rows the chunk wrote.

The byte encoding (version :data:`ENCODING`):

- the rows sorted by the key columns, ascending (text compared bytewise, as ``COLLATE "C"``);
- column by column, for every staging column in order (the plan's targets, then the carried key columns), each
  row's value in that order as ``N`` for NULL or ``V<n>:<text>``, ``<n>`` the length of ``<text>`` in UTF-8
  bytes (so no value can forge a boundary; the number of rows and columns is fixed by the chunk), ``<text>`` the
  value as: an integer in decimal; a float as Polars writes it (``cast(pl.String)``: the shortest text that reads
  back as the same double, ``1e+300``, ``-0.0``, ``inf``); ``true`` / ``false``; a date ``YYYY-MM-DD``; a
  timestamp ``YYYY-MM-DD HH:MM:SS.ffffff``; text as it is;
- SHA-256 over the UTF-8 bytes of all of it, lowercase hex (no rows: SHA-256 of nothing).

Column by column, because Polars then encodes the columns in parallel, each with one ``str.join``.

ETL hashes the frame it COPYs; ELT the rows its statement returns (``COPY (INSERT … RETURNING …) TO STDOUT``); the
checksum validation the rows read back from staging. PostgreSQL's CSV gives every value back exactly (floats in
their shortest exact form), so the three agree. The float text is Polars': a run records the Polars version it was
hashed with, and a worker or a validation with another version is refused rather than mismatched.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from superset_review.extension.lazy import LazyModule

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

ENCODING = "v1"
EMPTY = hashlib.sha256(b"").hexdigest()


def _text(name: str, logical: str) -> pl.Expr:
    column = pl.col(name)
    if logical == "date":
        return column.dt.to_string("%Y-%m-%d")
    if logical == "timestamp":
        return column.dt.to_string("%Y-%m-%d %H:%M:%S%.6f")
    if logical == "string":
        return column
    return column.cast(pl.String)


def _encoded(name: str, logical: str) -> pl.Expr:
    text = _text(name, logical)
    return pl.concat_str([pl.lit("V"), text.str.len_bytes().cast(pl.String), pl.lit(":"), text]).fill_null("N")


def frame_hash(frame: pl.DataFrame, columns: Sequence[tuple[str, str]], keys: Sequence[str]) -> str:
    if frame.height == 0:
        return EMPTY
    ordered = frame.sort(list(keys)) if keys else frame
    encoded = ordered.select([_encoded(name, logical).str.join("").alias(name) for name, logical in columns])
    digest = hashlib.sha256()
    for name, _ in columns:
        digest.update(str(encoded.item(0, name)).encode("utf-8"))
    return digest.hexdigest()


def read_pg_csv(data: bytes, columns: Sequence[tuple[str, str]]) -> pl.DataFrame:
    """Rows PostgreSQL wrote with ``COPY … TO STDOUT WITH (FORMAT csv)`` (its default text forms, DateStyle ISO)
    as the frame the worker had: NULL is an empty unquoted field, an empty text ``""``."""
    from superset_review.transform_dsl.polars import DTYPES

    names = [name for name, _ in columns]
    if not data:
        return pl.DataFrame(schema={name: DTYPES[logical] for name, logical in columns})  # type: ignore[index]
    raw = pl.read_csv(io.BytesIO(data), has_header=False, new_columns=names,
                      schema={name: pl.String for name in names})  # fmt: skip
    converted = []
    for name, logical in columns:
        column = pl.col(name)
        if logical == "boolean":
            converted.append(pl.when(column.is_null()).then(None).otherwise(column == "t").alias(name))
        elif logical == "date":
            converted.append(column.str.to_date("%Y-%m-%d"))
        elif logical == "timestamp":
            converted.append(column.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us"))
        elif logical == "string":
            converted.append(column)
        else:
            converted.append(column.cast(DTYPES[logical]))  # type: ignore[index]
    return raw.select(converted)
