"""A source read into the catalog: the standardization shim applied to a file's lazy frame, its types proved on the
whole column and its statistics computed in the same streaming pass.

Both kinds of source end as an :class:`IngestedSource`: the catalog's ``source`` and ``tables`` entries, the shim
plan, and, for the Sample Pack, a way to the standardized rows (a lazy frame for a file; a bounded query for SQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.onboarding.ingest import catalog, files, shim
from superset_review.onboarding.ingest.exceptions import FileUnreadableError

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

DEFAULT_MAX_FILE_BYTES = 2 * 1024**3
MAX_COLUMNS = 5_000
SHIM_ROUNDS = 3  # a guess disproved on the whole column is read as text: at most this many passes


@dataclass(frozen=True)
class IngestedSource:
    source: dict[str, Any]  # the catalog's "source"
    tables: list[dict[str, Any]]  # the catalog's "tables" (one per source today)
    plan: dict[str, Any]  # the shim's DSL plan (Plan.to_dict())
    plan_hash: str
    raw: pl.LazyFrame  # the rows as read (a file's, or those fetched from a database): what the sample fetches
    standardized: pl.LazyFrame  # the shim applied to ``raw`` (each target and its reason column)
    parsed: Any  # the shim as a transform_dsl Plan
    types: dict[str, str]  # standardized column -> logical type
    sample_rows: int  # rows of ``raw``: the population the Sample Pack draws from


def max_file_bytes() -> int:
    from flask import current_app, has_app_context

    if not has_app_context():
        return DEFAULT_MAX_FILE_BYTES
    return int(current_app.config.get("REVIEW_ONBOARDING_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def _polars_failure(source: files.SourceFile, error: Exception) -> FileUnreadableError:
    """A file Polars refuses after the checks passed: named by kind, without the engine's text (it quotes rows)."""
    if source.format == "jsonl":
        line = first_bad_json_line(source.path)
        if line is not None:
            return FileUnreadableError(Text("line %(line)d is not a JSON object", line=line), line=line)
    return FileUnreadableError(Text("the %(format)s file cannot be read (%(reason)s)", format=source.format,
                                    reason=type(error).__name__))  # fmt: skip


def first_bad_json_line(path: Path) -> int | None:
    """The first non-blank line that is not a JSON object (only asked once Polars has refused the file)."""
    import json

    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                if not isinstance(json.loads(line), dict):
                    return number
            except ValueError:
                return number
    return None


def standardized(parsed: Any, frame: pl.LazyFrame) -> pl.LazyFrame:
    """The shim applied to ``frame`` lazily: each target and its ``__reason`` column, nothing collected.

    ``transform_dsl.apply_polars`` collects its result, and a 1 GB file must stream: this runs the same levels
    (``polars_stages``, consecutive selects) on the lazy frame instead."""
    from superset_review.transform_dsl import polars_stages

    for level in polars_stages(parsed):
        frame = frame.select(level)
    return frame


def _standardized(raw: pl.LazyFrame, plan: dict[str, Any], source_types: dict[str, str]) -> tuple[
    pl.LazyFrame, Any
]:  # fmt: skip
    from superset_review.transform_dsl import parse_plan

    parsed = parse_plan(plan, source_types)
    return standardized(parsed, raw), parsed


def ingest_file(path: Path, name: str | None, run_dir: Path) -> IngestedSource:
    """The catalog of one file (CSV, TSV, Parquet, JSON lines), its shim applied, streaming."""
    source = files.open_source(path, name, run_dir, max_file_bytes())
    try:
        raw = catalog.textual(files.scan(source))
        schema = raw.collect_schema()
        if len(schema) > MAX_COLUMNS:
            raise FileUnreadableError(Text("the file has %(count)d columns, more than %(limit)d",
                                           count=len(schema), limit=MAX_COLUMNS))  # fmt: skip
        if source.format == "csv" or source.format == "tsv":
            raw = raw.filter(pl.any_horizontal(pl.all().is_not_null()))  # blank lines (Polars reads them as nulls)
        columns = list(schema)
        source_types = {column: catalog.logical_of_polars(dtype) for column, dtype in schema.items()}
        text_columns = [column for column in columns if source_types[column] == "string"]
        guesses = shim.guess_types(raw.head(shim.GUESS_ROWS).collect(), text_columns)
        for _ in range(SHIM_ROUNDS):
            plan = shim.build_plan(columns, source_types, guesses)
            frame, parsed = _standardized(raw, plan, source_types)
            types = {p["target"]: shim.output_type(source_types[p["source"]], guesses.get(p["source"], shim.TEXT))
                     for p in plan["pipelines"]}  # fmt: skip
            typed = {p["target"]: f"{p['target']}__reason" for p in plan["pipelines"]
                     if types[p["target"]] != source_types[p["source"]]}  # fmt: skip
            row = frame.select(catalog.statistics_exprs(types, list(typed.values()))).collect(engine="streaming")
            row_count, stats = catalog.read_statistics(row.row(0, named=True), types, typed)
            disproved = [p["source"] for p in plan["pipelines"] if stats[p["target"]].failed]
            if not disproved:
                break
            guesses = {**guesses, **dict.fromkeys(disproved, shim.TEXT)}
        physical = frame.collect_schema()
    except pl.exceptions.PolarsError as ex:
        raise _polars_failure(source, ex) from ex
    if row_count == 0:
        raise FileUnreadableError(Text("the file has a header (%(columns)d columns) and no rows",
                                       columns=len(columns)), columns=len(columns))  # fmt: skip
    entries = [
        catalog.column_entry(p["target"], _original(source, index, p["source"]), types[p["target"]],
                             str(physical[p["target"]]), stats[p["target"]])
        for index, p in enumerate(plan["pipelines"])
    ]  # fmt: skip
    table_name = shim.standard_name(Path(name or path.name).stem, 1)
    table = catalog.table_entry(table_name, row_count, source.sha256, entries)
    described = {"type": "file", "format": source.format, "name": (name or path.name)[:255],
                 "encoding": source.encoding, "delimiter": source.delimiter, "bytes": source.bytes}  # fmt: skip
    return IngestedSource(described, [table], parsed.to_dict(), parsed.content_hash, raw, frame, parsed, types,
                          row_count)  # fmt: skip


def _original(source: files.SourceFile, index: int, read_as: str) -> str:
    """The header as written (a repeated or empty header was renamed to be read)."""
    if source.header and index < len(source.header):
        return source.header[index]
    return read_as
