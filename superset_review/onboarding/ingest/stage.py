"""The Ingest and Domains stages of a run (see ``onboarding/stages.py`` for the seam).

``run_ingest``: the source (a file or a Superset database's table or query) into the Standard Schema Catalog with
its standardization shim applied, the target schema, and in data_mode the Sample Pack. Work runs with the run
owner's rights (``ctx.user_id``); a stage writes no run table and leaves no half-written file: the command stores
what it returns.

``run_domains``: each column of the catalog classified with the extension's domaining (the classifier every review
uses, with the live domain catalog): data_mode reads the Sample Pack's raw values, metadata_only only the header,
its type and the table's other headers, and is never in the high band (no value was seen). The run's threshold
profile bands the confidence. The result is a new ``catalog`` version.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.onboarding.ingest import catalog, sample, shim, sql
from superset_review.onboarding.ingest.exceptions import FileUnreadableError, IngestError
from superset_review.onboarding.ingest.sources import IngestedSource, ingest_file, standardized
from superset_review.onboarding.ingest.target import read_target
from superset_review.onboarding.models import ArtifactKind, RunMode
from superset_review.onboarding.stages import ArtifactOut, RunContext

if TYPE_CHECKING:
    import polars as pl

    from superset_review.domains.catalog import Catalog
    from superset_review.domains.classify import ColumnDomain
    from superset_review.domains.domaining import PiiVerdict
else:
    pl = LazyModule("polars")


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """The run owner as the current user (a task already is; the CLI's in-process run with no owner acts as the
    server's operator)."""
    from flask import g
    from superset.extensions import security_manager
    from superset.utils.core import override_user

    current = getattr(g, "user", None)
    if user_id is None or getattr(current, "id", None) == user_id:
        with nullcontext():
            yield
        return
    owner = security_manager.get_user_by_id(user_id)
    if owner is None:
        raise IngestError(Text("the run's owner (user %(user)d) no longer exists", user=user_id))
    with override_user(owner):
        yield


def _sql_source(ctx: RunContext) -> IngestedSource:
    lhs = ctx.contract["lhs"]
    # data_mode: a bounded population to sample from, a few times the rows the Sample Pack keeps
    population = min(sql.SAMPLE_SOURCE_ROWS, 5 * int(ctx.contract["sample_caps"]["rows_max"]))
    read = sql.read_sql_source(lhs["location"], lhs.get("schema_ref"),
                               population if ctx.mode is RunMode.DATA_MODE else 0)  # fmt: skip
    plan = sql.plan_for(read)
    from superset_review.transform_dsl import parse_plan

    parsed = parse_plan(plan, read.types)
    entries = sql.column_entries(read, plan)
    table = catalog.table_entry(shim.standard_name(read.table_name, 1), read.row_count, read.content_hash, entries)
    rows = read.sample if read.sample is not None else pl.DataFrame(schema={name: pl.String for name in read.types})
    rows = rows.with_columns(
        [pl.col(name).cast(catalog.polars_of_logical(dtype), strict=False) for name, dtype in read.types.items()]
    )
    raw = rows.lazy()
    types = {entry["name"]: entry["dtype"] for entry in entries}
    return IngestedSource(sql.source_description(lhs["location"], read), [table], parsed.to_dict(),
                          parsed.content_hash, raw, standardized(parsed, raw), parsed, types,
                          min(read.row_count, rows.height))  # fmt: skip


def _ingest_lhs(ctx: RunContext) -> IngestedSource:
    lhs = ctx.contract["lhs"]
    if lhs["source"]["type"] == "sql":
        return _sql_source(ctx)
    if ctx.source_path is None:
        raise FileUnreadableError(Text("the run names no uploaded file to read"))
    return ingest_file(ctx.source_path, ctx.source_name, ctx.run_dir)


def _pii_verdicts(frame: pl.DataFrame) -> tuple[dict[str, PiiVerdict], Catalog]:
    from superset_review.domains.domaining import current_catalog, pii_verdicts

    return pii_verdicts(frame), current_catalog()[0]


def draw_sample_pack(ctx: RunContext, ingested: IngestedSource) -> tuple[ArtifactOut, dict[str, list[str]]]:
    """The Sample Pack artifact (masked body, raw rows in the run directory) and the masked examples per column."""
    caps = ctx.contract["sample_caps"]
    columns = ingested.tables[0]["columns"]
    choice = sample.choose_stratification(columns, ingested.sample_rows)
    positions, strata = sample.chosen_rows(ingested.standardized, choice, int(caps["rows_max"]), ingested.sample_rows)
    fetched = (
        ingested.raw.with_row_index(sample.ROW).filter(pl.col(sample.ROW).is_in(positions)).collect(engine="streaming")
    )
    targets = [pipeline["target"] for pipeline in ingested.plan["pipelines"]]
    drawn = standardized(ingested.parsed, fetched.lazy()).select(targets).collect()
    drawn = drawn.with_columns(
        fetched.get_column(sample.ROW), fetched.get_column(sample.ROW).hash(sample.SEED).alias(sample.RANK)
    )
    capped = sample.within_bytes(drawn, int(caps["bytes_max"]))
    rows = capped.select(targets)
    # What the body shows (and the examples) is the first SHOWN_ROWS rows: only those are masked, by the verdicts
    # of the classifier on a few hundred rows (the Domains stage reads them all).
    verdicts, domains = _pii_verdicts(rows.head(sample.VERDICT_ROWS))
    shown = sample.masked_columns(rows.head(sample.SHOWN_ROWS), verdicts, domains)
    path, file_hash = sample.write_rows(rows, ctx.run_dir)  # last: a stage that fails leaves no new sample file
    choice = sample.Stratification(choice.column, choice.kind, choice.reason, strata)
    body = sample.sample_body(rows, shown, caps, choice, file_hash)
    return ArtifactOut(ArtifactKind.SAMPLE_PACK, body, str(path)), sample.examples_of(shown)


def run_ingest(ctx: RunContext) -> list[ArtifactOut]:
    """The Ingest stage: ``catalog``, ``shim``, ``target_schema`` and, in data_mode, ``sample_pack``."""
    with acting_as(ctx.user_id):
        ctx.progress(0.0, "reading the target")
        target = read_target(ctx.contract["rhs"])  # first: a target the owner may not read stops the run at once
        ctx.progress(0.1, "reading the source")
        ingested = _ingest_lhs(ctx)
        artifacts: list[ArtifactOut] = []
        tables = ingested.tables
        if ctx.mode is RunMode.DATA_MODE:
            ctx.progress(0.7, "drawing the sample pack")
            pack, examples = draw_sample_pack(ctx, ingested)
            artifacts.append(pack)
            first = {**tables[0], "columns": [{**column, "examples": examples.get(column["name"], [])}
                                              for column in tables[0]["columns"]]}  # fmt: skip
            tables = [first, *tables[1:]]
        body = catalog.catalog_body(ingested.source, tables, ingested.plan_hash, ctx.contract_hash)
        ctx.progress(1.0, "catalog ready")
        return [ArtifactOut(ArtifactKind.CATALOG, body), ArtifactOut(ArtifactKind.SHIM, ingested.plan),
                ArtifactOut(ArtifactKind.TARGET_SCHEMA, target), *artifacts]  # fmt: skip


# --- Domains ------------------------------------------------------------------------------------------------------


def _banded(result: ColumnDomain, thresholds: Mapping[str, float], values_seen: bool) -> dict[str, Any]:
    """The verdict under the run's profile: below ``tau_low`` unknown; high only at ``tau_high`` or above (and the
    classifier's own margin), and never from a header alone."""
    domain, confidence, band = result.domain, float(result.confidence), result.band.value
    tau_high, tau_low = float(thresholds["tau_high"]), float(thresholds["tau_low"])
    if domain is not None and confidence < tau_low:
        domain, band = None, "low"
    if band == "high" and (confidence < tau_high or not values_seen):
        band = "borderline"
    pii = result.pii.value if (result.pii is not None and domain is not None) else None
    return {"domain": domain, "domain_confidence": round(confidence, 4), "domain_band": band, "pii": pii}


def classify_columns(
    columns: Sequence[Mapping[str, Any]], frame: pl.DataFrame | None, thresholds: Mapping[str, float]
) -> tuple[dict[str, dict[str, Any]], Catalog, dict[str, Any]]:
    """Each column's domain fields, the domain catalog used, and its stamp."""
    from superset_review.domains.domaining import classify_sample, current_catalog

    domains, stamp = current_catalog()
    names = [column["name"] for column in columns]
    types = {column["name"]: str(column.get("physical_type") or column["dtype"]) for column in columns}
    usable = frame.select([name for name in names if name in frame.columns]) if frame is not None else None
    results, _ = classify_sample(domains, usable, names, types)
    verdicts = {result.column: _banded(result, thresholds, usable is not None) for result in results}
    stamp_json = {"catalog_version": stamp.version, "catalog_hash": stamp.content_hash, "profile_id": stamp.profile_id}
    return verdicts, domains, stamp_json


def _masked_examples(frame: pl.DataFrame, verdicts: Mapping[str, Mapping[str, Any]], domains: Catalog) -> dict[
    str, list[str]
]:  # fmt: skip
    from superset_review.domains.domaining import PiiVerdict
    from superset_review.pii.types import PiiType

    as_pii = {
        name: PiiVerdict(name, PiiType(v["pii"]) if v["pii"] else None, v["domain_confidence"], v["domain"],
                         v["domain_band"], "classifier")
        for name, v in verdicts.items()
    }  # fmt: skip
    head = frame.head(sample.SHOWN_ROWS)
    return sample.examples_of(sample.masked_columns(head, as_pii, domains), catalog.EXAMPLES_MAX)


def run_domains(ctx: RunContext, catalog_body: dict[str, Any]) -> list[ArtifactOut]:
    """The Domains stage: the catalog again, each column with ``domain``, ``domain_confidence``, ``domain_band`` and
    ``pii`` (and, in data_mode, examples masked by the domain found)."""
    with acting_as(ctx.user_id):
        ctx.progress(0.0, "classifying columns")
        frame = None
        if ctx.mode is RunMode.DATA_MODE and sample.raw_path(ctx.run_dir).exists():
            frame = pl.read_parquet(sample.raw_path(ctx.run_dir))
        thresholds = ctx.profile["domaining"]
        tables: list[dict[str, Any]] = []
        stamp: dict[str, Any] = {}
        for position, table in enumerate(catalog_body["tables"]):
            table_frame = frame if position == 0 else None  # the Sample Pack is of the first table
            verdicts, domains, stamp = classify_columns(table["columns"], table_frame, thresholds)
            examples = _masked_examples(table_frame, verdicts, domains) if table_frame is not None else {}
            columns = []
            for column in table["columns"]:
                found = verdicts.get(column["name"], {})
                updated = {**column, **found}
                if found.get("pii"):  # a personal column's extremes are values of a person
                    updated["min"] = updated["max"] = None
                if table_frame is not None:
                    updated["examples"] = examples.get(column["name"], [])
                columns.append(updated)
            tables.append({**table, "columns": columns})
        body = {**catalog_body, "tables": tables, "domaining": stamp, "contract_hash": ctx.contract_hash}
        ctx.progress(1.0, "domains assigned")
        return [ArtifactOut(ArtifactKind.CATALOG, body)]
