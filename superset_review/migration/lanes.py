"""Lanes: the Celery queues the extension's work runs on, and the supervisor that picks one for a job.

Three lanes, each a Celery queue served by workers of its own, so that a long job never sits in front of a short
one that a person waits for:

- ``interactive_fast``: what a person waits for in the page (a review's data profile, the diagnostics round trip);
- ``flex_bg``: background work that may take minutes (domaining, semantic drafts, onboarding stages), and Superset's
  own default queue (reports, thumbnails, async queries), which the same workers serve;
- ``batch_jobs``: migrations, which move rows by the million; the one lane meant to scale out (more workers, on
  more machines: a chunk's lease lives in PostgreSQL, a job's state in the metadata database, the queue in Redis,
  so no worker assumes another runs beside it).

A task has a home lane (its ``queue`` in Celery, set by ``review_task``); a job whose cost depends on its input
(a migration) is routed by ``choose_lane``, from its kind, its size, its sensitivity and the queues' depth as Redis
holds them, and the choice and its reason go to the run's ledger (``submit_to_lane``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import redis

if TYPE_CHECKING:
    from celery import Task
    from celery.result import AsyncResult

    from superset_review.onboarding.models import OnboardingRun


class Lane(StrEnum):
    INTERACTIVE_FAST = "interactive_fast"
    FLEX_BG = "flex_bg"
    BATCH_JOBS = "batch_jobs"


LANES: tuple[Lane, ...] = tuple(Lane)
DEFAULT_LANE_CONCURRENCY: dict[str, int] = {Lane.INTERACTIVE_FAST: 2, Lane.FLEX_BG: 1, Lane.BATCH_JOBS: 1}
MAX_LANE_CONCURRENCY = 32
# Celery's default queue: Superset's own tasks go there. flex_bg's workers serve it (background work, like theirs).
CELERY_DEFAULT_QUEUE = "celery"


def queues_of(lane: Lane) -> tuple[str, ...]:
    """The Celery queues a worker of ``lane`` consumes."""
    return (lane.value, CELERY_DEFAULT_QUEUE) if lane is Lane.FLEX_BG else (lane.value,)


ALL_QUEUES: tuple[str, ...] = tuple(queue for lane in LANES for queue in queues_of(lane))


def worker_command(
    queues: tuple[str, ...], concurrency: int, name: str, pool: str = "threads", python: str | None = None
) -> list[str]:
    """The Celery worker of Superset's app consuming ``queues`` with ``concurrency`` slots, named ``<name>@<host>``
    (the host part makes each replica's name unique: any number of them, on any number of machines)."""
    import sys

    return [
        python or sys.executable, "-m", "celery", "--app=superset.tasks.celery_app:app", "worker", f"--pool={pool}",
        f"--concurrency={concurrency}", f"--queues={','.join(queues)}", f"--hostname={name}@%h", "--without-gossip",
        "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip


def lane_worker_command(lane: Lane, concurrency: int, pool: str = "threads") -> list[str]:
    return worker_command(queues_of(lane), concurrency, f"superset-review-{lane.value}", pool)


# The home lane of each kind of job (the ``kind`` of a task record, or the task's name for one without a record).
KIND_LANES: dict[str, Lane] = {
    "whoami": Lane.INTERACTIVE_FAST,
    "review": Lane.INTERACTIVE_FAST,
    "profile": Lane.INTERACTIVE_FAST,
    "ai_draft": Lane.FLEX_BG,
    "domaining": Lane.FLEX_BG,
    "semantics": Lane.FLEX_BG,
    "onboarding_stage": Lane.FLEX_BG,
    "migration": Lane.BATCH_JOBS,
}

# A job at or above either is batch-sized: it never runs on the interactive lane, wherever its kind would go.
BATCH_ROWS = 1_000_000
BATCH_BYTES = 256 * 1024**2
# A job at or below both may leave a backlogged home lane for a quieter one (a thousand-row migration need not wait
# behind a ten-million-row one).
SMALL_ROWS = 50_000
SMALL_BYTES = 16 * 1024**2
# Messages waiting per worker slot from which a lane counts as backlogged.
BACKLOG_PER_SLOT = 4.0
# Where a small job of a backlogged lane may go. flex_bg has no entry: background work never takes the slots of the
# lane people wait on.
OVERFLOW: dict[Lane, Lane] = {Lane.INTERACTIVE_FAST: Lane.FLEX_BG, Lane.BATCH_JOBS: Lane.FLEX_BG}

METADATA_ONLY = "metadata_only"
DATA_MODE = "data_mode"


def parse_lane_concurrency(value: Any) -> dict[str, int]:
    """``REVIEW_LANE_CONCURRENCY``: lanes to worker slots (threads of each lane's worker), merged over the defaults, so
    ``{"batch_jobs": 2}`` changes one lane. A ValueError names what is wrong."""
    if isinstance(value, str):
        import json

        value = json.loads(value)
    if not isinstance(value, Mapping):
        raise ValueError("an object is required")
    unknown = sorted(str(lane) for lane in value if lane not in DEFAULT_LANE_CONCURRENCY)
    if unknown:
        raise ValueError(f"unknown lane(s) {', '.join(unknown)}")
    concurrency = dict(DEFAULT_LANE_CONCURRENCY)
    for lane, slots in value.items():
        if isinstance(slots, bool) or not isinstance(slots, int) or not 1 <= slots <= MAX_LANE_CONCURRENCY:
            raise ValueError(f"lane {lane}: the concurrency must be an integer from 1 to {MAX_LANE_CONCURRENCY}")
        concurrency[str(lane)] = slots
    return {str(lane): slots for lane, slots in concurrency.items()}


@dataclass(frozen=True)
class Job:
    """What the supervisor knows of a job before it runs. ``rows``/``bytes``: its input, None when unknown (a
    source not read yet). ``pii``: its rows hold personal data; ``data_mode``: rows move (``data_mode``) or only
    metadata (``metadata_only``: a plan, a dry run)."""

    kind: str
    rows: int | None = None
    bytes: int | None = None
    pii: bool = False
    data_mode: str = DATA_MODE

    def __post_init__(self) -> None:
        if self.kind not in KIND_LANES:
            raise ValueError(f"no lane for the job kind {self.kind!r}: add it to KIND_LANES")
        if self.data_mode not in (METADATA_ONLY, DATA_MODE):
            raise ValueError(f"data_mode must be {METADATA_ONLY} or {DATA_MODE}, not {self.data_mode!r}")
        for name in ("rows", "bytes"):
            size = getattr(self, name)
            if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
                raise ValueError(f"{name} must be a count >= 0 or None, not {size!r}")

    @property
    def batch_sized(self) -> bool:
        return (self.rows or 0) >= BATCH_ROWS or (self.bytes or 0) >= BATCH_BYTES

    @property
    def small(self) -> bool:
        """Known to be small: an unknown size is never assumed small."""
        return self.rows is not None and self.rows <= SMALL_ROWS and (self.bytes or 0) <= SMALL_BYTES

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows, "bytes": self.bytes, "pii": self.pii, "data_mode": self.data_mode}


@dataclass(frozen=True)
class LaneChoice:
    lane: Lane
    reason: str
    # Messages waiting per lane when the choice was made; empty when the broker could not be read.
    depths: Mapping[str, int] = field(default_factory=dict)

    def detail(self, job: Job) -> dict[str, Any]:
        """The ledger's record of the choice."""
        return {
            "lane": self.lane.value,
            "reason": self.reason,
            "queue_depths": dict(self.depths),
            "job": job.describe(),
        }


def _backlog(lane: Lane, depths: Mapping[str, int], concurrency: Mapping[str, int]) -> float:
    return depths.get(lane.value, 0) / max(concurrency.get(lane.value, 1), 1)


def choose_lane(job: Job, depths: Mapping[str, int], concurrency: Mapping[str, int]) -> LaneChoice:
    """The lane for ``job`` and why, given the messages waiting in each lane's queue (``depths``) and each lane's
    worker slots (``concurrency``). First rule that applies wins:

    1. a batch-lane job that moves no rows (metadata_only: a plan, a dry run) runs on interactive_fast: it answers in
       seconds and someone waits for it;
    2. a batch-sized job (``BATCH_ROWS`` rows or ``BATCH_BYTES`` bytes) runs on batch_jobs, whatever its kind;
    3. rows with PII in data_mode stay on the kind's home lane: depth never moves personal data to another lane's
       workers (an admin may deploy the batch lane's on the nodes cleared for row data);
    4. a small job whose home lane is backlogged (``BACKLOG_PER_SLOT`` messages waiting per slot) goes to the
       home lane's overflow when that one waits less;
    5. otherwise the kind's home lane.
    """
    home = KIND_LANES[job.kind]
    depths = {lane.value: int(depths.get(lane.value, 0)) for lane in LANES} if depths else {}
    if home is Lane.BATCH_JOBS and job.data_mode == METADATA_ONLY:
        return LaneChoice(Lane.INTERACTIVE_FAST, "metadata only: no row moves, so it answers on the interactive lane",
                          depths)  # fmt: skip
    if job.batch_sized:
        size = f"{job.rows} rows" if (job.rows or 0) >= BATCH_ROWS else f"{job.bytes} bytes"
        return LaneChoice(Lane.BATCH_JOBS, f"batch-sized ({size}): runs on the batch lane", depths)
    if job.pii and job.data_mode == DATA_MODE:
        return LaneChoice(
            home, f"rows with PII in data mode: kept on {home.value}, the home lane of {job.kind}", depths
        )
    overflow = OVERFLOW.get(home)
    if overflow is not None and job.small and depths:
        waiting, elsewhere = _backlog(home, depths, concurrency), _backlog(overflow, depths, concurrency)
        if waiting >= BACKLOG_PER_SLOT and elsewhere < waiting:
            return LaneChoice(
                overflow,
                f"small job ({job.rows} rows) and {home.value} backlogged ({depths[home.value]} waiting for "
                f"{concurrency.get(home.value, 1)} slot(s)): {overflow.value} waits less ({depths[overflow.value]})",
                depths,
            )
    unread = "" if depths else " (queue depths unknown)"
    return LaneChoice(home, f"the home lane of {job.kind}{unread}", depths)


# -- the queues' depth, read from the broker -------------------------------------------------------------------------
# kombu's Redis transport keeps a queue as one list per priority step: "<queue>" for the lowest step, then
# "<queue><sep><step>"; a waiting message is in one of them (a running one is in "unacked", not counted).
DEFAULT_PRIORITY_STEPS = (0, 3, 6, 9)
DEFAULT_SEPARATOR = "\x06\x16"


def priority_keys(queue: str, transport_options: Mapping[str, Any]) -> list[str]:
    prefix = str(transport_options.get("global_keyprefix", ""))
    separator = str(transport_options.get("sep", DEFAULT_SEPARATOR))
    steps = transport_options.get("priority_steps", DEFAULT_PRIORITY_STEPS)
    return [f"{prefix}{queue}{separator}{step}" if step else f"{prefix}{queue}" for step in steps]


def read_queue_depths(
    client: redis.Redis, transport_options: Mapping[str, Any] | None = None, queues: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Messages waiting in each lane's queue (LLEN of its lists, in one round trip)."""
    options = transport_options or {}
    names = queues or tuple(lane.value for lane in LANES)
    keys = {queue: priority_keys(queue, options) for queue in names}
    with client.pipeline(transaction=False) as pipe:
        for queue_keys in keys.values():
            for key in queue_keys:
                pipe.llen(key)
        lengths = iter(pipe.execute())
    return {queue: sum(int(next(lengths)) for _ in queue_keys) for queue, queue_keys in keys.items()}


def broker_queue_depths(timeout: float = 1.0) -> dict[str, int]:
    """The lanes' depths on Superset's Celery broker; empty (depth unknown, and said so in the reason) when the broker
    is not Redis or does not answer in ``timeout``: the home lane is then chosen, never a guess."""
    import logging

    from superset.extensions import celery_app

    url = str(celery_app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return read_queue_depths(client, celery_app.conf.broker_transport_options or {})
    except redis.RedisError:
        logging.getLogger(__name__).warning("queue depths not read from the broker", exc_info=True)
        return {}
    finally:
        client.close()


def supervise(job: Job) -> LaneChoice:
    """``choose_lane`` with the broker's depths and the configured concurrency (inside Superset's app)."""
    from flask import current_app

    return choose_lane(job, broker_queue_depths(), current_app.config["REVIEW_LANE_CONCURRENCY"])


LANE_ACTION = "lane"  # the ledger action of a lane choice


def record_lane_choice(run: OnboardingRun, stage: str, job: Job, choice: LaneChoice) -> None:
    """The choice in the run's ledger (RunEventDAO's table), in the caller's transaction."""
    from superset_review.onboarding.commands.base import record_event

    record_event(run, stage, LANE_ACTION, subject=choice.lane.value, detail=choice.detail(job))


def submit_to_lane(
    task: Task,
    job: Job,
    *args: Any,
    task_id: str | None = None,
    run: OnboardingRun | None = None,
    stage: str = "migration",
    **kwargs: Any,
) -> tuple[AsyncResult, LaneChoice]:
    """Queue ``task`` as the current user on the lane the supervisor picks for ``job``; with ``run``, the choice is
    recorded in its ledger first (same transaction as the caller's)."""
    from superset_review.tasks.base import submit_as_current_user

    choice = supervise(job)
    if run is not None:
        record_lane_choice(run, stage, job, choice)
    return submit_as_current_user(task, *args, task_id=task_id, queue=choice.lane.value, **kwargs), choice
