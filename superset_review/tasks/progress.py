"""A task's progress on its review session: readable while the task runs, written by request and worker alike."""

from __future__ import annotations

import uuid
from typing import Any

from superset.extensions import db

from superset_review.extension.i18n import I18N_KEY, Text, keep_texts
from superset_review.sessions.models import ReviewSession


def set_task_state(session_id: int, task_id: str, **state: Any) -> None:
    """Progress lives on the session (in its context), so the session stays readable while the task runs.

    A state's ``message`` is for the user: its Text is kept beside it (``keep_texts``) for the reader's language."""
    session = db.session.get(ReviewSession, session_id)
    if session is None:
        return
    db.session.refresh(session)  # the worker and the request both write here: start from the latest version
    tasks = dict((session.context or {}).get("tasks") or {})
    record = dict(tasks.get(task_id) or {})
    # A field set again drops its previous Text (the new value may be a plain string).
    kept = {name: text for name, text in (record.pop(I18N_KEY, None) or {}).items() if name not in state}
    if kept:
        record[I18N_KEY] = kept
    tasks[task_id] = dict(keep_texts(record, **state))
    session.context = {**(session.context or {}), "tasks": tasks}
    db.session.commit()


def queue_session_task(session_id: int, kind: str, task: Any, *args: Any) -> str:
    """Record the task as queued on the session, then queue it: the worker's own states always come later."""
    from superset_review.tasks.base import submit_as_current_user

    task_id = str(uuid.uuid4())
    set_task_state(session_id, task_id, kind=kind, state="queued")
    try:
        submit_as_current_user(task, *args, task_id=task_id)
    except Exception as ex:  # noqa: BLE001 - a broker that is down: the session stays and says what to do
        reason = Text(
            "The worker queue could not be reached (%(error)s); retry when it is back.", error=type(ex).__name__
        )
        set_task_state(session_id, task_id, state="failed", message=reason)
    return task_id


def run_session_command(task: Any, session_id: int, kind: str, command: Any) -> dict[str, Any]:
    """Run a session command in the worker with its states on the session: running, then done or failed (with the
    command's own message, so the page can say what happened and what to do)."""
    from superset_review.sessions.exceptions import ReviewSessionError

    task_id = str(task.request.id)
    set_task_state(session_id, task_id, kind=kind, state="running")
    try:
        command.run()
    except ReviewSessionError as error:
        db.session.rollback()
        set_task_state(session_id, task_id, state="failed", error_code=error.code, message=error.message)
        return {"state": "failed", "error_code": error.code, "message": error.message}
    set_task_state(session_id, task_id, state="done")
    return {"state": "done"}
