"""A run's contract and life: a mode change (a new contract version and hash, only before the first stage starts),
and a stop (the run keeps what it has and takes no more stages)."""

from __future__ import annotations

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.onboarding.commands.base import (
    acting_user_id,
    bump,
    record_event,
    require_active,
    require_match,
    set_stage,
    visible_run,
)
from superset_review.onboarding.contract import contract_hash, with_mode
from superset_review.onboarding.documents import run_etag
from superset_review.onboarding.models import (
    LedgerAction,
    OnboardingRun,
    RunContractVersion,
    RunMode,
    RunStatus,
    StageState,
)
from superset_review.tasks.models import now


class ChangeContractCommand(BaseCommand):
    def __init__(self, run_id: str, mode: str, if_match: str | None) -> None:
        self._run_id = run_id
        self._mode = RunMode(mode)
        self._if_match = if_match
        self._run: OnboardingRun | None = None

    def validate(self) -> None:
        acting_user_id()
        run = visible_run(self._run_id, lock=True)
        require_match(self._if_match, run_etag(run), Text("onboarding run %(run)s", run=run.run_id))
        require_active(run)
        if run.status != RunStatus.CREATED.value:
            raise ReviewError(
                Text(
                    "the mode of run %(run)s is fixed since its first stage started: create a new run for another mode",
                    run=run.run_id,
                ),
                ErrorCode.MODE_IMMUTABLE,
            )
        self._run = run

    @unit_of_work
    def run(self) -> OnboardingRun:
        self.validate()
        run = self._run
        assert run is not None
        if run.mode == self._mode.value:
            return run  # the same mode: nothing changes, no new version
        contract = with_mode(dict(run.contract), self._mode)
        digest = contract_hash(contract)
        before = run.contract_hash
        run.contract, run.contract_hash, run.mode = contract, digest, self._mode.value
        run.contract_version = int(run.contract_version) + 1
        bump(run)
        db.session.add(
            RunContractVersion(
                run_pk=run.id,
                version=run.contract_version,
                contract=contract,
                contract_hash=digest,
                reason=f"mode {self._mode.value}",
                created_by=acting_user_id(),
            )
        )
        record_event(
            run,
            run.stage,
            LedgerAction.CONTRACT.value,
            subject="mode",
            inputs_hash=before,
            outputs_hash=digest,
            detail={"contract_version": run.contract_version, "mode": run.mode},
        )
        db.session.flush()
        return run


class StopRunCommand(BaseCommand):
    def __init__(self, run_id: str, if_match: str | None = None) -> None:
        self._run_id = run_id
        self._if_match = if_match
        self._run: OnboardingRun | None = None

    def validate(self) -> None:
        acting_user_id()
        run = visible_run(self._run_id, lock=True)
        require_match(self._if_match, run_etag(run), Text("onboarding run %(run)s", run=run.run_id))
        require_active(run)
        self._run = run

    @unit_of_work
    def run(self) -> OnboardingRun:
        self.validate()
        run = self._run
        assert run is not None
        previous = run.status
        run.status, run.stopped_on = RunStatus.STOPPED.value, now()
        # A stage running now stores nothing when it ends (the run is stopped): it says so instead of "running".
        stopped = {"code": "RUN_STOPPED", "message": str(Text("the run was stopped while this stage ran")),
                   "stage": run.stage}  # fmt: skip
        for name, entry in (run.stages or {}).items():
            if entry.get("state") == StageState.RUNNING.value:
                set_stage(run, name, state=StageState.FAILED.value, error={**stopped, "stage": name})
        bump(run)
        record_event(run, run.stage, LedgerAction.STOP.value, subject="run", detail={"status_before": previous})
        db.session.flush()
        return run
