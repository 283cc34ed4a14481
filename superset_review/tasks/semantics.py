"""Long semantic steps, run by the worker as the user who asked, with their progress in the task table."""

from __future__ import annotations

from typing import Any

from superset_review.migration.lanes import Lane
from superset_review.tasks.base import review_task
from superset_review.tasks.progress import run_task


@review_task("draft_meanings", lane=Lane.FLEX_BG, bind=True)
def draft_meanings(task: Any, session_id: int, is_admin: bool) -> dict[str, Any]:
    from superset_review.sessions.commands.ai_draft import DraftMeaningsCommand

    return run_task(task, lambda progress: DraftMeaningsCommand(session_id, is_admin, progress=progress))
