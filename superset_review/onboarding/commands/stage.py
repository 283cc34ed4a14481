"""The stages of a run: starting one (the gate, the confirmation, the task) and executing it (in the worker, or in
process for the CLI).

Starting (``StartStageCommand``, in the request): the stage before must have passed (STAGE_GATED otherwise; a run
stopped, or failed for good, takes none: RUN_STOPPED); a mapping stage that left mappings on hold lets the analysis
start only with ``confirm: true`` when the contract asks for a person (``human_confirm_required``), who is recorded
as ``confirmed_by``. The stage is marked running with a ``start`` (or ``retry``) ledger event, committed, and then
queued as a task acting with the run owner's rights.

Executing (``ExecuteStageCommand``): the stage function of its package (see ``onboarding/stages.py``) runs with the
run's context and no transaction held; what it returns is stored in one transaction: the artifacts (content hash
``stable_hash(body)``, echoing the contract hash), the mappings, the run's new stage state and the ledger events
(``passed`` / ``hold`` with the inputs and outputs hashes). A stage that fails writes nothing of its own: the run keeps
its last good state, with the stage's error on it and a ``fail`` event.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from superset.commands.base import BaseCommand
from superset.extensions import db, security_manager
from superset.utils.core import override_user

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text, message_of
from superset_review.onboarding.commands.base import (
    acting_user_id,
    bump,
    record_event,
    require_active,
    set_stage,
    visible_run,
)
from superset_review.onboarding.dao import ArtifactDAO, MappingDAO, OnboardingRunDAO, ThresholdProfileDAO, UploadDAO
from superset_review.onboarding.models import (
    STAGES,
    ArtifactKind,
    LedgerAction,
    MappingDecision,
    OnboardingRun,
    RunArtifact,
    RunMapping,
    RunMode,
    RunStatus,
    Stage,
    StageState,
)
from superset_review.onboarding.stages import ArtifactOut, MappingOut, MappingOutcome, RunContext
from superset_review.onboarding.uploads import run_dir
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.models import ReviewTask, TaskState, now

logger = logging.getLogger(__name__)

# The package and function of each stage (onboarding/stages.py names them).
STAGE_FUNCTIONS: dict[Stage, tuple[str, str]] = {
    Stage.INGEST: ("superset_review.onboarding.ingest", "run_ingest"),
    Stage.DOMAINS: ("superset_review.onboarding.ingest", "run_domains"),
    Stage.MAPPING: ("superset_review.onboarding.mapping", "run_mapping"),
    Stage.ANALYSIS: ("superset_review.onboarding.analysis", "run_analysis"),
}
# What each stage reads (besides the context), by artifact kind.
STAGE_INPUTS: dict[Stage, tuple[ArtifactKind, ...]] = {
    Stage.INGEST: (),
    Stage.DOMAINS: (ArtifactKind.CATALOG,),
    Stage.MAPPING: (ArtifactKind.CATALOG, ArtifactKind.TARGET_SCHEMA, ArtifactKind.SAMPLE_PACK),
    Stage.ANALYSIS: (ArtifactKind.CATALOG, ArtifactKind.TARGET_SCHEMA, ArtifactKind.SAMPLE_PACK),
}
TASK_KIND_PREFIX = "onboarding_"
GONE_TASK_STATES = (TaskState.FAILED.value, TaskState.DONE.value)


def task_kind(stage: Stage) -> str:
    return f"{TASK_KIND_PREFIX}{stage.value}"


def run_subject(run_id: str) -> str:
    return f"onboarding_run:{run_id}"


def previous_stage(stage: Stage) -> Stage | None:
    index = STAGES.index(stage)
    return STAGES[index - 1] if index else None


def stage_state(run: OnboardingRun, stage: Stage) -> str:
    return str((run.stages or {}).get(stage.value, {}).get("state") or StageState.PENDING.value)


def mappings_on_hold(run: OnboardingRun) -> list[str]:
    return [mapping.target for mapping in MappingDAO.of_run(run) if mapping.decision != MappingDecision.ACCEPT.value]


def stage_task(run: OnboardingRun, stage: Stage) -> ReviewTask | None:
    task_uuid = (run.stages or {}).get(stage.value, {}).get("task_id")
    return ReviewTaskDAO.by_uuid(str(task_uuid)) if task_uuid else None


def running_stage(run: OnboardingRun) -> Stage | None:
    """The stage whose task is still queued or running. A stage marked running whose task ended without saying so
    (its worker died: the orphan sweep failed it) is not running any more."""
    for stage in STAGES:
        if stage_state(run, stage) != StageState.RUNNING.value:
            continue
        task = stage_task(run, stage)
        if task is None and (run.stages or {}).get(stage.value, {}).get("task_id") is None and run.task_id is None:
            return stage  # in process (the CLI) or not queued yet
        if task is not None and task.state not in GONE_TASK_STATES:
            return stage
    return None


class StartStageCommand(BaseCommand):
    def __init__(self, run_id: str, stage: str, confirm: bool = False) -> None:
        self._run_id = run_id
        self._stage = Stage(stage)
        self._confirm = confirm
        self._run: OnboardingRun | None = None
        self._confirmed_by: int | None = None
        self._retry = False

    def validate(self) -> None:
        user_id = acting_user_id()
        ReviewTaskDAO.fail_orphans(run_subject(self._run_id))
        run = visible_run(self._run_id, lock=True)
        require_active(run)
        stage = self._stage
        if (busy := running_stage(run)) is not None:
            raise ReviewError(
                Text(
                    "stage %(busy)s of run %(run)s is still running: wait for it to end",
                    busy=busy.value,
                    run=run.run_id,
                ),
                ErrorCode.STAGE_GATED,
                details={"stage": stage.value, "running": busy.value},
            )
        before = previous_stage(stage)
        if before is not None:
            state = stage_state(run, before)
            held = state == StageState.HELD.value
            if state != StageState.PASSED.value and not held:
                raise ReviewError(
                    Text(
                        "stage %(stage)s waits for stage %(before)s to pass (it is %(state)s)",
                        stage=stage.value,
                        before=before.value,
                        state=state,
                    ),
                    ErrorCode.STAGE_GATED,
                    details={"stage": stage.value, "before": before.value, "state": state},
                )
            if held and bool(run.contract.get("human_confirm_required", True)):
                if not self._confirm:
                    on_hold = mappings_on_hold(run)
                    raise ReviewError(
                        Text(
                            "stage %(before)s left %(count)d mapping(s) on hold: a person must confirm before stage "
                            "%(stage)s starts (send confirm: true)",
                            before=before.value,
                            count=len(on_hold),
                            stage=stage.value,
                        ),
                        ErrorCode.STAGE_GATED,
                        details={"stage": stage.value, "confirm_required": True, "on_hold": on_hold[:200]},
                    )
                self._confirmed_by = user_id
        self._retry = stage_state(run, stage) == StageState.FAILED.value
        self._run = run

    @unit_of_work
    def run(self) -> OnboardingRun:
        """Mark the stage running, with its ledger event; queue the task afterwards with :func:`queue_stage`."""
        self.validate()
        run = self._run
        assert run is not None
        if run.status == RunStatus.CREATED.value:
            run.started_on = now()
        run.status = RunStatus.RUNNING.value
        run.stage = self._stage.value
        run.task_id = None
        set_stage(run, self._stage.value, state=StageState.RUNNING.value, task_id=None, error=None)
        bump(run)
        action = LedgerAction.RETRY if self._retry else LedgerAction.START
        record_event(
            run,
            self._stage.value,
            action.value,
            subject=self._stage.value,
            confirmed_by=self._confirmed_by,
            detail={"confirm": self._confirm},
        )
        db.session.flush()
        return run


def queue_stage(run: OnboardingRun, stage: Stage) -> tuple[ReviewTask, int]:
    """Queue the stage as a task acting for the run's owner (the stage reads Superset data with the owner's rights,
    whoever started it), and note the task on the run. Returns the task and the HTTP status to answer (503 when the
    queue did not take it: the stage is failed with that reason and may be started again)."""
    from superset_review.tasks.onboarding import run_onboarding_stage
    from superset_review.tasks.progress import QUEUE_UNREACHABLE, queue_task, queued_status

    owner = security_manager.get_user_by_id(run.created_by)
    if owner is None:
        raise ReviewError(
            Text("the owner of run %(run)s no longer exists: it cannot run", run=run.run_id), ErrorCode.RUN_STOPPED
        )
    with override_user(owner):
        record, _ = queue_task(task_kind(stage), run_subject(run.run_id), run_onboarding_stage, run.run_id, stage.value)
    status = queued_status(record)
    locked = OnboardingRunDAO.find(run.run_id, None, any_owner=True, lock=True)
    assert locked is not None
    if status == 503 or record.error_code == QUEUE_UNREACHABLE:
        error = {"code": QUEUE_UNREACHABLE, "message": str(record.message or ""), "stage": stage.value}
        set_stage(locked, stage.value, state=StageState.FAILED.value, task_id=record.uuid, error=error)
        locked.error = error
    else:
        set_stage(locked, stage.value, task_id=record.uuid)
    locked.task_id = record.id
    bump(locked)
    db.session.commit()
    return record, status


@dataclass(frozen=True)
class StageResult:
    state: str  # passed | held | failed | skipped
    error_code: str | None = None
    message: str | None = None


def _stage_function(stage: Stage) -> Any:
    module_name, function_name = STAGE_FUNCTIONS[stage]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as ex:
        if ex.name is None or not module_name.startswith(ex.name):
            raise
        raise ReviewError(
            Text("stage %(stage)s is not available in this installation", stage=stage.value), ErrorCode.INTERNAL_ERROR
        ) from ex
    return getattr(module, function_name)


def mapping_out(mapping: RunMapping) -> MappingOut:
    return MappingOut(
        target=mapping.target,
        sources=list(mapping.sources or []),
        strategy=mapping.strategy,
        dsl=dict(mapping.dsl),
        origin=mapping.origin,
        decision=mapping.decision,
        confidence=float(mapping.confidence),
        rationale=list(mapping.rationale or []),
        success_rate=mapping.success_rate,
        near_rate=mapping.near_rate,
        fail_rate=mapping.fail_rate,
        examples=mapping.examples,
    )


def run_context(run: OnboardingRun, progress: Any = None) -> RunContext:
    """The context a stage of ``run`` is given: its contract, current profile, storage, source file and owner."""
    profile = ThresholdProfileDAO.current(str(run.contract.get("threshold_profile_id")))
    if profile is None:
        raise ReviewError(
            Text("threshold profile %(profile)s does not exist", profile=str(run.contract.get("threshold_profile_id"))),
            ErrorCode.PROFILE_NOT_FOUND,
        )
    source_path: Path | None = None
    source_name: str | None = None
    lhs = run.contract["lhs"]
    if lhs["source"]["type"] == "file":
        upload = UploadDAO.find(str(lhs["location"]), None, any_owner=True)
        if upload is None:
            raise ReviewError(Text("the upload of run %(run)s is gone", run=run.run_id), ErrorCode.FILE_UNREADABLE)
        source_path = Path(upload.path)
        source_name = upload.filename
    options: dict[str, Any] = {"progress": progress} if progress is not None else {}
    return RunContext(
        run_id=run.run_id,
        contract=dict(run.contract),
        contract_hash=run.contract_hash,
        mode=RunMode(run.mode),
        profile=dict(profile.body),
        run_dir=run_dir(run.run_id),
        source_path=source_path,
        source_name=source_name,
        user_id=run.created_by,
        **options,
    )


def stage_inputs(run: OnboardingRun, stage: Stage) -> dict[str, RunArtifact]:
    latest = ArtifactDAO.latest(run)
    return {kind.value: latest[kind.value] for kind in STAGE_INPUTS[stage] if kind.value in latest}


def inputs_hash(inputs: dict[str, RunArtifact], mappings: list[RunMapping]) -> str:
    return stable_hash(
        {
            "artifacts": {kind: artifact.content_hash for kind, artifact in sorted(inputs.items())},
            "mappings": {mapping.target: mapping.version for mapping in mappings},
        }
    )


def _call_stage(stage: Stage, ctx: RunContext, inputs: dict[str, RunArtifact], mappings: list[RunMapping]) -> Any:
    function = _stage_function(stage)
    catalog = inputs.get(ArtifactKind.CATALOG.value)
    target = inputs.get(ArtifactKind.TARGET_SCHEMA.value)
    sample = inputs.get(ArtifactKind.SAMPLE_PACK.value)
    sample_path = Path(sample.path) if sample is not None and sample.path and ctx.mode is RunMode.DATA_MODE else None
    if stage is Stage.INGEST:
        return function(ctx)
    if catalog is None:
        raise ReviewError(Text("the run has no catalog: run the ingest stage first"), ErrorCode.STAGE_GATED)
    if stage is Stage.DOMAINS:
        return function(ctx, dict(catalog.body))
    if target is None:
        raise ReviewError(Text("the run has no target schema: run the ingest stage first"), ErrorCode.STAGE_GATED)
    if stage is Stage.MAPPING:
        return function(ctx, dict(catalog.body), dict(target.body), sample_path)
    return function(ctx, dict(catalog.body), dict(target.body), [mapping_out(m) for m in mappings], sample_path)


def error_json(error: BaseException, stage: Stage) -> dict[str, Any]:
    if isinstance(error, ReviewError):
        return {
            "code": str(error.code),
            "message": str(error.message),
            "stage": stage.value,
            "detail": dict(error.details),
        }
    if isinstance(error, ValueError | TypeError | KeyError | OSError):
        return {
            "code": ErrorCode.INTERNAL_ERROR.value,
            "message": message_of(error)[:500] or type(error).__name__,
            "stage": stage.value,
            "detail": {},
        }
    return {
        "code": ErrorCode.INTERNAL_ERROR.value,
        "stage": stage.value,
        "detail": {},
        "message": str(
            Text(
                "the stage failed on an unexpected error (%(error)s): the server's log has the details",
                error=type(error).__name__,
            )
        ),
    }


class ExecuteStageCommand(BaseCommand):
    """Run one stage of a run that ``StartStageCommand`` marked running, as its owner (in the worker, or in process
    for the CLI), and store its outcome."""

    def __init__(self, run_id: str, stage: str, task_uuid: str | None = None) -> None:
        self._run_id = run_id
        self._stage = Stage(stage)
        self._task_uuid = task_uuid

    def validate(self) -> None:
        """The run exists (the task acts for its owner, whose run it is) and still waits for this stage."""

    def _progress(self, fraction: float, step: str) -> None:
        if self._task_uuid is not None:
            done = max(0, min(100, round(float(fraction) * 100)))
            ReviewTaskDAO.write(self._task_uuid, done=done, total=100)

    def run(self) -> StageResult:
        stage = self._stage
        run = OnboardingRunDAO.find(self._run_id, None, any_owner=True)
        if run is None:
            return StageResult("failed", ErrorCode.RUN_NOT_FOUND.value, f"run {self._run_id} does not exist")
        if run.status in (RunStatus.STOPPED.value, RunStatus.FAILED.value):
            return StageResult("skipped", ErrorCode.RUN_STOPPED.value, f"run {run.run_id} is {run.status}")
        try:
            ctx = run_context(run, self._progress)
            inputs = stage_inputs(run, stage)
            mappings = MappingDAO.of_run(run) if stage is Stage.ANALYSIS else []
            digest_in = inputs_hash(inputs, mappings)
            db.session.commit()  # no transaction (nor row lock) is held while the stage works
            outcome = _call_stage(stage, ctx, inputs, mappings)
        except Exception as error:
            if not isinstance(error, ReviewError):
                logger.exception("stage %s of run %s failed", stage.value, self._run_id)
            db.session.rollback()
            return self._failed(error)
        try:
            return self._store(outcome, digest_in)
        except Exception as error:
            logger.exception("the outcome of stage %s of run %s could not be stored", stage.value, self._run_id)
            db.session.rollback()
            return self._failed(error)

    @unit_of_work
    def _failed(self, error: BaseException) -> StageResult:
        """The stage's error on the run and a ``fail`` event; nothing of the stage is written."""
        stage = self._stage
        run = OnboardingRunDAO.find(self._run_id, None, any_owner=True, lock=True)
        described = error_json(error, stage)
        if run is None:
            return StageResult("failed", described["code"], described["message"])
        set_stage(run, stage.value, state=StageState.FAILED.value, error=described)
        run.error = described
        bump(run)
        record_event(
            run,
            stage.value,
            LedgerAction.FAIL.value,
            subject=stage.value,
            detail={"code": described["code"], "message": described["message"][:500]},
        )
        db.session.flush()
        return StageResult("failed", described["code"], described["message"])

    @unit_of_work
    def _store(self, outcome: Any, digest_in: str) -> StageResult:
        stage = self._stage
        run = OnboardingRunDAO.find(self._run_id, None, any_owner=True, lock=True)
        if run is None:
            return StageResult("failed", ErrorCode.RUN_NOT_FOUND.value, f"run {self._run_id} does not exist")
        if run.status in (RunStatus.STOPPED.value, RunStatus.FAILED.value):
            # Stopped while the stage ran: what it made is dropped, the run stays as it was stopped.
            return StageResult("skipped", ErrorCode.RUN_STOPPED.value, f"run {run.run_id} is {run.status}")
        artifacts, mappings, events = _unpack(stage, outcome)
        stored = [ArtifactDAO.add(run, out.kind.value, out.body, out.path, run.created_by) for out in artifacts]
        outputs = {artifact.kind: artifact.content_hash for artifact in stored}
        held = False
        if stage is Stage.MAPPING:
            held = _store_mappings(run, mappings)
        for event in events:
            record_event(
                run,
                stage.value,
                str(event.get("action") or LedgerAction.REJECT.value)[:20],
                subject=str(event.get("subject"))[:255] if event.get("subject") else None,
                inputs_hash=event.get("inputs_hash"),
                outputs_hash=event.get("outputs_hash"),
                detail=event.get("detail") if isinstance(event.get("detail"), dict) else None,
            )
        digest_out = stable_hash(outputs)
        state = StageState.HELD if held else StageState.PASSED
        primary = next(iter(outputs.values()), None) if len(outputs) == 1 else digest_out
        set_stage(run, stage.value, state=state.value, artifact_hash=primary, error=None)
        for later in STAGES[STAGES.index(stage) + 1 :]:  # what was made from the old outputs is stale now
            set_stage(run, later.value, state=StageState.PENDING.value, artifact_hash=None, error=None, task_id=None)
        run.error = None
        index = STAGES.index(stage)
        run.stage = STAGES[index + 1].value if index + 1 < len(STAGES) else stage.value
        run.status = RunStatus.COMPLETED.value if stage is Stage.ANALYSIS and not held else RunStatus.RUNNING.value
        bump(run)
        action = LedgerAction.HOLD if held else LedgerAction.PASSED
        record_event(
            run,
            stage.value,
            action.value,
            subject=stage.value,
            inputs_hash=digest_in,
            outputs_hash=digest_out,
            detail={"artifacts": outputs},
        )
        db.session.flush()
        return StageResult(state.value)


