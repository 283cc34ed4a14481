"""A background task's progress in the workspace, read from the task table through the review's GET: done/total,
the ETA, the WCAG audit while it runs, and the line gone once the task is done."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.browser.test_quality_of_use import audit, review_as_admin, show


def test_a_running_task_shows_its_steps_and_eta_then_leaves_when_done(
    app: Any, page: Any, live_server: str, examples: dict[str, int], client: Any, artifacts: Path
) -> None:
    from superset.extensions import db

    from superset_review.tasks.models import ReviewTask, now, session_subject

    review = review_as_admin(page, live_server, client, examples["templated"])
    session_id = int(review.rsplit("=", 1)[1])
    with app.app_context():
        # The row a worker writes when it has done 1 of 4 steps in 30 s (and is alive).
        task = ReviewTask(kind="profile", subject=session_subject(session_id), state="running", done=1, total=4,
                          started_on=now() - timedelta(seconds=30), heartbeat_on=now())  # fmt: skip
        db.session.add(task)
        db.session.commit()
        task_uuid = task.uuid
    show(page, review)
    page.get_by_text("Data profile: running").wait_for(timeout=30_000)
    page.get_by_text("1 of 4 steps").wait_for()
    eta = page.get_by_text(re.compile(r"^about \d+ (s|min) left$"))
    eta.wait_for()
    assert page.get_by_role("progressbar", name="Progress of Data profile").get_attribute("aria-valuenow") == "25"
    assert audit(page) == []
    page.screenshot(path=str(artifacts / "30-task-progress.png"), full_page=True)
    with app.app_context():
        db.session.query(ReviewTask).filter(ReviewTask.uuid == task_uuid).update(
            {"state": "done", "done": 4, "finished_on": now(), "changed_on": now()}
        )
        db.session.commit()
    page.get_by_text("Data profile: running").wait_for(state="detached", timeout=30_000)
