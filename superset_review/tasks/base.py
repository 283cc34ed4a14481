"""Tasks that run as the user who started them, inside Superset's app context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from celery import Task
from celery.result import AsyncResult
from flask import g
from superset.extensions import celery_app, security_manager
from superset.utils.core import override_user

from superset_review.migration.lanes import Lane

P = ParamSpec("P")
R = TypeVar("R")

ACTING_USER = "acting_user_id"


class TaskUserError(Exception):
    """The user a task was started for is missing (deleted since) or was never given."""


def review_task(name: str, lane: Lane = Lane.FLEX_BG, **options: Any) -> Callable[[Callable[..., R]], Task]:
    """Register ``fn`` as ``superset_review.<name>`` on ``lane``'s queue (its home: ``submit_as_current_user`` may
    send one call elsewhere); it runs with ``g.user`` set to the starting user.

    Superset's ``AppContextTask`` already wraps every call in ``app.app_context()``; what it does not do is
    say who the task acts for, so every permission check inside would see no user.
    """

    def decorator(fn: Callable[..., R]) -> Task:
        def run_as_user(*args: Any, **kwargs: Any) -> R:
            user_id = kwargs.pop(ACTING_USER, None)
            if user_id is None:
                raise TaskUserError(f"task superset_review.{name} was started without {ACTING_USER}")
            user = security_manager.get_user_by_id(user_id)
            if user is None:
                raise TaskUserError(f"user {user_id} who started superset_review.{name} no longer exists")
            with override_user(user):
                return fn(*args, **kwargs)

        run_as_user.__name__ = fn.__name__
        run_as_user.__doc__ = fn.__doc__
        return celery_app.task(name=f"superset_review.{name}", queue=lane.value, **options)(run_as_user)

    return decorator


def submit_as_current_user(
    task: Task, *args: Any, task_id: str | None = None, queue: str | None = None, **kwargs: Any
) -> AsyncResult:
    """Queue ``task`` for the user of the current request (or of ``override_user``).

    ``task_id`` lets the caller record the task (say, as queued on a session) before the worker can pick it up;
    ``queue`` sends it to a lane other than its home (the supervisor's choice, ``migration.lanes.submit_to_lane``).
    """
    user = getattr(g, "user", None)
    if user is None or getattr(user, "is_anonymous", True):
        raise TaskUserError("a task of the extension must be started by a signed-in user")
    routing = {"queue": queue} if queue is not None else {}
    return task.apply_async(args=args, kwargs={**kwargs, ACTING_USER: user.id}, task_id=task_id, **routing)
