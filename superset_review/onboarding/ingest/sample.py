"""The Sample Pack (data_mode only): a deterministic, stratified, capped sample of the standardized rows.

**Deterministic.** Each row's rank is the hash of its position in the source with a fixed seed (:data:`SEED`), so
the same file gives the same rows on every run; within a stratum the lowest ranks are taken.

**Stratified** by a date column where there is one (by month), else by a key: a text or integer column with a few
distinct values (2 to :data:`MAX_STRATA`, at most half the rows), a name that reads like a grouping (``region``,
``status``, ``*_type``, ``*_code``) winning. Each stratum gets its share of ``rows_max`` (at least one row); with no
such column the sample is uniform. ``stratification`` in the body says which was chosen and why.

**Capped** by the contract's ``sample_caps``: ``rows_max`` rows, then cut to whole rows within ``bytes_max``
(Polars' estimate of the rows' size).

The raw rows go to ``<run_dir>/sample_pack.parquet`` (mapping and analysis read them; never served). The artifact's
body shows at most :data:`SHOWN_ROWS` rows, masked: a column of personal data under its domain's masking operator
(a redaction when the operator needs a secret or a vault), every other text value span by span (an e-mail inside a
comment goes too).

Reading is bounded too: two passes over the source, the first over the stratum column only (row positions, ranks and
strata), the second fetching the chosen rows, to which the shim is then applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from superset_review.extension.lazy import LazyModule
from superset_review.extension.linear_regex import compile_linear

if TYPE_CHECKING:
    import polars as pl

    from superset_review.domains.catalog import Catalog
    from superset_review.domains.domaining import PiiVerdict
else:
    pl = LazyModule("polars")

SEED = 20_260_101
SHOWN_ROWS = 50
VERDICT_ROWS = 200  # rows the classifier reads to decide what the body masks
MAX_STRATA = 100
VALUE_CHARS = 120
FILE_NAME = "sample_pack.parquet"
ROW = "__row"
RANK = "__rank"
STRATUM = "__stratum"
_GROUPING = compile_linear(r"(^|_)(region|country|state|city|status|segment|category|type|kind|group|class|"
                           r"channel|source|code|key|tier|level|gender|department|store|branch)(_|$)")  # fmt: skip


def raw_path(run_dir: Path) -> Path:
    """Where a run's Sample Pack rows are (what mapping, analysis and the Domains stage read)."""
    return run_dir / FILE_NAME


@dataclass(frozen=True)
class Stratification:
    column: str | None
    kind: str  # date | key | uniform
    reason: str
    strata: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "kind": self.kind, "reason": self.reason, "strata": self.strata}


