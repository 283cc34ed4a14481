"""Domaining of a dataset or of a database's datasets, run by the worker as the user who asked."""

from __future__ import annotations

from typing import Any

from superset_review.migration.lanes import Lane
from superset_review.tasks.base import review_task
from superset_review.tasks.progress import run_task


@review_task("classify_dataset_domains", lane=Lane.FLEX_BG, bind=True)
def classify_dataset_domains(task: Any, dataset_id: int) -> dict[str, Any]:
    from superset_review.domains.commands.classify_dataset import ClassifyDatasetCommand

    return run_task(task, lambda progress: ClassifyDatasetCommand(dataset_id, progress=progress))


@review_task("classify_database_domains", lane=Lane.FLEX_BG, bind=True)
def classify_database_domains(task: Any, database_id: int) -> dict[str, Any]:
    from superset_review.domains.commands.classify_dataset import ClassifyDatabaseCommand

    return run_task(task, lambda progress: ClassifyDatabaseCommand(database_id, progress=progress))
