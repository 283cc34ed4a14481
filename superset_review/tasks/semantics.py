"""Long semantic steps, run by the worker as the user who asked, with their progress on the session."""

from __future__ import annotations

from typing import Any

from superset.extensions import db

from superset_review.tasks.base import review_task
from superset_review.tasks.progress import set_task_state


@review_task("draft_meanings", bind=True)
def draft_meanings(task: Any, session_id: int, is_admin: bool) -> dict[str, Any]:
    from superset_review.sessions.commands.ai_draft import DraftMeaningsCommand
    from superset_review.sessions.exceptions import ReviewSessionError

    task_id = str(task.request.id)
    set_task_state(session_id, task_id, kind="ai_draft", state="running")
    try:
        DraftMeaningsCommand(session_id, is_admin).run()
    except ReviewSessionError as error:
        db.session.rollback()
        set_task_state(session_id, task_id, state="failed", error_code=error.code, message=error.message)
        return {"state": "failed", "error_code": error.code, "message": error.message}
    set_task_state(session_id, task_id, state="done")
    return {"state": "done"}
