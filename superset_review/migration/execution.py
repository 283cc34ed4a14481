"""The one place the product layer calls the execution library (``migration/engine/``) and the lanes
(``migration/lanes.py``): the run and its record become the engine's :class:`MigrationSpec`, and what the engine
says becomes the contract's shapes (the strategy and why, the plan, the chunks, the quarantine rows).

The target is the run's target dataset's table, in its Superset database, reached through Superset's own engine of
that database (``Database.get_sqla_engine``) as the current user (the run's owner in the worker). The source is the
run's upload as ingest read it (the shim applied first: the plan reads the shim's columns), or the SQL table of the
contract's ``lhs``. The accepted mappings are the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.migration import engine as migration_engine
from superset_review.migration.models import KeyStrategy, RunMigration
from superset_review.onboarding.models import ArtifactKind, MappingDecision, OnboardingRun

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from superset_review.transform_dsl import Plan


SURROGATE_COLUMN = "review_row_key"  # the key a surrogate strategy adds to the target
QUARANTINE_FIELDS = ("id", "chunk_id", "key", "reason_codes", "masked_preview_before", "masked_preview_after", "diff",
                     "created_at", "state")  # fmt: skip
OPEN, RETRIED, RELEASED = "open", "retried", "released"


@dataclass(frozen=True)
class StrategyChoice:
    strategy: str  # elt | etl
    reason: str


@dataclass(frozen=True)
class LaneInfo:
    name: str
    queue: str | None  # None: the task's own (default) queue
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """What the worker last reported: the record's totals."""

    chunks_total: int
    chunks_done: int
    rows_in: int
    rows_out: int
    quarantined: int


@dataclass(frozen=True)
class Outcome:
    progress: Progress
    stopped: bool  # should_stop said stop before every chunk was done


def _target_dataset(run: OnboardingRun) -> Any:
    from superset_review.adapters.datasets import get_dataset

    if run.target_dataset_id is None:
        raise ReviewError(Text("the run's target is a YAML schema: a migration needs a Superset dataset as its target"),
                          ErrorCode.MIGRATION_PREFLIGHT_FAILED)  # fmt: skip
    return get_dataset(int(run.target_dataset_id))


@contextmanager
def _database_engine(database: Any) -> Iterator[Engine]:
    with database.get_sqla_engine() as engine:
        yield engine


def _plan(run: OnboardingRun, catalog: dict[str, Any]) -> Plan:
    from superset_review.onboarding.dao import MappingDAO
    from superset_review.transform_dsl import DSL_VERSION, parse_plan

    tables = list(catalog.get("tables") or [])
    schema = {str(column["name"]): str(column["dtype"]) for column in (tables[0]["columns"] if tables else [])}
    pipelines = [
        {**mapping.dsl, "target": mapping.target}
        for mapping in MappingDAO.of_run(run)
        if mapping.decision == MappingDecision.ACCEPT.value and mapping.strategy != "none" and mapping.dsl
    ]
    return parse_plan({"dsl_version": DSL_VERSION, "pipelines": pipelines}, schema)


def _masking(catalog: dict[str, Any]) -> tuple[tuple[str, migration_engine.MaskRule], ...]:
    """The quarantine previews' masking, as the Sample Pack masks: each personal-data column of the catalog (its PII
    type, from the Domains stage) under its domain's operator; the engine masks any other text span by span."""
    from superset_review.domains.domaining import current_catalog, masking_operator
    from superset_review.pii.types import PiiType

    tables = list(catalog.get("tables") or [])
    personal = [column for column in (tables[0].get("columns") or [] if tables else []) if column.get("pii")]
    if not personal:
        return ()
    domains = current_catalog()[0]
    return tuple(
        (
            str(column["name"]),
            migration_engine.MaskRule(PiiType(column["pii"]), masking_operator(domains, column.get("domain"))),
        )
        for column in personal
    )


