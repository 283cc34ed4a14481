"""What the run commands share: who acts, the run they may see (their own; every run for ``can_admin``), the
If-Match check, the run's stage map, and the ledger event each change writes in its own transaction."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from superset.extensions import db, security_manager

from superset_review.extension.constants import ADMIN, VIEW_MENU
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.onboarding.contract import is_run_id
from superset_review.onboarding.dao import OnboardingRunDAO
from superset_review.onboarding.documents import etag_matches
from superset_review.onboarding.models import STAGES, OnboardingRun, RunEvent, RunStatus, StageState
from superset_review.transform_dsl import DSL_VERSION


def current_user_id() -> int | None:
    user = getattr(g, "user", None)
    if user is None or getattr(user, "is_anonymous", False):
        return None
    return getattr(user, "id", None)


def is_review_admin() -> bool:
    return bool(security_manager.can_access(f"can_{ADMIN}", VIEW_MENU))


def acting_user_id() -> int:
    user_id = current_user_id()
    if user_id is None:
        raise ReviewError(Text("log in to work on onboarding runs"), ErrorCode.NOT_AUTHENTICATED)
    return user_id


def run_not_found(run_id: str) -> ReviewError:
    return ReviewError(
        Text("onboarding run %(run)s does not exist or is not yours", run=str(run_id)[:40]), ErrorCode.RUN_NOT_FOUND
    )


def visible_run(run_id: str, *, lock: bool = False) -> OnboardingRun:
    """The run when the current user created it or holds can_admin; 404 otherwise (ids are not probed)."""
    run = OnboardingRunDAO.find(run_id, current_user_id(), any_owner=is_review_admin(), lock=lock)
    if run is None:
        raise run_not_found(run_id)
    return run


def check_run_in_path(path: dict[str, Any]) -> None:
    """For the APIs whose paths name a run: it must be a run id the user may see (404 before the body is read)."""
    if (run_id := path.get("run_id")) is not None:
        if not isinstance(run_id, str) or not is_run_id(run_id):
            raise run_not_found(str(run_id))
        visible_run(run_id)


def require_match(if_match: str | None, current: str, what: Text) -> None:
    """412 RUN_CHANGED when the client's If-Match names another version than ``current`` (a strong ETag). No
    If-Match at all is allowed: the check is the client's protection against its own stale copy."""
    if if_match is not None and not etag_matches(if_match, current):
        raise ReviewError(
            Text("%(what)s changed since you read it: reload it and apply your change again", what=what),
            ErrorCode.RUN_CHANGED,
            details={"etag": current},
        )


def require_active(run: OnboardingRun) -> None:
    if run.status in (RunStatus.STOPPED.value, RunStatus.FAILED.value):
        raise ReviewError(
            Text("onboarding run %(run)s is %(status)s: it takes no more changes", run=run.run_id, status=run.status),
            ErrorCode.RUN_STOPPED,
        )


def initial_stages() -> dict[str, dict[str, Any]]:
    return {
        stage.value: {"state": StageState.PENDING.value, "artifact_hash": None, "task_id": None, "error": None}
        for stage in STAGES
    }


def set_stage(run: OnboardingRun, stage: str, **values: Any) -> None:
    """Change one stage's entry (a new dict: the JSON column sees the change)."""
    stages = {name: dict(entry) for name, entry in (run.stages or initial_stages()).items()}
    stages[stage] = {**stages.get(stage, {}), **values}
    run.stages = stages


def bump(run: OnboardingRun) -> None:
    """Every change of a run moves its version, hence its ETag."""
    run.version = int(run.version or 0) + 1


def policy_version() -> str:
    return str(current_app.config["REVIEW_POLICY"].version)


def record_event(
    run: OnboardingRun,
    stage: str,
    action: str,
    *,
    subject: str | None = None,
    inputs_hash: str | None = None,
    outputs_hash: str | None = None,
    confirmed_by: int | None = None,
    detail: dict[str, Any] | None = None,
) -> RunEvent:
    """A ledger event in the caller's transaction, with the run's contract hash and the policy and DSL versions."""
    event = RunEvent(
        run_pk=run.id,
        stage=stage,
        action=action,
        subject=subject,
        inputs_hash=inputs_hash,
        outputs_hash=outputs_hash,
        contract_hash=run.contract_hash,
        policy_version=policy_version(),
        dsl_version=DSL_VERSION,
        confirmed_by=confirmed_by,
        actor_id=current_user_id(),
        detail=detail,
    )
    db.session.add(event)
    return event
