"""The data profile of a session, read by the worker with the review owner's rights."""

from __future__ import annotations

from typing import Any

from superset_review.migration.lanes import Lane
from superset_review.tasks.base import review_task
from superset_review.tasks.progress import run_task


@review_task("profile_session_data", lane=Lane.INTERACTIVE_FAST, bind=True)
def profile_session_data(task: Any, session_id: int, is_admin: bool) -> dict[str, Any]:
    from superset_review.sessions.commands.profile import ProfileSessionDataCommand

    return run_task(task, lambda progress: ProfileSessionDataCommand(session_id, is_admin, progress=progress))