def _file_source(run: OnboardingRun, shim: dict[str, Any] | None) -> migration_engine.FileSource:
    from superset_review.onboarding.dao import UploadDAO
    from superset_review.onboarding.ingest import catalog as ingest_catalog
    from superset_review.onboarding.ingest import files
    from superset_review.onboarding.uploads import max_file_bytes, run_dir
    from superset_review.transform_dsl import parse_plan

    upload = UploadDAO.find(str(run.contract["lhs"]["location"]), None, any_owner=True)
    if upload is None:
        raise ReviewError(Text("the upload of run %(run)s is gone", run=run.run_id), ErrorCode.FILE_UNREADABLE)
    readable = files.open_source(Path(upload.path), upload.filename, run_dir(run.run_id), max_file_bytes())
    parsed_shim = None
    if shim:
        raw = ingest_catalog.textual(files.scan(readable)).collect_schema()
        types = {name: ingest_catalog.logical_of_polars(dtype) for name, dtype in raw.items()}
        parsed_shim = parse_plan(shim, types)
    return migration_engine.FileSource(
        path=readable.path, format=readable.format, delimiter=readable.delimiter, header=readable.header,
        shim=parsed_shim,
    )  # fmt: skip


@contextmanager
def spec_of(run: OnboardingRun, migration: RunMigration) -> Iterator[migration_engine.MigrationSpec]:
    """The engine's spec of the run's migration, its target engine open while inside."""
    from superset_review.onboarding.dao import ArtifactDAO, ThresholdProfileDAO

    dataset = _target_dataset(run)
    latest = ArtifactDAO.latest(run)
    catalog = latest.get(ArtifactKind.CATALOG.value)
    if catalog is None:
        raise ReviewError(Text("the run has no catalog: run the ingest stage first"), ErrorCode.STAGE_GATED)
    shim = latest.get(ArtifactKind.SHIM.value)
    profile = ThresholdProfileDAO.current(str(run.contract.get("threshold_profile_id")))
    batch_size = int(((profile.body if profile else {}).get("migration") or {}).get("batch_size") or 50_000)
    plan = _plan(run, dict(catalog.body))
    key_columns = tuple(migration.key_columns or ())
    if migration.key_strategy == KeyStrategy.SURROGATE.value:
        key_columns = (SURROGATE_COLUMN,)
    validations = tuple(str(entry.get("check")) for entry in migration.validations or [])
    with ExitStack() as stack:
        target_engine = stack.enter_context(_database_engine(dataset.database))
        lhs = run.contract["lhs"]
        if lhs["source"]["type"] == "file":
            source: migration_engine.FileSource | migration_engine.TableSource = _file_source(
                run, dict(shim.body) if shim is not None else None
            )
        else:
            source = stack.enter_context(_table_source(lhs))
        target = migration_engine.Target(target_engine, dataset.schema or "public", dataset.table_name)
        strategy: Literal["elt", "etl"] = (
            "elt"
            if (migration.strategy or migration_engine.choose_strategy(source, target, plan)[0]) == "elt"
            else "etl"
        )
        yield migration_engine.MigrationSpec(
            run_id=run.run_id, source=source, target=target, plan=plan, key_columns=key_columns,
            key_strategy=migration.key_strategy or KeyStrategy.NATURAL.value, batch_size=batch_size,
            validations=validations, strategy=strategy, masking=_masking(dict(catalog.body)),
        )  # fmt: skip


@contextmanager
def _table_source(lhs: dict[str, Any]) -> Iterator[migration_engine.TableSource]:
    """A table of a Superset database, read with the current user's access checked (Superset's own check)."""
    from superset_review.onboarding.ingest import sql

    source = sql.parse_location(str(lhs["location"]), lhs.get("schema_ref"))
    if source.table is None:
        raise ReviewError(
            Text("a query source cannot be migrated in chunks: register the query as a table or a view"),
            ErrorCode.MIGRATION_FAILED,
        )
    database = sql._database(source.database_id)
    sql.check_access(database, source)
    with _database_engine(database) as engine:
        yield migration_engine.TableSource(engine, source.schema, source.table)


