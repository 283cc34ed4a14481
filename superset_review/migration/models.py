"""The migration of an onboarding run's accepted plan, as Superset's metadata database records it (one per run,
resumable). Schema: migration ``0013_migrations``.

The rows themselves, their chunks' checkpoints and the quarantine live in the target database, beside the staging
table (``migration/engine/``); this record holds what the product needs without reaching the target: the state, the
choices made before starting (strategy, key, validations, pre-flight, policy, lane) and why, the totals the worker
last reported, the tables and the Superset dataset, the error. Every change of it writes an event in the run's
ledger in the same transaction (``dataset_review_run_events``, stage ``migration``).
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel
from superset_review.tasks.models import now


class MigrationState(StrEnum):
    PLANNED = "planned"  # a dry run (or a metadata_only run): the plan, its SQL and chunks; nothing written
    QUEUED = "queued"  # the task is queued on a lane
    RUNNING = "running"  # a worker writes chunks into the staging table
    VALIDATING = "validating"  # every chunk is in: the validations run
    READY = "ready"  # the validations passed: promotion may swap staging into the final table
    PROMOTED = "promoted"
    FAILED = "failed"  # the error is on the record; a start resumes from the last checkpoint
    CANCELLED = "cancelled"
    ROLLED_BACK = "rolled_back"  # the last promotion was undone: the final table is as it was before it


# A migration in one of these states is worked on: a second start is MIGRATION_RUNNING.
ACTIVE_STATES = (MigrationState.QUEUED.value, MigrationState.RUNNING.value, MigrationState.VALIDATING.value)


class KeyStrategy(StrEnum):
    NATURAL = "natural"  # one target column, unique in the source
    COMPOSITE = "composite"  # several target columns, unique together
    SURROGATE = "surrogate"  # no key in the data: the migration adds one the target needs


class SchemaChangePolicy(StrEnum):
    PROPAGATE = "propagate"
    PROPAGATE_COLUMNS = "propagate_columns"
    APPROVE_MANUALLY = "approve_manually"
    STOP = "stop"


MIGRATION_STAGE = "migration"  # the stage of the migration's events in the run's ledger


class RunMigration(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_migrations"

    id = sa.Column(sa.Integer, primary_key=True)
    run_pk = sa.Column(
        sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, unique=True
    )  # one migration per run
    run_id = sa.Column(sa.String(26), nullable=False, unique=True)
    state = sa.Column(sa.String(20), nullable=False, default=MigrationState.PLANNED.value)
    dry_run = sa.Column(sa.Boolean, nullable=False, default=False)
    strategy = sa.Column(sa.String(10), nullable=True)  # elt | etl
    strategy_reason = sa.Column(sa.Text, nullable=True)
    key_strategy = sa.Column(sa.String(20), nullable=True)  # KeyStrategy
    key_columns = sa.Column(sa.JSON, nullable=False, default=list)
    validations = sa.Column(sa.JSON, nullable=False, default=list)  # [{"check", "state", "detail"}]
    preflight = sa.Column(sa.JSON, nullable=False, default=list)  # [{"check", "ok", "message"}]
    plan = sa.Column(sa.JSON, nullable=True)  # the engine's plan: SQL, estimated chunks, tables
    schema_change_policy = sa.Column(sa.String(30), nullable=False, default=SchemaChangePolicy.APPROVE_MANUALLY.value)
    lane = sa.Column(sa.String(40), nullable=True)
    task_id = sa.Column(sa.String(36), nullable=True)  # the ReviewTask's uuid (Celery's id too)
    cancel_requested = sa.Column(sa.Boolean, nullable=False, default=False)  # read by the worker between chunks
    chunks_total = sa.Column(sa.Integer, nullable=False, default=0)
    chunks_done = sa.Column(sa.Integer, nullable=False, default=0)
    rows_in = sa.Column(sa.BigInteger, nullable=False, default=0)
    rows_out = sa.Column(sa.BigInteger, nullable=False, default=0)
    quarantined = sa.Column(sa.BigInteger, nullable=False, default=0)
    staging_table = sa.Column(sa.String(255), nullable=True)
    final_table = sa.Column(sa.String(255), nullable=True)
    dataset_id = sa.Column(sa.Integer, nullable=True)
    error_code = sa.Column(sa.String(60), nullable=True)
    message = sa.Column(sa.Text, nullable=True)
    i18n = sa.Column(sa.JSON, nullable=True)  # the message's Text, translated for each reader
    version = sa.Column(sa.Integer, nullable=False, default=1)  # bumped by every change: the strong ETag
    created_by = sa.Column(sa.Integer, nullable=True, index=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=now, onupdate=now)
    started_at = sa.Column(sa.DateTime, nullable=True)
    finished_at = sa.Column(sa.DateTime, nullable=True)
    promoted_at = sa.Column(sa.DateTime, nullable=True)
