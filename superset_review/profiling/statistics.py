"""Per-column statistics of a bounded sample, in one Polars pass: null rate, distinct count, min, max, top values.

Values of columns found to hold PII are never part of the result: their min, max and top values are withheld
(a minimum e-mail address is an e-mail address).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

TOP_VALUES = 5


def column_statistics(sample: pl.DataFrame, rows: int, withheld: Collection[str] = ()) -> dict[str, Any]:
    """``rows`` is the table's true row count; every other figure is of ``sample`` and says so."""
    import polars as pl  # not at import: the web app's start-up should not pay for Polars

    if not sample.width:
        return {"rows": rows, "sampled_rows": 0, "columns": {}}
    exprs: list[pl.Expr] = []
    for name, dtype in sample.schema.items():
        column = pl.col(name)
        exprs += [
            column.null_count().alias(f"{name}\x00nulls"),
            column.drop_nulls().n_unique().alias(f"{name}\x00distinct"),
        ]
        if name in withheld:
            continue
        if dtype.is_numeric() or dtype.is_temporal() or dtype == pl.String:
            exprs += [column.min().alias(f"{name}\x00min"), column.max().alias(f"{name}\x00max")]
        if _countable(dtype):
            counts = column.drop_nulls().value_counts(sort=True).head(TOP_VALUES).implode()
            exprs.append(counts.alias(f"{name}\x00top"))
    found = sample.select(exprs).row(0, named=True)
    height = sample.height
    columns: dict[str, dict[str, Any]] = {}
    for name in sample.columns:
        top = found.get(f"{name}\x00top")
        top_values = (
            None if top is None else [{"value": _plain(item[name]), "count": int(item["count"])} for item in top]
        )
        columns[name] = {
            "null_rate": round(found[f"{name}\x00nulls"] / height, 4) if height else None,
            "distinct": int(found[f"{name}\x00distinct"]),
            "min": _plain(found.get(f"{name}\x00min")),
            "max": _plain(found.get(f"{name}\x00max")),
            "top_values": top_values,
            "withheld": name in withheld,
        }
    return {"rows": rows, "sampled_rows": height, "columns": columns}


def _countable(dtype: pl.DataType) -> bool:
    import polars as pl

    return not (dtype.is_nested() or dtype == pl.Object or dtype == pl.Binary)


def _plain(value: Any) -> Any:
    """A JSON-safe scalar (timestamps, decimals and numpy numbers as text or Python numbers)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, (int, float, str, bool)):
        return value
    return str(value)
