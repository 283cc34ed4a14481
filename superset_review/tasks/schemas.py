"""A task as the API says it: state, progress, an ETA where one is known, and its message in the reader's
language."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump

from superset_review.extension.fields import UtcTimestamp
from superset_review.extension.i18n import I18N_KEY, localize
from superset_review.tasks.models import ReviewTask, TaskState, now


def eta_seconds(task: ReviewTask) -> float | None:
    """Seconds left at the pace so far: known once a running task has done part of a known total."""
    if task.state != TaskState.RUNNING.value or not task.started_on or not task.total or not task.done:
        return None
    elapsed = (now() - task.started_on).total_seconds()
    left: float = max(elapsed, 0.0) / task.done * max(task.total - task.done, 0)
    return round(left, 1)


class TaskSchema(Schema):
    task_id = fields.String(attribute="uuid", metadata={"description": "The task's id (Celery's too)"})
    kind = fields.String(metadata={"description": "What the task does: profile, ai_draft, ..."})
    subject = fields.String(metadata={"description": "What it works on, e.g. session:12"})
    requested_by = fields.Integer(allow_none=True, metadata={"description": "The user who asked for it"})
    state = fields.String(metadata={"description": "queued, running, done or failed", "enum": list(TaskState)})
    done = fields.Integer(allow_none=True, metadata={"description": "Steps done, when the task counts them"})
    total = fields.Integer(allow_none=True, metadata={"description": "Steps in all, when known"})
    eta_seconds = fields.Function(
        eta_seconds, allow_none=True, metadata={"description": "Seconds left at the pace so far, when known"}
    )
    message = fields.String(allow_none=True, metadata={"description": "Why it failed, in the reader's language"})
    error_code = fields.String(allow_none=True)
    i18n = fields.Raw(allow_none=True, load_only=True)
    created_on = UtcTimestamp()
    started_on = UtcTimestamp(allow_none=True)
    finished_on = UtcTimestamp(allow_none=True)
    heartbeat_on = UtcTimestamp(allow_none=True, metadata={"description": "The worker's last sign of life"})

    @post_dump(pass_original=True)
    def _in_readers_language(self, data: dict[str, Any], task: ReviewTask, **kwargs: Any) -> dict[str, Any]:
        if task.i18n:
            data = localize({**data, I18N_KEY: task.i18n})
        return data