def strategy_of(run: OnboardingRun, migration: RunMigration) -> StrategyChoice:
    previous = migration.strategy
    migration.strategy = None
    try:
        with spec_of(run, migration) as spec:
            strategy, reason = migration_engine.choose_strategy(spec.source, spec.target, spec.plan)
    finally:
        migration.strategy = previous
    return StrategyChoice(strategy, reason)


def plan_of(run: OnboardingRun, migration: RunMigration) -> dict[str, Any]:
    with spec_of(run, migration) as spec:
        plan: dict[str, Any] = migration_engine.dry_run(spec)
    return {**plan, "chunks_total": plan.get("estimated_chunks")}


def lane_of(run: OnboardingRun, migration: RunMigration) -> LaneInfo:
    """The supervisor's lane for the migration (``migration.lanes``): from its kind, its rows (the catalog's), whether
    they hold personal data (the catalog's PII columns), the run's mode and the queues' depth."""
    from superset_review.migration.lanes import Job, supervise
    from superset_review.onboarding.dao import ArtifactDAO

    catalog = ArtifactDAO.get(run, ArtifactKind.CATALOG.value)
    tables = list((catalog.body if catalog is not None else {}).get("tables") or [])
    rows = tables[0].get("row_count") if tables else None
    pii = any(column.get("pii") for table in tables for column in table.get("columns") or [])
    job = Job(kind="migration", rows=int(rows) if isinstance(rows, int) else None, pii=pii, data_mode=run.mode)
    choice = supervise(job)
    return LaneInfo(choice.lane.value, choice.lane.value, choice.detail(job))


def _progress_of(status: dict[str, Any]) -> Progress:
    return Progress(
        chunks_total=int(status.get("chunks_total") or 0),
        chunks_done=int(status.get("chunks_done") or 0),
        rows_in=int(status.get("rows_in") or 0),
        rows_out=int(status.get("rows_out") or 0),
        quarantined=int(status.get("quarantined") or 0),
    )


def execute(
    run: OnboardingRun,
    migration: RunMigration,
    worker_id: str,
    on_progress: Callable[[Progress], None],
    should_stop: Callable[[], bool],
) -> Outcome:
    """Prepare (idempotent: a resume finds its chunks), then run the chunks left; the totals after each chunk."""
    with spec_of(run, migration) as spec:
        migration_engine.prepare(spec)
        on_progress(_progress_of(migration_engine.status(spec)))

        def chunk_done(_: Any) -> None:
            on_progress(_progress_of(migration_engine.status(spec)))

        summary = migration_engine.run_chunks(spec, worker_id, progress=chunk_done, should_stop=should_stop)
        progress = _progress_of(migration_engine.status(spec))
    on_progress(progress)
    return Outcome(progress, bool(summary.stopped))


def validate(run: OnboardingRun, migration: RunMigration) -> list[dict[str, Any]]:
    with spec_of(run, migration) as spec:
        results: list[dict[str, Any]] = migration_engine.validate(spec)
    return [{"check": r.get("check"), "state": r.get("state"), "detail": r.get("detail")} for r in results]


def promote(run: OnboardingRun, migration: RunMigration) -> str:
    with spec_of(run, migration) as spec:
        done = migration_engine.promote(spec)
    return str(done.get("final") or spec.target.table)


def rollback(run: OnboardingRun, migration: RunMigration) -> None:
    with spec_of(run, migration) as spec:
        migration_engine.rollback(spec)


def chunks(run: OnboardingRun, migration: RunMigration) -> list[dict[str, Any]]:
    """The chunks' checkpoints as the contract's C (none before the first execution)."""
    if migration.dry_run and migration.state == "planned":
        return [
            {"chunk_id": entry.get("chunk_id"), "status": "pending", "content_hash": None,
             "row_count_in": (entry.get("bounds") or {}).get("rows"), "row_count_out": None, "validations": None,
             "started_at": None, "finished_at": None, "attempts": 0, "next_action": "run"}
            for entry in (migration.plan or {}).get("chunks") or []
        ]  # fmt: skip
    with spec_of(run, migration) as spec:
        status = migration_engine.status(spec)
    fields = ("chunk_id", "status", "content_hash", "row_count_in", "row_count_out", "validations", "started_at",
              "finished_at", "attempts", "next_action")  # fmt: skip
    return [{name: chunk.get(name) for name in fields} for chunk in status.get("chunks") or []]


