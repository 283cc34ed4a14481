"""Start (or resume) a run's migration.

``validate()``: the run is the user's (or ``can_admin``'s), its target a dataset the user may write (403
``TARGET_FORBIDDEN``, onboarding's check), no migration of it is queued, running or validating (409
``MIGRATION_RUNNING``; a task whose worker died is failed first by the orphan sweep), a promoted one is rolled back
first (409 ``MIGRATION_STATE``), and every pre-flight check passes (409 ``MIGRATION_PREFLIGHT_FAILED`` naming the
failed ones).

``run()``, one transaction: the record (made on the first start, reused after) with the pre-flight, the key, the
validations and the policy; the engine's strategy choice and why; then either the plan (a dry run, or a
metadata_only run: state ``planned``) or state ``queued`` for the task (queued after the commit by
:func:`queue_migration`, on the lane the supervisor picks). Each decision is an event in the run's ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from superset.commands.base import BaseCommand
from superset.extensions import db, security_manager
from superset.utils.core import override_user

from superset_review.adapters.datasets import get_dataset, may_write
from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text
from superset_review.migration import execution
from superset_review.migration.commands.base import (
    TASK_KIND,
    bump,
    migration_event,
    migration_subject,
    set_message,
)
from superset_review.migration.dao import MigrationDAO
from superset_review.migration.models import ACTIVE_STATES, MigrationState, RunMigration, SchemaChangePolicy
from superset_review.migration.preflight import Check, Preflight, run_preflight
from superset_review.onboarding.commands.base import acting_user_id, visible_run
from superset_review.onboarding.dao import ArtifactDAO, MappingDAO, ThresholdProfileDAO
from superset_review.onboarding.models import ArtifactKind, OnboardingRun
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.models import ACTIVE_STATES as TASK_ACTIVE_STATES
from superset_review.tasks.models import ReviewTask, TaskState, now


@dataclass(frozen=True)
class StartMigration:
    """The body of ``POST /runs/<run_id>/migration``."""

    dry_run: bool = False
    key_columns: Sequence[str] | None = None
    validations: Sequence[str] | None = None
    schema_change_policy: str = SchemaChangePolicy.APPROVE_MANUALLY.value


def migration_running(migration: RunMigration) -> bool:
    """Whether a worker works (or will work) on the migration: an active state whose task is still queued or
    running. A task that ended without saying so (its worker died: the orphan sweep failed it) does not hold it."""
    if migration.state not in ACTIVE_STATES:
        return False
    task = ReviewTaskDAO.by_uuid(migration.task_id) if migration.task_id else None
    return (task is None and migration.task_id is None) or (task is not None and task.state in TASK_ACTIVE_STATES)


def require_target(run: OnboardingRun) -> None:
    """The run's target is a Superset dataset the user may write (its owners, or an admin)."""
    if run.target_dataset_id is None:
        return  # a YAML target: the pre-flight says a migration needs a dataset
    dataset = get_dataset(int(run.target_dataset_id))  # 404 / 403 when it does not exist or cannot be read
    if not may_write(dataset):
        raise ReviewError(
            Text(
                "you may not write dataset %(dataset)s, the run's target: only its owners or an admin may migrate "
                "data into it",
                dataset=run.target_dataset_id,
            ),
            ErrorCode.TARGET_FORBIDDEN,
            details={"field": "target_dataset_id"},
        )


