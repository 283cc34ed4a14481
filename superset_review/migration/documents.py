"""A migration and its chunks as the API says them (the contract's ``M`` and ``C``), and the migration's strong ETag.

The ETag is ``"<sha256>"`` of the run id, the record's version and its progress (the worker moves the totals without
a new version: a reader's copy is stale when either moved).
"""

from __future__ import annotations

from typing import Any

from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import I18N_KEY, localize
from superset_review.migration.models import MigrationState, RunMigration
from superset_review.onboarding.documents import iso
from superset_review.tasks.models import now


def migration_etag(migration: RunMigration, chunks: list[dict[str, Any]] | None = None) -> str:
    return (
        '"'
        + stable_hash(
            {
                "run_id": migration.run_id,
                "version": migration.version,
                "state": migration.state,
                "progress": [migration.chunks_done, migration.rows_in, migration.rows_out, migration.quarantined],
                "chunks": [
                    [chunk.get("chunk_id"), chunk.get("status"), chunk.get("attempts")] for chunk in chunks or []
                ],
            }
        )
        + '"'
    )


def _pace(migration: RunMigration) -> tuple[float | None, float | None]:
    """Rows per second so far and the seconds left at that pace, while the migration runs."""
    if migration.started_at is None:
        return None, None
    end = migration.finished_at or now()
    elapsed = max((end - migration.started_at).total_seconds(), 0.0)
    if elapsed <= 0 or not migration.rows_in:
        return None, None
    throughput = round(float(migration.rows_in) / elapsed, 1)
    eta: float | None = None
    running = migration.state in (MigrationState.RUNNING.value, MigrationState.QUEUED.value)
    if running and migration.chunks_done and migration.chunks_total:
        left = max(int(migration.chunks_total) - int(migration.chunks_done), 0)
        eta = round(elapsed / int(migration.chunks_done) * left, 1)
    return throughput, eta


def migration_json(migration: RunMigration) -> dict[str, Any]:
    """The contract's M, its messages in the reader's language."""
    throughput, eta = _pace(migration)
    document = {
        "run_id": migration.run_id,
        "state": migration.state,
        "dry_run": bool(migration.dry_run),
        "strategy": migration.strategy,
        "strategy_reason": migration.strategy_reason,
        "key": {"strategy": migration.key_strategy, "columns": list(migration.key_columns or [])},
        "validations": list(migration.validations or []),
        "preflight": list(migration.preflight or []),
        "schema_change_policy": migration.schema_change_policy,
        "chunks_total": int(migration.chunks_total or 0),
        "chunks_done": int(migration.chunks_done or 0),
        "rows_in": int(migration.rows_in or 0),
        "rows_out": int(migration.rows_out or 0),
        "quarantined": int(migration.quarantined or 0),
        "throughput_rows_per_s": throughput,
        "eta_seconds": eta,
        "staging_table": migration.staging_table,
        "final_table": migration.final_table,
        "dataset_id": migration.dataset_id,
        "task_id": migration.task_id,
        "error_code": migration.error_code,
        "message": migration.message,
        "lane": migration.lane,
        "plan": migration.plan,
        "started_at": iso(migration.started_at),
        "finished_at": iso(migration.finished_at),
        "promoted_at": iso(migration.promoted_at),
        "version": int(migration.version or 0),
    }
    if migration.i18n:
        document[I18N_KEY] = migration.i18n
    localized: dict[str, Any] = localize(document)
    return localized
