"""Background work of the extension, tracked in a table of its own.

A task's progress is written here, never on its subject (a review), so a worker's "running" or "3 of 10" does not
move the review's version: the user's next edit does not meet a 409 because a task runs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class TaskState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# A task in one of these states is the one a second request for the same work gets back.
ACTIVE_STATES = (TaskState.QUEUED.value, TaskState.RUNNING.value)


class ReviewTask(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_tasks"

    id = sa.Column(sa.Integer, primary_key=True)
    # The Celery task id too: recorded before the task is queued, so the worker always finds its row.
    uuid = sa.Column(sa.String(36), nullable=False, unique=True, default=lambda: str(uuid.uuid4()))
    kind = sa.Column(sa.String(60), nullable=False)  # profile | ai_draft | ...
    subject = sa.Column(sa.String(120), nullable=False, index=True)  # what it works on: "session:12"
    requested_by = sa.Column(sa.Integer, nullable=True)
    state = sa.Column(sa.String(20), nullable=False, default=TaskState.QUEUED.value)
    done = sa.Column(sa.Integer, nullable=True)
    total = sa.Column(sa.Integer, nullable=True)
    # For the user: the English text, its Text kept in i18n (translated for each reader), and a stable code.
    message = sa.Column(sa.Text, nullable=True)
    i18n = sa.Column(sa.JSON, nullable=True)
    error_code = sa.Column(sa.String(60), nullable=True)
    # Where a task that resumes starts again (the work's own JSON document).
    checkpoint = sa.Column(sa.JSON, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=now, onupdate=now)
    started_on = sa.Column(sa.DateTime, nullable=True)
    finished_on = sa.Column(sa.DateTime, nullable=True)
    # Written by the worker every few seconds while it runs the task: one that stops means the worker is gone.
    heartbeat_on = sa.Column(sa.DateTime, nullable=True)

    __table_args__ = (
        # At most one queued or running task per kind and subject, whoever asks: the database settles a race.
        sa.Index(
            "uq_dataset_review_tasks_active",
            "kind",
            "subject",
            unique=True,
            postgresql_where=sa.text("state IN ('queued', 'running')"),
        ),
    )


def session_subject(session_id: int) -> str:
    return f"session:{session_id}"
