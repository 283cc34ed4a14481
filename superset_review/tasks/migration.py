"""A run's migration, executed by the worker as the run's owner: the task's progress is chunks done of the total, its
heartbeat says the worker lives, and its final state follows the migration's (done when it is ready or cancelled,
failed with the migration's code and message otherwise)."""

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

ENDED_WELL = ("ready", "cancelled")


@review_task("migration_run", lane=Lane.BATCH_JOBS, bind=True)
def run_migration(task: Any, run_id: str) -> dict[str, Any]:
    from superset_review.migration.commands.execute import ExecuteMigrationCommand, worker_name

    task_uuid = str(task.request.id)
    started = now()
    ReviewTaskDAO.write(task_uuid, state=TaskState.RUNNING.value, started_on=started, heartbeat_on=started)
    with heartbeat(task_uuid):
        try:
            result = ExecuteMigrationCommand(run_id, task_uuid, f"celery:{worker_name()}").run()
        except Exception as error:  # the command records the migration's own failures; this is one nobody expected
            logger.exception("the migration of run %s failed", run_id)
            reason = Text(
                "The task failed on an unexpected error (%(error)s): try again, and tell an admin if it fails again.",
                error=type(error).__name__,
            )
            finish(task_uuid, TaskState.FAILED, "UNEXPECTED_ERROR", reason)
            return {"state": "failed", "error_code": "UNEXPECTED_ERROR"}
    if result.state in ENDED_WELL:
        ReviewTaskDAO.write(task_uuid, state=TaskState.DONE.value, finished_on=now())
    else:
        finish(task_uuid, TaskState.FAILED, result.error_code, result.message)
    return {"state": result.state, "error_code": result.error_code}
