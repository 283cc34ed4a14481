"""The ETA of a task: known once a running task has done part of a known total, at the pace so far."""

from __future__ import annotations

from datetime import timedelta

import pytest

from superset_review.tasks.models import ReviewTask, now
from superset_review.tasks.schemas import eta_seconds


def task(state: str = "running", done: int | None = 1, total: int | None = 4, elapsed: float = 30) -> ReviewTask:
    return ReviewTask(state=state, done=done, total=total, started_on=now() - timedelta(seconds=elapsed))


def test_the_pace_so_far_gives_the_time_left() -> None:
    assert eta_seconds(task()) == pytest.approx(90, abs=1)
    assert eta_seconds(task(done=4)) == 0


@pytest.mark.parametrize(
    "unknown",
    [task(done=0), task(done=None), task(total=None), task(total=0), task(state="queued"), task(state="failed")],
)
def test_no_eta_is_made_up(unknown: ReviewTask) -> None:
    assert eta_seconds(unknown) is None


def test_a_clock_behind_the_start_gives_no_negative_eta() -> None:
    assert eta_seconds(task(elapsed=-5)) == 0
