"""The migration engine: an accepted onboarding plan made into rows of a staging table, exactly once, then promoted.

The public surface (slice console-api calls only these)::

    spec = MigrationSpec(run_id, source=FileSource(path, "parquet") | TableSource(engine, schema, table),
                         target=Target(engine, schema, final_table), plan=parse_plan(...),
                         key_columns=("id",), key_strategy="natural", batch_size=50_000,
                         validations=("row_count", "checksum"), strategy="etl")
    choose_strategy(spec.source, spec.target, spec.plan) -> ("elt" | "etl", reason)
    dry_run(spec)      -> the plan: chunks, SQL per chunk (ELT) or the Polars text (ETL); the target untouched
    prepare(spec)      -> the same plan, once the staging, checkpoint and quarantine tables exist (idempotent)
    run_chunks(spec, worker_id, progress=None, should_stop=None) -> RunSummary (any number of workers at once)
    validate(spec)     -> [{"check", "state": "passed" | "failed", "detail"}] (recorded for promotion)
    promote(spec)      -> the swap (MigrationNotReadyError unless every chunk is done and the checks passed)
    rollback(spec)     -> the last promotion swapped back (NothingToRollBackError)
    status(spec)       -> {"chunks": [...], "chunks_total", "chunks_done", "rows_in", "rows_out", "quarantined",
                           "validations", "promoted", "promoted_at", "staging_table", "final_table"}

The target is PostgreSQL (advisory locks, COPY, ``ON CONFLICT``); a table source is PostgreSQL too (its chunks are
cut in SQL). The run's tables live in the target's schema, named from the run id (:class:`Names`):
``mig_<run>_staging`` (the final table's columns, the key's unique index, ``__chunk_id``), ``mig_<run>_checkpoints``
(one row per chunk, stage ``load``; and the ``prepare``, ``validate``, ``promote`` records) and
``mig_<run>_quarantine``. Errors are :class:`MigrationError` subclasses (ReviewError, codes ``MIGRATION_*``).
How a chunk commits exactly once: :mod:`.runner`; the content hash's byte encoding: :mod:`.contenthash`; chunking:
:mod:`.chunks`; promotion: :mod:`.checks`.
"""

from superset_review.migration.engine.checks import choose_strategy, promote, rollback, status, validate
from superset_review.migration.engine.runner import ChunkResult, RunSummary, dry_run, prepare, run_chunks
from superset_review.migration.engine.spec import (
    FileSource,
    MaskRule,
    MigrationChunkError,
    MigrationError,
    MigrationNotReadyError,
    MigrationSpec,
    MigrationSpecChangedError,
    MigrationSpecError,
    Names,
    NothingToRollBackError,
    TableSource,
    Target,
)

__all__ = [
    "ChunkResult",
    "FileSource",
    "MaskRule",
    "MigrationChunkError",
    "MigrationError",
    "MigrationNotReadyError",
    "MigrationSpec",
    "MigrationSpecChangedError",
    "MigrationSpecError",
    "Names",
    "NothingToRollBackError",
    "RunSummary",
    "TableSource",
    "Target",
    "choose_strategy",
    "dry_run",
    "prepare",
    "promote",
    "rollback",
    "run_chunks",
    "status",
    "validate",
]
