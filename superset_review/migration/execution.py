"""The one place the product layer calls the execution library (``migration/engine/``) and the lanes
(``migration/lanes.py``): the record and the run become the engine's spec, and what the engine says becomes the
contract's shapes (the strategy and why, the plan, the chunks, the quarantine rows).

Everything that reaches the target database goes through here, as the run's owner's Superset database connection.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.migration.models import RunMigration
from superset_review.onboarding.models import ArtifactKind, OnboardingRun


@dataclass(frozen=True)
class StrategyChoice:
    strategy: str  # elt | etl
    reason: str


@dataclass(frozen=True)
class LaneInfo:
    name: str
    queue: str | None  # None: the task's own (default) queue
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """What the worker last reported: the record's totals."""

    chunks_total: int
    chunks_done: int
    rows_in: int
    rows_out: int
    quarantined: int


@dataclass(frozen=True)
class Outcome:
    progress: Progress
    stopped: bool  # should_stop said stop before every chunk was done


def engine() -> ModuleType:
    """The execution library, or 422 MIGRATION_FAILED when this installation has none."""
    try:
        return importlib.import_module("superset_review.migration.engine")
    except ModuleNotFoundError as error:
        if error.name is None or not "superset_review.migration.engine".startswith(error.name):
            raise
        raise ReviewError(
            Text("the migration engine is not available in this installation"), ErrorCode.MIGRATION_FAILED
        ) from error


def strategy_of(run: OnboardingRun, migration: RunMigration) -> StrategyChoice:
    engine()
    raise NotImplementedError


def plan_of(run: OnboardingRun, migration: RunMigration) -> dict[str, Any]:
    engine()
    raise NotImplementedError


def lane_of(run: OnboardingRun, migration: RunMigration) -> LaneInfo:
    """The supervisor's lane for the migration (``migration.lanes``): from its kind, its rows (the catalog's), whether
    they hold personal data (the catalog's PII columns), the run's mode and the queues' depth."""
    from superset_review.migration.lanes import Job, supervise
    from superset_review.onboarding.dao import ArtifactDAO

    catalog = ArtifactDAO.get(run, ArtifactKind.CATALOG.value)
    tables = list((catalog.body if catalog is not None else {}).get("tables") or [])
    rows = tables[0].get("row_count") if tables else None
    pii = any(column.get("pii") for table in tables for column in table.get("columns") or [])
    job = Job(kind="migration", rows=int(rows) if isinstance(rows, int) else None, pii=pii, data_mode=run.mode)
    choice = supervise(job)
    return LaneInfo(choice.lane.value, choice.lane.value, choice.detail(job))


def execute(
    run: OnboardingRun,
    migration: RunMigration,
    worker_id: str,
    on_progress: Callable[[Progress], None],
    should_stop: Callable[[], bool],
) -> Outcome:
    engine()
    raise NotImplementedError


def validate(run: OnboardingRun, migration: RunMigration) -> list[dict[str, Any]]:
    engine()
    raise NotImplementedError


def promote(run: OnboardingRun, migration: RunMigration) -> str:
    engine()
    raise NotImplementedError


def rollback(run: OnboardingRun, migration: RunMigration) -> None:
    engine()
    raise NotImplementedError


def chunks(run: OnboardingRun, migration: RunMigration) -> list[dict[str, Any]]:
    return []


def quarantine_page(
    run: OnboardingRun, migration: RunMigration, page: int, page_size: int
) -> tuple[int, list[dict[str, Any]]]:
    engine()
    raise NotImplementedError


def quarantine_set_state(run: OnboardingRun, migration: RunMigration, ids: list[int] | None, state: str) -> list[int]:
    engine()
    raise NotImplementedError


def quarantine_rows(run: OnboardingRun, migration: RunMigration) -> list[dict[str, Any]]:
    engine()
    raise NotImplementedError
