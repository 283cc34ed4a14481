"""A stage of an onboarding run, run by the worker as the run's owner: the task's state follows the stage's (done when
it passed or is held for a person, failed with the stage's code and message otherwise)."""

from __future__ import annotations

import logging
from typing import Any

from superset_review.extension.i18n import Text
from superset_review.migration.lanes import Lane
from superset_review.tasks.base import review_task
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.models import TaskState, now
from superset_review.tasks.progress import finish, heartbeat

logger = logging.getLogger(__name__)


@review_task("onboarding_stage", lane=Lane.FLEX_BG, bind=True)
def run_onboarding_stage(task: Any, run_id: str, stage: str) -> dict[str, Any]:
    from superset_review.onboarding.commands.stage import ExecuteStageCommand

    task_uuid = str(task.request.id)
    started = now()
    ReviewTaskDAO.write(task_uuid, state=TaskState.RUNNING.value, started_on=started, heartbeat_on=started)
    with heartbeat(task_uuid):
        try:
            result = ExecuteStageCommand(run_id, stage, task_uuid).run()
        except Exception as error:  # the command records the stage's own failures; this is one nobody expected
            logger.exception("onboarding stage %s of run %s failed", stage, run_id)
            reason = Text(
                "The task failed on an unexpected error (%(error)s): try again, and tell an admin if it fails again.",
                error=type(error).__name__,
            )
            finish(task_uuid, TaskState.FAILED, "UNEXPECTED_ERROR", reason)
            return {"state": "failed", "error_code": "UNEXPECTED_ERROR"}
    if result.state in ("passed", "held"):
        ReviewTaskDAO.write(task_uuid, state=TaskState.DONE.value, finished_on=now(), done=100, total=100)
    else:
        finish(task_uuid, TaskState.FAILED, result.error_code, result.message)
    return {"state": result.state, "error_code": result.error_code}