class StartMigrationCommand(BaseCommand):
    def __init__(self, run_id: str, payload: StartMigration) -> None:
        self._run_id = run_id
        self._payload = payload
        self._run: OnboardingRun | None = None
        self._migration: RunMigration | None = None
        self._preflight: Preflight | None = None
        self._schema_decision: dict[str, object] = {}

    def validate(self) -> None:
        acting_user_id()
        ReviewTaskDAO.fail_orphans(migration_subject(self._run_id))
        run = visible_run(self._run_id, lock=True)
        migration = MigrationDAO.of_run(run, lock=True)
        if migration is not None and migration_running(migration):
            raise ReviewError(
                Text(
                    "the migration of run %(run)s is %(state)s already: wait for it, or cancel it",
                    run=run.run_id,
                    state=migration.state,
                ),
                ErrorCode.MIGRATION_RUNNING,
                details={"state": migration.state, "task_id": migration.task_id},
            )
        if migration is not None and migration.state == MigrationState.PROMOTED.value:
            raise ReviewError(
                Text("the migration of run %(run)s is promoted: roll it back before migrating again", run=run.run_id),
                ErrorCode.MIGRATION_STATE,
                details={"state": migration.state},
            )
        require_target(run)
        profile = ThresholdProfileDAO.current(str(run.contract.get("threshold_profile_id")))
        if profile is None:
            raise ReviewError(
                Text(
                    "threshold profile %(profile)s does not exist",
                    profile=str(run.contract.get("threshold_profile_id")),
                ),
                ErrorCode.PROFILE_NOT_FOUND,
            )
        catalog = ArtifactDAO.get(run, ArtifactKind.CATALOG.value)
        preflight = run_preflight(
            run=run,
            mappings=MappingDAO.of_run(run),
            catalog=catalog.body if catalog is not None else None,
            profile=profile.body,
            key_columns=self._payload.key_columns,
            validations=self._payload.validations,
            dry_run=self._payload.dry_run,
            has_target=run.target_dataset_id is not None,
            schema_change=self._schema_change(run.run_id),
        )
        if not preflight.ok:
            raise ReviewError(
                Text(
                    "the migration of run %(run)s cannot start: %(failed)s (see preflight)",
                    run=run.run_id,
                    failed="; ".join(check.message for check in preflight.checks if not check.ok)[:1500],
                ),
                ErrorCode.MIGRATION_PREFLIGHT_FAILED,
                details={"failed": preflight.failed, "preflight": [check.to_json() for check in preflight.checks]},
            )
        self._run, self._migration, self._preflight = run, migration, preflight

    def _schema_change(self, run_id: str) -> Check:
        """The schema-change policy's decision on this run's source against the previous run into its target."""
        from superset_review.migration.commands.schema_diff import SchemaDiffCommand
        from superset_review.migration.evolution import Decision

        try:
            verdict = SchemaDiffCommand(run_id, self._payload.schema_change_policy).run()
        except ReviewError as error:
            return Check("schema_change", False, error.message)
        decision, reason = str(verdict.get("decision")), verdict.get("reason")
        self._schema_decision = {"decision": decision, "previous_run_id": verdict.get("previous_run_id"),
                                 "policy": verdict.get("policy")}  # fmt: skip
        said = reason if isinstance(reason, str) else Text("decision %(decision)s", decision=decision)
        if decision == Decision.STOP.value:
            return Check("schema_change", False, said)
        if decision == Decision.WAIT_FOR_APPROVAL.value:
            said = Text("%(reason)s: approved by whoever starts the migration", reason=said)
        return Check("schema_change", True, said)

    @unit_of_work
    def run(self) -> tuple[OnboardingRun, RunMigration]:
        self.validate()
        run, preflight = self._run, self._preflight
        assert run is not None and preflight is not None
        migration = self._migration or MigrationDAO.create(run, acting_user_id())
        resumed = migration.state not in (MigrationState.PLANNED.value,) and migration.version > 0
        migration.preflight = preflight.to_json()
        migration.key_strategy, migration.key_columns = preflight.key_strategy, list(preflight.key_columns)
        migration.validations = [{"check": name, "state": "pending", "detail": None} for name in preflight.validations]
        migration.schema_change_policy = self._payload.schema_change_policy
        migration.dry_run = not preflight.execute
        migration.cancel_requested = False
        set_message(migration, None, None)
        choice = execution.strategy_of(run, migration)
        migration.strategy, migration.strategy_reason = choice.strategy, str(choice.reason)
        detail = {"preflight": [check.check for check in preflight.checks], "batch_size": preflight.batch_size}
        migration_event(run, "preflight", subject="migration", outputs_hash=stable_hash(migration.preflight),
                        detail=detail)  # fmt: skip
        if self._schema_decision:
            migration_event(run, "schema_change", subject=str(self._schema_decision.get("decision"))[:255],
                            detail=dict(self._schema_decision))  # fmt: skip
        migration_event(run, "strategy", subject=choice.strategy, detail={"reason": str(choice.reason)})
        migration_event(
            run,
            "key",
            subject=preflight.key_strategy,
            detail={"columns": list(preflight.key_columns), "sources": list(preflight.key_source_columns)},
        )
        if preflight.execute:
            migration.state = MigrationState.QUEUED.value
            migration.finished_at = None
            migration_event(
                run,
                "resume" if resumed else "start",
                subject="migration",
                detail={"validations": preflight.validations, "schema_change_policy": migration.schema_change_policy},
            )
        else:
            migration.plan = execution.plan_of(run, migration)
            migration.chunks_total = int((migration.plan or {}).get("chunks_total") or 0)
            migration.staging_table = (migration.plan or {}).get("staging_table")
            migration.final_table = (migration.plan or {}).get("final_table")
            migration.state = MigrationState.PLANNED.value
            migration_event(run, "plan", subject="migration", outputs_hash=stable_hash(migration.plan))
        bump(migration)
        db.session.flush()
        return run, migration


def queue_migration(run: OnboardingRun, migration: RunMigration) -> tuple[ReviewTask, int]:
    """Queue the migration's task acting for the run's owner, on the lane the supervisor picks (recorded in the
    ledger), and note the task on the record. Returns the task and the HTTP status to answer (503 when the queue did
    not take it: the migration is failed with that reason and may be started again)."""
    from superset_review.tasks.migration import run_migration
    from superset_review.tasks.progress import QUEUE_UNREACHABLE, queue_task, queued_status

    owner = security_manager.get_user_by_id(run.created_by)
    if owner is None:
        raise ReviewError(
            Text("the owner of run %(run)s no longer exists: it cannot run", run=run.run_id), ErrorCode.RUN_STOPPED
        )
    lane = execution.lane_of(run, migration)
    with override_user(owner):
        record, _ = queue_task(TASK_KIND, migration_subject(run.run_id), run_migration, run.run_id, queue=lane.queue)
    status = queued_status(record)
    locked_run = visible_run(run.run_id, lock=True)
    locked = MigrationDAO.of_run(locked_run, lock=True)
    assert locked is not None
    locked.task_id, locked.lane = record.uuid, lane.name
    migration_event(locked_run, "lane", subject=lane.name, detail=lane.detail)
    if status == 503 or record.error_code == QUEUE_UNREACHABLE:
        locked.state, locked.finished_at = MigrationState.FAILED.value, now()
        set_message(locked, QUEUE_UNREACHABLE, record.message)
    elif record.state == TaskState.FAILED.value and locked.state == MigrationState.QUEUED.value:
        locked.state = MigrationState.FAILED.value
        set_message(locked, record.error_code, record.message)
    bump(locked)
    db.session.commit()
    return record, status
