"""Queue a task once per kind and subject, and run it in the worker with its state in the task table.

The record is written before the task is queued (the worker always finds it); the worker says it is alive while
it runs (``heartbeat``), and a task ends ``done`` or ``failed`` with a reason whatever the command raised.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.exc import IntegrityError
from superset.extensions import db
from superset.utils.decorators import transaction

from superset_review.extension.i18n import Text, texts_of
from superset_review.extension.transaction import reraise_as_is
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.models import ReviewTask, TaskState, now

logger = logging.getLogger(__name__)


class Progress:
    """What a command running as a task reports: ``step(done, total)``; outside a task, nothing."""

    def __init__(self, task_uuid: str | None = None) -> None:
        self._task_uuid = task_uuid

    def step(self, done: int, total: int) -> None:
        if self._task_uuid is not None:
            ReviewTaskDAO.write(self._task_uuid, done=done, total=total)


NO_PROGRESS = Progress()
# The one failure a request meets itself (the broker did not take the task): the API answers 503 for it. Any other
# final state was the worker's, however quickly it came.
QUEUE_UNREACHABLE = "QUEUE_UNREACHABLE"


@transaction(on_error=reraise_as_is)
def _record(kind: str, subject: str) -> tuple[ReviewTask, bool]:
    ReviewTaskDAO.fail_orphans(subject)
    existing = ReviewTaskDAO.active(kind, subject)
    if existing is not None:
        return existing, False
    record = ReviewTask(kind=kind, subject=subject, requested_by=g.user.id, state=TaskState.QUEUED.value)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:  # another request queued the same work in between: the unique index chose it
        existing = ReviewTaskDAO.active(kind, subject)
        if existing is None:
            raise
        return existing, False
    return record, True


def queued_status(record: ReviewTask) -> int:
    """The HTTP status of a request that queued ``record``: 503 only when the queue did not take the task; a worker
    that already ended it (done or failed, before the reply was written) answered the request: 202, the task as it
    is."""
    return 503 if record.state == TaskState.FAILED.value and record.error_code == QUEUE_UNREACHABLE else 202


def queue_task(kind: str, subject: str, task: Any, *args: Any, queue: str | None = None) -> tuple[ReviewTask, bool]:
    """The task doing ``kind`` on ``subject``: the one queued or running already, or a new one, queued as the current
    user (on ``queue``, a lane the supervisor chose; the task's home lane when None). Returns it and whether it was
    queued now."""
    from superset_review.tasks.base import submit_as_current_user

    record, created = _record(kind, subject)
    if created:
        try:
            submit_as_current_user(task, *args, task_id=record.uuid, queue=queue)
        except Exception as ex:  # noqa: BLE001 - a broker that is down: the subject stays and says what to do
            reason = Text(
                "The worker queue could not be reached (%(error)s); retry when it is back.", error=type(ex).__name__
            )
            finish(record.uuid, TaskState.FAILED, QUEUE_UNREACHABLE, reason)
            db.session.refresh(record)
    return record, created


def finish(task_uuid: str, state: TaskState, code: str | None = None, message: str | None = None) -> None:
    ReviewTaskDAO.write(
        task_uuid, state=state.value, error_code=code, message=str(message) if message else None,
        i18n=texts_of(message=message) or None, finished_on=now(),
    )  # fmt: skip


@contextmanager
def heartbeat(task_uuid: str) -> Iterator[None]:
    """While inside, a thread of the worker writes the task's heartbeat every REVIEW_TASK_HEARTBEAT_SECONDS on a
    connection of its own: when the worker dies the heartbeat stops, and readers fail the task."""
    engine = db.engine
    every = float(current_app.config["REVIEW_TASK_HEARTBEAT_SECONDS"])
    table = ReviewTask.__table__
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with engine.begin() as connection:
                    connection.execute(sa.update(table).where(table.c.uuid == task_uuid).values(heartbeat_on=now()))
            except Exception:
                logger.warning("heartbeat of task %s not written", task_uuid, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{task_uuid}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(every + 1)


def run_task(task: Any, command_for: Any) -> dict[str, Any]:
    """Run the command that ``command_for(progress)`` makes, as the task ``task.request.id``: running, then done, or
    failed with the command's own message, or with a reason for an error nobody expected (the task never stays
    running)."""
    from superset_review.sessions.exceptions import ReviewSessionError

    task_uuid = str(task.request.id)
    started = now()
    ReviewTaskDAO.write(task_uuid, state=TaskState.RUNNING.value, started_on=started, heartbeat_on=started)
    with heartbeat(task_uuid):
        try:
            command_for(Progress(task_uuid)).run()
        except ReviewSessionError as error:
            finish(task_uuid, TaskState.FAILED, error.code, error.message)
            return {"state": "failed", "error_code": error.code, "message": str(error.message)}
        except Exception as error:
            logger.exception("task %s failed", task_uuid)
            reason = Text(
                "The task failed on an unexpected error (%(error)s): try again, and tell an admin if it fails again.",
                error=type(error).__name__,
            )
            finish(task_uuid, TaskState.FAILED, "UNEXPECTED_ERROR", reason)
            return {"state": "failed", "error_code": "UNEXPECTED_ERROR", "message": str(reason)}
    ReviewTaskDAO.write(task_uuid, state=TaskState.DONE.value, finished_on=now(), message=None, i18n=None)
    return {"state": "done"}
