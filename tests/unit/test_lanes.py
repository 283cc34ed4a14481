"""The supervisor's lane choice, rule by rule: kind, size, sensitivity, queue depth."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.migration.lanes import (
    ALL_QUEUES,
    BATCH_BYTES,
    BATCH_ROWS,
    DEFAULT_LANE_CONCURRENCY,
    METADATA_ONLY,
    SMALL_ROWS,
    Job,
    Lane,
    choose_lane,
    parse_lane_concurrency,
    priority_keys,
    queues_of,
)

IDLE = {"interactive_fast": 0, "flex_bg": 0, "batch_jobs": 0}
BATCH_BACKLOG = {"interactive_fast": 0, "flex_bg": 1, "batch_jobs": 9}  # 9 waiting for 1 slot
INTERACTIVE_BACKLOG = {"interactive_fast": 12, "flex_bg": 2, "batch_jobs": 0}  # 6 per slot
BOTH_BACKLOGGED = {"interactive_fast": 0, "flex_bg": 20, "batch_jobs": 9}
UNKNOWN: dict[str, int] = {}  # the broker did not answer


@pytest.mark.parametrize(
    ("job", "depths", "lane", "reason"),
    [
        # The kind's home lane when nothing else applies.
        (Job("profile", rows=10_000), IDLE, Lane.INTERACTIVE_FAST, "the home lane of profile"),
        (Job("whoami"), IDLE, Lane.INTERACTIVE_FAST, "the home lane of whoami"),
        (Job("domaining", rows=500), IDLE, Lane.FLEX_BG, "the home lane of domaining"),
        (Job("onboarding_stage", rows=500), IDLE, Lane.FLEX_BG, "the home lane of onboarding_stage"),
        (Job("migration", rows=200_000), IDLE, Lane.BATCH_JOBS, "the home lane of migration"),
        # Metadata only: a migration's plan or dry run moves no row.
        (Job("migration", rows=10**8, data_mode=METADATA_ONLY), BATCH_BACKLOG, Lane.INTERACTIVE_FAST,
         "metadata only: no row moves"),
        # Size: a batch-sized job leaves the interactive and background lanes, by rows or by bytes.
        (Job("profile", rows=BATCH_ROWS), IDLE, Lane.BATCH_JOBS, f"batch-sized ({BATCH_ROWS} rows)"),
        (Job("domaining", rows=10, bytes=BATCH_BYTES), IDLE, Lane.BATCH_JOBS, f"batch-sized ({BATCH_BYTES} bytes)"),
        (Job("migration", rows=5 * BATCH_ROWS), BATCH_BACKLOG, Lane.BATCH_JOBS, "batch-sized"),
        # Queue depth: a small migration leaves a backlogged batch lane for a quieter flex_bg ...
        (Job("migration", rows=SMALL_ROWS), BATCH_BACKLOG, Lane.FLEX_BG,
         "batch_jobs backlogged (9 waiting for 1 slot(s)): flex_bg waits less (1)"),
        (Job("profile", rows=100), INTERACTIVE_BACKLOG, Lane.FLEX_BG, "interactive_fast backlogged (12 waiting"),
        # ... but not when the other lane waits as much, nor when the job is not known to be small,
        (Job("migration", rows=SMALL_ROWS), BOTH_BACKLOGGED, Lane.BATCH_JOBS, "the home lane of migration"),
        (Job("migration", rows=SMALL_ROWS + 1), BATCH_BACKLOG, Lane.BATCH_JOBS, "the home lane of migration"),
        (Job("migration"), BATCH_BACKLOG, Lane.BATCH_JOBS, "the home lane of migration"),
        (Job("migration", rows=100, bytes=BATCH_BYTES - 1), BATCH_BACKLOG, Lane.BATCH_JOBS, "home lane"),
        # ... nor below the backlog threshold, and background work never overflows onto the interactive lane.
        (Job("migration", rows=100), {**IDLE, "batch_jobs": 3}, Lane.BATCH_JOBS, "the home lane of migration"),
        (Job("domaining", rows=100), {**IDLE, "flex_bg": 50}, Lane.FLEX_BG, "the home lane of domaining"),
        # Sensitivity: PII rows in data mode are never moved by depth; in metadata-only mode no row moves at all.
        (Job("migration", rows=100, pii=True), BATCH_BACKLOG, Lane.BATCH_JOBS, "rows with PII in data mode"),
        (Job("profile", rows=100, pii=True), INTERACTIVE_BACKLOG, Lane.INTERACTIVE_FAST, "rows with PII"),
        (Job("migration", rows=100, pii=True, data_mode=METADATA_ONLY), BATCH_BACKLOG, Lane.INTERACTIVE_FAST,
         "metadata only"),
        # Depths unknown (the broker did not answer): the home lane, and the reason says so.
        (Job("migration", rows=100), UNKNOWN, Lane.BATCH_JOBS, "the home lane of migration (queue depths unknown)"),
    ],
)  # fmt: skip
def test_lane_choice(job: Job, depths: dict[str, int], lane: Lane, reason: str) -> None:
    choice = choose_lane(job, depths, DEFAULT_LANE_CONCURRENCY)
    assert (choice.lane, reason in choice.reason) == (lane, True), choice.reason
    assert choice.detail(job)["lane"] == lane.value and choice.detail(job)["job"]["kind"] == job.kind
    assert dict(choice.depths) == depths


def test_more_slots_mean_no_backlog() -> None:
    """Depth is measured per worker slot: nine waiting for nine slots is no backlog."""
    job = Job("migration", rows=100)
    assert choose_lane(job, BATCH_BACKLOG, DEFAULT_LANE_CONCURRENCY).lane is Lane.FLEX_BG
    assert choose_lane(job, BATCH_BACKLOG, {**DEFAULT_LANE_CONCURRENCY, "batch_jobs": 9}).lane is Lane.BATCH_JOBS


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"kind": "bulk_load"}, "no lane for the job kind 'bulk_load'"),
        ({"kind": "migration", "rows": -1}, "rows must be a count >= 0"),
        ({"kind": "migration", "bytes": 1.5}, "bytes must be a count >= 0"),
        ({"kind": "migration", "data_mode": "rows"}, "data_mode must be metadata_only or data_mode"),
    ],
)
def test_a_job_the_supervisor_cannot_place_is_refused(values: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Job(**values)


def test_queues_and_priority_keys() -> None:
    assert queues_of(Lane.FLEX_BG) == ("flex_bg", "celery"), "Superset's own default queue is served by flex_bg"
    assert ALL_QUEUES == ("interactive_fast", "flex_bg", "celery", "batch_jobs")
    assert priority_keys("batch_jobs", {}) == ["batch_jobs", "batch_jobs\x06\x163", "batch_jobs\x06\x166",
                                               "batch_jobs\x06\x169"]  # fmt: skip
    assert priority_keys("q", {"global_keyprefix": "p:", "priority_steps": [0, 5], "sep": ":"}) == ["p:q", "p:q:5"]


def test_lane_concurrency_is_merged_over_the_defaults() -> None:
    assert parse_lane_concurrency("{}") == DEFAULT_LANE_CONCURRENCY
    assert parse_lane_concurrency({"flex_bg": 4}) == {"interactive_fast": 2, "flex_bg": 4, "batch_jobs": 1}
    with pytest.raises(ValueError, match="unknown lane"):
        parse_lane_concurrency({"fast": 1})