def _unpack(stage: Stage, outcome: Any) -> tuple[list[ArtifactOut], list[MappingOut], list[dict[str, Any]]]:
    """A stage's return value: a MappingOutcome for the mapping stage, a list of ArtifactOut for the others."""
    if isinstance(outcome, MappingOutcome):
        return list(outcome.artifacts), list(outcome.mappings), [e for e in outcome.events if isinstance(e, dict)]
    if stage is Stage.MAPPING or not isinstance(outcome, list | tuple):
        raise TypeError(f"stage {stage.value} returned {type(outcome).__name__}")
    if not all(isinstance(out, ArtifactOut) for out in outcome):
        raise TypeError(f"stage {stage.value} returned something else than artifacts")
    return list(outcome), [], []


def _store_mappings(run: OnboardingRun, mappings: list[MappingOut]) -> bool:
    """The run's mappings become the stage's, each with a ledger event of its decision; a target kept from the run
    before has its version moved on (an If-Match on the old one is stale). Whether any is not accepted."""
    existing = {mapping.target: mapping for mapping in MappingDAO.of_run(run)}
    seen: set[str] = set()
    for out in mappings:
        if out.target in seen:
            raise ValueError(f"the mapping stage returned target {out.target!r} twice")
        seen.add(out.target)
        row = existing.get(out.target)
        if row is None:
            row = RunMapping(run_pk=run.id, target=out.target, version=0)
            db.session.add(row)
        row.sources, row.strategy, row.dsl, row.origin = list(out.sources), out.strategy, dict(out.dsl), out.origin
        row.decision, row.confidence, row.rationale = out.decision, float(out.confidence), list(out.rationale)
        row.success_rate, row.near_rate, row.fail_rate = out.success_rate, out.near_rate, out.fail_rate
        row.examples = out.examples
        row.version = int(row.version or 0) + 1
        row.decided_by, row.decided_on = None, None
        record_event(
            run,
            Stage.MAPPING.value,
            out.decision,
            subject=out.target[:255],
            outputs_hash=stable_hash(out.dsl),
            detail={
                "origin": out.origin,
                "strategy": out.strategy,
                "confidence": out.confidence,
                "success_rate": out.success_rate,
            },
        )
    for target, row in existing.items():
        if target not in seen:
            db.session.delete(row)
    db.session.flush()
    return any(out.decision != MappingDecision.ACCEPT.value for out in mappings)
