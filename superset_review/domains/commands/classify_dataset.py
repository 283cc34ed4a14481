"""Domaining of a Superset dataset, or of every dataset of a database the user may read, as the user who asked.

Values are read only in the policy's ``data_mode``, through Superset's query path (row-level security applies),
within the policy's sample caps (rows and bytes), and whatever is kept of them (the evidence's sample snippets) is
masked; in ``metadata_only`` the verdicts rest on the headers and the table's context. The slow part (the query,
an LLM call) holds no transaction; the results are stored in one unit of work with their audit row.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import Any

from flask import current_app, g
from superset.commands.base import BaseCommand
from superset.extensions import db
from superset.utils.decorators import transaction

from superset_review.adapters.datasets import (
    DatasetAccessError,
    DatasetNotFoundError,
    DatasetQueryError,
    get_dataset,
)
from superset_review.domains.assignments import ColumnDomainDAO, database_subject, dataset_subject
from superset_review.domains.borderline import settle_borderline
from superset_review.domains.classify import Band, ColumnDomain
from superset_review.domains.domaining import classify_sample, current_catalog, read_sample
from superset_review.domains.llm_samples import borderline_samples
from superset_review.domains.models import DomainAuditEntry
from superset_review.extension.i18n import Text, message_of
from superset_review.extension.transaction import reraise_as_is
from superset_review.policy.manifest import PolicyManifest
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.tasks.progress import NO_PROGRESS, Progress

logger = logging.getLogger(__name__)

KIND = "domaining"


# --- the commands --------------------------------------------------------------------------------------------


def record_audit(action: str, subject: str, before: Any, after: Any) -> None:
    """An audit row in the caller's transaction (slice A's ``domains.audit.record`` once it exists)."""
    try:
        record = importlib.import_module("superset_review.domains.audit").record
    except ModuleNotFoundError:
        db.session.add(DomainAuditEntry(action=action, subject=subject, actor_id=g.user.id, before=before, after=after))
        return
    record(action, subject, g.user.id, before, after)


def _dataset_or_error(dataset_id: int) -> Any:
    try:
        return get_dataset(dataset_id)
    except DatasetNotFoundError as ex:
        raise ReviewSessionError(message_of(ex), code="DATASET_NOT_FOUND") from ex
    except DatasetAccessError as ex:
        raise ReviewSessionError(message_of(ex), code="DATASET_FORBIDDEN") from ex


def _summary(results: Sequence[ColumnDomain]) -> dict[str, int]:
    bands = {band.value: 0 for band in Band}
    for result in results:
        bands[result.band.value] += 1
    return {**bands, "pii": sum(1 for result in results if result.pii is not None)}


class ClassifyDatasetCommand(BaseCommand):
    """Domaining of one dataset's columns, stored as proposals (people's decisions kept)."""

    def __init__(self, dataset_id: int, progress: Progress = NO_PROGRESS) -> None:
        self._dataset_id = dataset_id
        self._progress = progress
        self._dataset: Any = None

    def validate(self) -> None:
        self._dataset = _dataset_or_error(self._dataset_id)

    def run(self) -> dict[str, Any]:
        self.validate()
        dataset = self._dataset
        columns = [column.column_name for column in dataset.columns]
        self._progress.step(0, len(columns))
        results = self.classify(dataset, columns)
        outcome: dict[str, Any] = self._save(dataset.database_id, columns, results)
        self._progress.step(len(columns), len(columns))
        return outcome

    @staticmethod
    def classify(dataset: Any, columns: Sequence[str]) -> list[ColumnDomain]:
        policy: PolicyManifest = current_app.config["REVIEW_POLICY"]
        catalog, _ = current_catalog()
        try:
            frame = read_sample(dataset, policy)
        except DatasetQueryError as ex:
            raise ReviewSessionError(
                Text("The dataset's database did not answer: %(error)s", error=message_of(ex)),
                code="DATABASE_UNAVAILABLE",
            ) from ex
        db.session.rollback()  # nothing written yet: no snapshot is held across what follows (an LLM call)
        types = {column.column_name: str(column.type or "") for column in dataset.columns}
        results, _ = classify_sample(catalog, frame, columns, types)
        samples = borderline_samples(dataset, results, frame, current_app.config["REVIEW_LLM_DATA_SCOPE"], policy)
        return settle_borderline(dataset.table_name, results, types, catalog, samples)

    @transaction(on_error=reraise_as_is)
    def _save(self, database_id: int | None, columns: Sequence[str], results: Sequence[ColumnDomain]) -> dict[str, Any]:
        _, stamp = current_catalog()
        counts = ColumnDomainDAO.store_proposals(self._dataset_id, database_id, results, stamp, columns)
        after = {**counts, **_summary(results), "catalog_version": stamp.version, "catalog_hash": stamp.content_hash}
        record_audit("classify", dataset_subject(self._dataset_id), None, after)
        return {"dataset_id": self._dataset_id, **after}


class ClassifyDatabaseCommand(BaseCommand):
    """Domaining of every dataset of a database that the user may read; progress counts datasets. One dataset that
    cannot be read (its query failed) is reported and the others go on."""

    def __init__(self, database_id: int, progress: Progress = NO_PROGRESS) -> None:
        self._database_id = database_id
        self._progress = progress
        self._dataset_ids: list[int] = []

    def validate(self) -> None:
        self._dataset_ids = readable_datasets(self._database_id)
        if not self._dataset_ids:
            raise ReviewSessionError(
                Text(
                    "Database %(database)s has no dataset you may read: ask an admin for access, or add datasets.",
                    database=self._database_id,
                ),
                code="DATASET_FORBIDDEN",
            )

    def run(self) -> dict[str, Any]:
        self.validate()
        total = len(self._dataset_ids)
        done: list[int] = []
        failed: dict[str, str] = {}
        self._progress.step(0, total)
        for index, dataset_id in enumerate(self._dataset_ids, start=1):
            try:
                ClassifyDatasetCommand(dataset_id).run()
                done.append(dataset_id)
            except ReviewSessionError as error:
                failed[str(dataset_id)] = str(error.message)
            self._progress.step(index, total)
        with_audit = transaction(on_error=reraise_as_is)(record_audit)
        after = {"datasets": done, "failed": failed}
        with_audit("classify_database", database_subject(self._database_id), None, after)
        return {"database_id": self._database_id, **after}


def readable_datasets(database_id: int) -> list[int]:
    """The ids of the database's datasets the current user may read (Superset's own datasource check)."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import security_manager

    datasets = db.session.query(SqlaTable).filter(SqlaTable.database_id == database_id).order_by(SqlaTable.id)
    return [dataset.id for dataset in datasets if security_manager.can_access_datasource(dataset)]
