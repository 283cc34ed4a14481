"""Reading and writing task rows: the orphan sweep, the active task of a kind and subject, progress."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from superset.daos.base import BaseDAO
from superset.extensions import db

from superset_review.extension.i18n import Text, texts_of
from superset_review.tasks.models import ACTIVE_STATES, ReviewTask, TaskState, now

# How many of a subject's tasks its document lists (newest first): enough to see what ran, bounded.
LISTED_TASKS = 20


class ReviewTaskDAO(BaseDAO[ReviewTask]):
    @staticmethod
    def fail_orphans(subject: str | None = None) -> int:
        """End in ``failed``, with a reason, every running task whose worker stopped saying it is alive (it died,
        or was killed) and every queued task no worker started in time (its message was lost); committed at once on
        a connection of its own, so a reader's or a request's transaction is not touched. Returns how many."""
        stale = float(current_app.config["REVIEW_TASK_STALE_SECONDS"])
        queued = float(current_app.config["REVIEW_TASK_QUEUED_SECONDS"])
        table = ReviewTask.__table__
        last_sign = sa.func.coalesce(table.c.heartbeat_on, table.c.started_on, table.c.created_on)
        orphans = (
            (
                TaskState.RUNNING,
                last_sign < now() - timedelta(seconds=stale),
                "WORKER_LOST",
                Text(
                    "The worker running this task stopped answering (no sign of life for %(seconds)d s): start it "
                    "again.",
                    seconds=int(stale),
                ),
            ),
            (
                TaskState.QUEUED,
                table.c.created_on < now() - timedelta(seconds=queued),
                "NEVER_STARTED",
                Text("No worker started this task in %(seconds)d s: check the workers, then start it again.",
                     seconds=int(queued)),
            ),
        )  # fmt: skip
        failed = 0
        with db.engine.begin() as connection:
            for state, is_orphan, code, reason in orphans:
                statement = sa.update(table).where(table.c.state == state.value, is_orphan)
                if subject is not None:
                    statement = statement.where(table.c.subject == subject)
                finished = now()
                statement = statement.values(
                    state=TaskState.FAILED.value, error_code=code, message=str(reason),
                    i18n=texts_of(message=reason), finished_on=finished, changed_on=finished,
                )  # fmt: skip
                failed += int(connection.execute(statement).rowcount or 0)
        return failed

    @staticmethod
    def active(kind: str, subject: str) -> ReviewTask | None:
        task: ReviewTask | None = (
            db.session.query(ReviewTask)
            .filter(ReviewTask.kind == kind, ReviewTask.subject == subject, ReviewTask.state.in_(ACTIVE_STATES))
            .one_or_none()
        )
        return task

    @staticmethod
    def by_uuid(task_uuid: str) -> ReviewTask | None:
        task: ReviewTask | None = db.session.query(ReviewTask).filter(ReviewTask.uuid == task_uuid).one_or_none()
        return task

    @staticmethod
    def of_subject(subject: str) -> list[ReviewTask]:
        return list(
            db.session.query(ReviewTask)
            .filter(ReviewTask.subject == subject)
            .order_by(ReviewTask.id.desc())
            .limit(LISTED_TASKS)
        )

    @staticmethod
    def stamp(subject: str) -> str:
        """What changes whenever a subject's task list does (a cache key part): one small query, no ORM load."""
        table = ReviewTask.__table__
        count, changed = db.session.execute(
            sa.select(sa.func.count(), sa.func.max(table.c.changed_on)).where(table.c.subject == subject)
        ).one()
        return f"{count}:{changed.isoformat() if changed else '-'}"

    @staticmethod
    def write(task_uuid: str, **values: Any) -> None:
        """Set a task's fields at once, on a connection of its own: progress is visible while the work's own
        transaction is still open, and is never part of it (a rolled-back command keeps its task's record)."""
        table = ReviewTask.__table__
        with db.engine.begin() as connection:
            connection.execute(sa.update(table).where(table.c.uuid == task_uuid).values(changed_on=now(), **values))
