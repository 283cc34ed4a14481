"""A migration's life after its start: cancel (any holder of can_manage on the run), promote and roll back
(``can_migrate``). Each one transaction, each with its event in the run's ledger.

Promotion swaps the staging table into the final one in one transaction of the target database (the engine's), then
the Superset dataset is refreshed through Superset's own command; a rollback undoes the last promotion the same way.
"""

from __future__ import annotations

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.migration import execution
from superset_review.migration.commands.base import (
    bump,
    existing_migration,
    migration_event,
    require_migrate,
    set_message,
    wrong_state,
)
from superset_review.migration.models import ACTIVE_STATES, MigrationState, RunMigration
from superset_review.onboarding.commands.base import acting_user_id, visible_run
from superset_review.onboarding.models import OnboardingRun
from superset_review.tasks.models import now


class CancelMigrationCommand(BaseCommand):
    """Ask the worker to stop between chunks (what is written stays, checkpointed: a start resumes it); a migration
    no worker has started yet is cancelled at once."""

    def __init__(self, run_id: str) -> None:
        self._run_id = run_id
        self._run: OnboardingRun | None = None
        self._migration: RunMigration | None = None

    def validate(self) -> None:
        acting_user_id()
        run = visible_run(self._run_id, lock=True)
        migration = existing_migration(run, lock=True)
        if migration.state not in ACTIVE_STATES:
            raise wrong_state(migration, "cancel", "queued, running or validating")
        self._run, self._migration = run, migration

    @unit_of_work
    def run(self) -> RunMigration:
        self.validate()
        run, migration = self._run, self._migration
        assert run is not None and migration is not None
        migration.cancel_requested = True
        before = migration.state
        if migration.state == MigrationState.QUEUED.value:
            migration.state, migration.finished_at = MigrationState.CANCELLED.value, now()
        bump(migration)
        migration_event(run, "cancel", subject="migration", detail={"state_before": before})
        db.session.flush()
        return migration


class PromoteMigrationCommand(BaseCommand):
    def __init__(self, run_id: str, confirm: bool) -> None:
        self._run_id = run_id
        self._confirm = confirm
        self._run: OnboardingRun | None = None
        self._migration: RunMigration | None = None

    def validate(self) -> None:
        acting_user_id()
        require_migrate("promoting a migration")
        run = visible_run(self._run_id, lock=True)
        migration = existing_migration(run, lock=True)
        if migration.state != MigrationState.READY.value:
            failed = [entry.get("check") for entry in migration.validations or [] if entry.get("state") != "passed"]
            raise ReviewError(
                Text(
                    "the migration of run %(run)s is %(state)s, not ready: nothing is promoted until every validation "
                    "passed (%(failed)s)",
                    run=run.run_id,
                    state=migration.state,
                    failed=", ".join(str(name) for name in failed) or "none ran",
                ),
                ErrorCode.MIGRATION_NOT_READY,
                details={"state": migration.state, "failed": failed},
            )
        if not self._confirm:
            raise ReviewError(
                Text("promotion changes the target table: send confirm: true"),
                ErrorCode.INVALID_REQUEST,
                details={"field": "confirm"},
            )
        self._run, self._migration = run, migration

    @unit_of_work
    def run(self) -> RunMigration:
        from superset_review.adapters.migration_datasets import refresh_target_dataset

        self.validate()
        run, migration = self._run, self._migration
        assert run is not None and migration is not None
        migration.final_table = execution.promote(run, migration)
        if run.target_dataset_id is not None:
            migration.dataset_id = refresh_target_dataset(int(run.target_dataset_id))
        migration.state, migration.promoted_at = MigrationState.PROMOTED.value, now()
        set_message(migration, None, None)
        bump(migration)
        migration_event(
            run,
            "promote",
            subject=migration.final_table,
            detail={"rows_out": int(migration.rows_out or 0), "dataset_id": migration.dataset_id,
                    "confirmed": True},
        )  # fmt: skip
        db.session.flush()
        return migration


class RollbackMigrationCommand(BaseCommand):
    def __init__(self, run_id: str) -> None:
        self._run_id = run_id
        self._run: OnboardingRun | None = None
        self._migration: RunMigration | None = None

    def validate(self) -> None:
        acting_user_id()
        require_migrate("rolling back a migration")
        run = visible_run(self._run_id, lock=True)
        migration = existing_migration(run, lock=True)
        if migration.state != MigrationState.PROMOTED.value:
            raise wrong_state(migration, "rollback", "promoted")
        self._run, self._migration = run, migration

    @unit_of_work
    def run(self) -> RunMigration:
        from superset_review.adapters.migration_datasets import refresh_target_dataset

        self.validate()
        run, migration = self._run, self._migration
        assert run is not None and migration is not None
        execution.rollback(run, migration)
        if run.target_dataset_id is not None:
            refresh_target_dataset(int(run.target_dataset_id))
        migration.state = MigrationState.ROLLED_BACK.value
        bump(migration)
        migration_event(
            run, "rollback", subject=migration.final_table, detail={"promoted_at": str(migration.promoted_at)}
        )
        db.session.flush()
        return migration
