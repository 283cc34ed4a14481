"""Execute a queued migration (in the worker, as the run's owner, or in process for the CLI): the engine's chunks,
then its validations; ``ready`` when every validation passed.

No transaction is held while chunks run: each chunk commits with its checkpoint in the target database (the
engine's), and the record's totals are written on a connection of their own as the engine reports them, so a
reader sees them move. ``should_stop`` reads the cancel flag the same way between chunks. Each change of state is
one short transaction with its ledger event.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.migration import execution
from superset_review.migration.commands.base import bump, migration_event, set_message
from superset_review.migration.dao import MigrationDAO
from superset_review.migration.models import MigrationState, RunMigration
from superset_review.onboarding.dao import OnboardingRunDAO
from superset_review.onboarding.models import OnboardingRun
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.models import now

logger = logging.getLogger(__name__)

VALIDATION_FAILED = "MIGRATION_VALIDATION_FAILED"
RUNNABLE = (MigrationState.QUEUED.value, MigrationState.RUNNING.value, MigrationState.VALIDATING.value)


@dataclass(frozen=True)
class ExecutionResult:
    state: str
    error_code: str | None = None
    message: str | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _write_totals(migration_id: int, progress: execution.Progress) -> None:
    table = RunMigration.__table__
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(table)
            .where(table.c.id == migration_id)
            .values(
                chunks_total=progress.chunks_total,
                chunks_done=progress.chunks_done,
                rows_in=progress.rows_in,
                rows_out=progress.rows_out,
                quarantined=progress.quarantined,
                changed_on=now(),
            )
        )


def cancel_requested(migration_id: int) -> bool:
    table = RunMigration.__table__
    with db.engine.connect() as connection:
        return bool(connection.execute(sa.select(table.c.cancel_requested).where(table.c.id == migration_id)).scalar())


class ExecuteMigrationCommand(BaseCommand):
    def __init__(
        self,
        run_id: str,
        task_uuid: str | None = None,
        worker_id: str | None = None,
        report: Callable[[execution.Progress], None] | None = None,
    ) -> None:
        self._run_id = run_id
        self._task_uuid = task_uuid
        self._worker_id = worker_id or worker_name()
        self._report = report  # the CLI's progress bar

    def validate(self) -> None:
        """The task acts for the run's owner, whose run it is; the record says whether it still waits."""

    def _locked(self) -> tuple[OnboardingRun, RunMigration]:
        run = OnboardingRunDAO.find(self._run_id, None, any_owner=True, lock=True)
        migration = MigrationDAO.by_run_id(self._run_id, lock=True)
        if run is None or migration is None:
            raise ReviewError(
                Text("run %(run)s has no migration to execute", run=self._run_id), ErrorCode.MIGRATION_NOT_FOUND
            )
        return run, migration

    @unit_of_work
    def _begin(self) -> RunMigration | None:
        run, migration = self._locked()
        if migration.state not in RUNNABLE:
            return None  # cancelled (or started elsewhere and ended) before this worker took it
        if migration.cancel_requested:
            migration.state, migration.finished_at = MigrationState.CANCELLED.value, now()
            bump(migration)
            return None
        if migration.state == MigrationState.QUEUED.value:
            migration.started_at = now()
        migration.state, migration.finished_at = MigrationState.RUNNING.value, None
        set_message(migration, None, None)
        bump(migration)
        migration_event(run, "running", subject=self._worker_id[:255], detail={"task_id": self._task_uuid})
        return migration

    @unit_of_work
    def _end(self, state: MigrationState, code: str | None = None, message: str | None = None,
             validations: list[dict[str, object]] | None = None) -> None:  # fmt: skip
        run, migration = self._locked()
        if migration.cancel_requested and state is not MigrationState.FAILED:
            state, code, message = MigrationState.CANCELLED, None, None  # asked while the last step ran
        migration.state = state.value
        if state is not MigrationState.VALIDATING:
            migration.finished_at = now()
        if validations is not None:
            migration.validations = validations
        set_message(migration, code, message)
        bump(migration)
        action = {MigrationState.READY: "ready", MigrationState.CANCELLED: "cancelled",
                  MigrationState.VALIDATING: "validating"}.get(state, "fail")  # fmt: skip
        detail: dict[str, object] = {"rows_in": int(migration.rows_in or 0), "rows_out": int(migration.rows_out or 0),
                                     "quarantined": int(migration.quarantined or 0)}  # fmt: skip
        if code:
            detail["code"] = code
        if validations is not None:
            detail["validations"] = [{"check": v.get("check"), "state": v.get("state")} for v in validations]
        migration_event(run, action, subject="migration", detail=detail)

    def _progress(self, migration_id: int) -> Callable[[execution.Progress], None]:
        def report(progress: execution.Progress) -> None:
            _write_totals(migration_id, progress)
            if self._task_uuid is not None:
                ReviewTaskDAO.write(self._task_uuid, done=progress.chunks_done, total=progress.chunks_total)
            if self._report is not None:
                self._report(progress)

        return report

    def run(self) -> ExecutionResult:
        try:
            migration = self._begin()
        except ReviewError as error:
            return ExecutionResult(MigrationState.FAILED.value, str(error.code), str(error.message))
        if migration is None:
            current = MigrationDAO.by_run_id(self._run_id)
            return ExecutionResult(current.state if current else MigrationState.FAILED.value)
        migration_id = int(migration.id)
        try:
            run = OnboardingRunDAO.find(self._run_id, None, any_owner=True)
            assert run is not None
            db.session.commit()  # no transaction (nor row lock) is held while the chunks run
            outcome = execution.execute(
                run, migration, self._worker_id, self._progress(migration_id), lambda: cancel_requested(migration_id)
            )
            db.session.commit()
            if outcome.stopped or cancel_requested(migration_id):
                self._end(MigrationState.CANCELLED)
                return ExecutionResult(MigrationState.CANCELLED.value)
            self._end(MigrationState.VALIDATING)
            run = OnboardingRunDAO.find(self._run_id, None, any_owner=True)
            migration = MigrationDAO.by_run_id(self._run_id)
            assert run is not None and migration is not None
            results = execution.validate(run, migration)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if isinstance(error, ReviewError):
                code, message = str(error.code), error.message
            else:
                logger.exception("the migration of run %s failed", self._run_id)
                code = ErrorCode.MIGRATION_FAILED.value
                message = Text(
                    "the migration stopped on an unexpected error (%(error)s): what was written is kept; start it "
                    "again to resume",
                    error=type(error).__name__,
                )
            self._end(MigrationState.FAILED, code, message)
            return ExecutionResult(MigrationState.FAILED.value, code, str(message))
        failed = [str(entry.get("check")) for entry in results if entry.get("state") != "passed"]
        if failed:
            message = Text(
                "validation(s) %(checks)s failed: nothing is promoted; the rows in question are in quarantine",
                checks=", ".join(failed),
            )
            self._end(MigrationState.FAILED, VALIDATION_FAILED, message, results)
            return ExecutionResult(MigrationState.FAILED.value, VALIDATION_FAILED, str(message))
        self._end(MigrationState.READY, validations=results)
        ended = MigrationDAO.by_run_id(self._run_id)
        return ExecutionResult(ended.state if ended is not None else MigrationState.READY.value)