def _quarantine_table(spec: migration_engine.MigrationSpec) -> sa.Table:
    return sa.table(
        spec.names.quarantine,
        *(sa.column(name) for name in (*QUARANTINE_FIELDS, "run_id")),
        schema=spec.target.schema,
    )


def _exists(engine: Engine, schema: str, table: str) -> bool:
    return bool(sa.inspect(engine).has_table(table, schema=schema))


def _row(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    created = values.get("created_at")
    values["created_at"] = created.isoformat() if isinstance(created, datetime) else created
    values["key"] = _masked_key(values.get("key"), values.get("masked_preview_before"))
    return values


def _masked_key(key: Any, before: Any) -> Any:
    """The row's key as the reader sees it: a key column the masked preview shows otherwise than it is (a natural
    key may be personal data, a name or an email) is shown masked; any other (a number, the surrogate key) as it is,
    with its type."""
    if not isinstance(key, dict) or not isinstance(before, dict):
        return key
    return {
        column: before[column] if column in before and before[column] != _shown(value) else value
        for column, value in key.items()
    }


def _shown(value: Any) -> str | None:
    """A value as the masked preview writes one it leaves alone."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def quarantine_page(
    run: OnboardingRun, migration: RunMigration, page: int, page_size: int
) -> tuple[int, list[dict[str, Any]]]:
    with spec_of(run, migration) as spec:
        engine = spec.target.engine
        if not _exists(engine, spec.target.schema, spec.names.quarantine):
            return 0, []
        table = _quarantine_table(spec)
        where = table.c.run_id == run.run_id
        with engine.connect() as connection:
            count = int(connection.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar() or 0)
            rows = connection.execute(
                sa.select(*(table.c[name] for name in QUARANTINE_FIELDS)).where(where).order_by(table.c.id)
                .limit(page_size).offset(page * page_size)
            ).all()  # fmt: skip
    return count, [_row(row) for row in rows]


def quarantine_rows(run: OnboardingRun, migration: RunMigration) -> list[dict[str, Any]]:
    _, rows = quarantine_page(run, migration, 0, 1_000_000)
    return rows


def quarantine_set_state(run: OnboardingRun, migration: RunMigration, ids: list[int] | None, state: str) -> list[int]:
    """Mark open rows retried or released; a retried row's chunk goes back to pending, so that the next start runs it
    again (its rows are upserted on the key: the rows that pass now replace nothing twice)."""
    with spec_of(run, migration) as spec:
        engine = spec.target.engine
        if not _exists(engine, spec.target.schema, spec.names.quarantine):
            return []
        table = _quarantine_table(spec)
        where = sa.and_(table.c.run_id == run.run_id, table.c.state == OPEN)
        if ids is not None:
            where = sa.and_(where, table.c.id.in_(ids))
        with engine.begin() as connection:
            changed = connection.execute(
                sa.update(table).where(where).values(state=state).returning(table.c.id, table.c.chunk_id)
            ).all()
            chunk_ids = sorted({int(row.chunk_id) for row in changed})
            if state == RETRIED and chunk_ids:
                checkpoints = sa.table(
                    spec.names.checkpoints, sa.column("run_id"), sa.column("stage"), sa.column("chunk_id"),
                    sa.column("status"), sa.column("attempts"), sa.column("next_action"), schema=spec.target.schema,
                )  # fmt: skip
                connection.execute(
                    sa.update(checkpoints)
                    .where(checkpoints.c.run_id == run.run_id, checkpoints.c.stage == "load",
                           checkpoints.c.chunk_id.in_(chunk_ids))
                    .values(status="pending", attempts=0, next_action="retry")
                )  # fmt: skip
    return sorted(int(row.id) for row in changed)
