"""A chunk's content hash, computed in the worker with Polars over the rows the chunk wrote.

The byte encoding (version :data:`ENCODING`):

- the rows sorted by the key columns, ascending (text compared bytewise, as ``COLLATE "C"``);
- column by column, for every staging column in order (the plan's targets, then the carried key columns):

  - text: each row's value in that order as ``N`` for NULL or ``V<n>:<text>``, ``<n>`` the length of ``<text>``
    in UTF-8 bytes in decimal (so no value can forge a boundary);
  - any other type: its null map (one byte per row, 1 for NULL, 0 otherwise), then one fixed-width value per row,
    little-endian, 0 where NULL: an integer as 8 bytes two's complement; a float as its 8 IEEE-754 bytes (every
    NaN as the quiet NaN ``0x7ff8000000000000``; ``-0.0`` and ``0.0`` differ); a boolean as 1 byte (0 or 1); a
    date as the days since 1970-01-01, a timestamp as the microseconds since 1970-01-01 00:00, 8 bytes each;

- SHA-256 over all of it, lowercase hex (no rows: SHA-256 of nothing).

Column by column and fixed-width where a type has a width: numbers are hashed as their bytes, with no text to
format (no version of any library decides how a float is written), and a column is one buffer.

ETL hashes the frame it COPYs; ELT the rows its statement returns (``COPY (INSERT … RETURNING …) TO STDOUT``); the
checksum validation the rows read back from staging. PostgreSQL's CSV gives every value back exactly (floats in
their shortest exact form), so the three agree.
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

ENCODING = "v2"
EMPTY = hashlib.sha256(b"").hexdigest()


def _encoded_text(name: str) -> pl.Expr:
    text = pl.col(name)
    return pl.concat_str([pl.lit("V"), text.str.len_bytes().cast(pl.String), pl.lit(":"), text]).fill_null("N")


def _fixed_width(series: pl.Series, logical: str) -> bytes:
    import numpy as np

    nulls = series.is_null().to_numpy().astype(np.uint8).tobytes()
    if logical == "float":
        values = series.cast(pl.Float64).fill_null(0.0).to_numpy().astype("<f8", copy=True)
        values[np.isnan(values)] = np.nan  # one NaN, whatever its payload
    elif logical == "boolean":
        values = series.fill_null(False).cast(pl.UInt8).to_numpy().astype("u1")
    elif logical == "date":
        values = series.cast(pl.Int32).cast(pl.Int64).fill_null(0).to_numpy().astype("<i8")
    elif logical == "timestamp":
        values = series.dt.cast_time_unit("us").cast(pl.Int64).fill_null(0).to_numpy().astype("<i8")
    else:
        values = series.cast(pl.Int64).fill_null(0).to_numpy().astype("<i8")
    return nulls + values.tobytes()


def frame_hash(frame: pl.DataFrame, columns: Sequence[tuple[str, str]], keys: Sequence[str]) -> str:
    if frame.height == 0:
        return EMPTY
    ordered = frame.sort(list(keys)) if keys else frame
    texts = [name for name, logical in columns if logical == "string"]
    joined = ordered.select([_encoded_text(name).str.join("").alias(name) for name in texts]) if texts else None
    digest = hashlib.sha256()
    for name, logical in columns:
        if logical == "string":
            assert joined is not None
            digest.update(str(joined.item(0, name)).encode("utf-8"))
        else:
            digest.update(_fixed_width(ordered.get_column(name), logical))
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
