"""Reading and writing the migration record of a run (one per run). Queries only: who may act is the commands'
business, and every write joins the caller's transaction."""

from __future__ import annotations

from superset.extensions import db

from superset_review.migration.models import RunMigration
from superset_review.onboarding.models import OnboardingRun


class MigrationDAO:
    @staticmethod
    def of_run(run: OnboardingRun, *, lock: bool = False) -> RunMigration | None:
        """The run's migration; ``lock`` takes its row lock, so two commands changing it queue."""
        query = db.session.query(RunMigration).filter(RunMigration.run_pk == run.id)
        if lock:
            query = query.with_for_update()
        found: RunMigration | None = query.one_or_none()
        return found

    @staticmethod
    def by_run_id(run_id: str, *, lock: bool = False) -> RunMigration | None:
        query = db.session.query(RunMigration).filter(RunMigration.run_id == run_id)
        if lock:
            query = query.with_for_update()
        found: RunMigration | None = query.one_or_none()
        return found

    @staticmethod
    def create(run: OnboardingRun, actor_id: int | None) -> RunMigration:
        migration = RunMigration(
            run_pk=run.id,
            run_id=run.run_id,
            key_columns=[],
            validations=[],
            preflight=[],
            version=0,
            created_by=actor_id,
            dry_run=False,
            cancel_requested=False,
            chunks_total=0,
            chunks_done=0,
            rows_in=0,
            rows_out=0,
            quarantined=0,
        )
        db.session.add(migration)
        db.session.flush()
        return migration
