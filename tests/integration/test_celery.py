"""A task round trip through real Redis and a real worker process, computed in Superset's app as the caller."""

from __future__ import annotations

import os
from typing import Any

import pytest

from superset_review.tasks.base import TaskUserError, submit_as_current_user
from superset_review.tasks.diagnostics import whoami
from tests.users import ADMIN, READER, READER_ROLE, user


@pytest.mark.parametrize(
    ("username", "roles", "permissions"),
    [
        (READER, [READER_ROLE], ["read"]),
        (
            ADMIN,
            ["Admin"],
            ["admin", "approve", "curate", "launch", "launch_prod", "manage", "migrate", "preview", "read"],
        ),
    ],
)
def test_task_runs_in_worker_as_the_caller(
    app: Any, worker: Any, username: str, roles: list[str], permissions: list[str]
) -> None:
    from superset.utils.core import override_user

    with app.test_request_context(), override_user(user(username)):
        result = submit_as_current_user(whoami).get(timeout=60)
    assert result["username"] == username
    assert result["roles"] == roles
    assert result["permissions"] == permissions
    assert result["app"] == "superset.app"
    assert not result["worker"].endswith(f":{os.getpid()}"), "computed in the worker process, not here"


def test_task_refuses_to_start_without_a_user(app: Any) -> None:
    with app.test_request_context(), pytest.raises(TaskUserError, match="signed-in user"):
        submit_as_current_user(whoami)


def test_task_for_a_deleted_user_fails_clearly(app: Any, worker: Any) -> None:
    from celery.exceptions import TaskError  # noqa: F401 - the worker re-raises the task's own error

    async_result = whoami.apply_async(kwargs={"acting_user_id": 987654321})
    with pytest.raises(Exception, match="no longer exists"):
        async_result.get(timeout=60, propagate=True)
