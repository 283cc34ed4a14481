"""Where a change was made, as the journal records it: ``api`` in a request, ``worker`` in a Celery task, ``cli``
elsewhere (a command of ``superset-review``, a script with an app context)."""

from __future__ import annotations

API = "api"
WORKER = "worker"
CLI = "cli"


def current_source() -> str:
    from flask import has_request_context

    if has_request_context():
        return API
    from celery import current_task

    # A proxy: false outside a task (it stands for None there).
    if current_task and getattr(current_task.request, "id", None):
        return WORKER
    return CLI