def choose_stratification(columns: Sequence[Mapping[str, Any]], row_count: int) -> Stratification:
    """The column to stratify by, from the catalog's columns (their types and distinct estimates)."""
    for column in columns:
        if column["dtype"] in ("date", "timestamp") and (column.get("distinct_estimate") or 0) >= 2:
            return Stratification(column["name"], "date", "a date column: each month in proportion to its rows")
    keys = [
        column
        for column in columns
        if column["dtype"] in ("string", "integer", "boolean")
        and 2 <= (column.get("distinct_estimate") or 0) <= min(MAX_STRATA, max(row_count // 2, 2))
    ]
    if keys:
        named = [column for column in keys if _GROUPING.search(column["name"])]
        chosen = (named or sorted(keys, key=lambda column: column["distinct_estimate"]))[0]
        why = "a grouping key by its name" if named else "the column with the fewest distinct values"
        return Stratification(chosen["name"], "key", f"{why}: each value in proportion to its rows")
    return Stratification(None, "uniform", "no date column and no grouping key: a uniform sample")


def _stratum_expr(choice: Stratification) -> pl.Expr:
    column = pl.col(choice.column or "")
    if choice.kind == "date":
        return column.dt.truncate("1mo").cast(pl.String)
    return column.cast(pl.String)


def quotas(counts: pl.DataFrame, rows_max: int) -> dict[Any, int]:
    """Each stratum's share of ``rows_max`` (largest remainders), at least one row where it has any; ``counts`` has
    the stratum and its ``len``."""
    total = int(counts["len"].sum())
    shares = [
        (row[STRATUM], int(row["len"]), rows_max * int(row["len"]) / total) for row in counts.iter_rows(named=True)
    ]
    given = {stratum: min(size, max(1, int(share))) for stratum, size, share in shares}
    left = rows_max - sum(given.values())
    by_remainder = sorted(shares, key=lambda item: (-(item[2] - int(item[2])), str(item[0])))
    for stratum, size, _ in by_remainder:
        if left <= 0:
            break
        if given[stratum] < size:
            given[stratum] += 1
            left -= 1
    return given


def chosen_rows(
    standardized: pl.LazyFrame, choice: Stratification, rows_max: int, row_count: int
) -> tuple[list[int], int]:
    """The positions of the rows to sample and the number of strata (a pass over the stratum column only)."""
    if choice.column is None:
        index = pl.int_range(0, row_count, dtype=pl.UInt32, eager=True).alias(ROW).to_frame()
        ranked = index.with_columns(pl.col(ROW).hash(SEED).alias(RANK))
        return sorted(ranked.bottom_k(rows_max, by=RANK)[ROW].to_list()), 1
    keyed = (
        standardized.select(_stratum_expr(choice).alias(STRATUM))
        .with_row_index(ROW)
        .with_columns(pl.col(ROW).hash(SEED).alias(RANK))
        .collect(engine="streaming")
    )
    counts = keyed.group_by(STRATUM).len()
    if counts.height > rows_max:  # more strata than rows to draw: each would get one row at best
        return sorted(keyed.bottom_k(rows_max, by=RANK)[ROW].to_list()), counts.height
    given = quotas(counts, rows_max)
    shares = pl.DataFrame({STRATUM: list(given), "quota": list(given.values())},
                          schema={STRATUM: pl.String, "quota": pl.Int64})  # fmt: skip
    picked = (
        keyed.join(shares, on=STRATUM, how="left", nulls_equal=True)
        .filter(pl.col(RANK).rank("ordinal").over(STRATUM) <= pl.col("quota"))
        .get_column(ROW)
    )
    return sorted(picked.to_list()), counts.height


def within_bytes(frame: pl.DataFrame, bytes_max: int) -> pl.DataFrame:
    """Whole rows within ``bytes_max`` (by the frame's estimated size per row), lowest ranks kept."""
    if frame.height == 0 or frame.estimated_size() <= bytes_max:
        return frame
    per_row = frame.estimated_size() / frame.height
    keep = max(int(bytes_max // per_row), 0)
    return frame.sort(RANK).head(keep).sort(ROW)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def write_rows(frame: pl.DataFrame, run_dir: Path) -> tuple[Path, str]:
    """The raw rows as Parquet under the run directory (written whole or not at all), and the file's SHA-256."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = raw_path(run_dir)
    partial = path.with_suffix(".parquet.partial")
    frame.write_parquet(partial, statistics=False)
    partial.replace(path)
    return path, file_sha256(path)


# --- masking ------------------------------------------------------------------------------------------------------


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    return (value.isoformat() if hasattr(value, "isoformat") else str(value))[:VALUE_CHARS]


def masked_columns(
    frame: pl.DataFrame, verdicts: Mapping[str, PiiVerdict], catalog: Catalog
) -> dict[str, list[str | None]]:
    """Each column of ``frame`` as shown text, masked: personal data whole under its domain's operator, other text
    span by span; numbers, dates and booleans as written."""
    from superset_review.domains.domaining import masking_operator
    from superset_review.pii.masking import RedactOperator, mask_series, mask_text

    shown: dict[str, list[str | None]] = {}
    for name in frame.columns:
        series = frame.get_column(name)
        verdict = verdicts.get(name)
        if verdict is not None and verdict.pii is not None:
            text = series.cast(pl.String, strict=False)
            operator = masking_operator(catalog, verdict.domain)
            shown[name] = [_shown(value) for value in mask_series(text, verdict.pii, operator).to_list()]
        elif series.dtype == pl.String:
            shown[name] = [None if value is None else mask_text(str(value)[:VALUE_CHARS], RedactOperator()).text
                           for value in series.to_list()]  # fmt: skip
        else:
            shown[name] = [_shown(value) for value in series.to_list()]
    return shown


def examples_of(shown: Mapping[str, list[str | None]], limit: int = 5) -> dict[str, list[str]]:
    """Up to ``limit`` distinct non-empty shown (masked) values per column."""
    examples: dict[str, list[str]] = {}
    for name, values in shown.items():
        distinct = [value for value in dict.fromkeys(values) if value]
        examples[name] = distinct[:limit]
    return examples


def sample_body(
    frame: pl.DataFrame,
    shown: Mapping[str, list[str | None]],
    caps: Mapping[str, int],
    choice: Stratification,
    file_hash: str,
) -> dict[str, Any]:
    columns = list(frame.columns)
    shown_rows = min(frame.height, SHOWN_ROWS, *(len(values) for values in shown.values()))
    rows = [[shown[name][index] for name in columns] for index in range(shown_rows)]
    return {
        "seed": SEED,
        "rows_max": int(caps["rows_max"]),
        "bytes_max": int(caps["bytes_max"]),
        "row_count": frame.height,
        "stratified_by": choice.column,
        "stratification": choice.to_json(),
        "columns": columns,
        "rows": rows,
        "raw_path_sha256": file_hash,
    }
