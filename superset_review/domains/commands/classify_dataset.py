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
from typing import TYPE_CHECKING, Any

from flask import current_app, g
from superset.commands.base import BaseCommand
from superset.extensions import db
from superset.utils.decorators import transaction

from superset_review.adapters.datasets import (
    DatasetAccessError,
    DatasetNotFoundError,
    DatasetQueryError,
    get_dataset,
    sample_rows,
)
from superset_review.domains.assignments import (
    CatalogStamp,
    ColumnDomainDAO,
    PiiVerdict,
    database_subject,
    dataset_subject,
    merged_verdicts,
    pii_of_dataset,
)
from superset_review.domains.catalog import Catalog, builtin_catalog
from superset_review.domains.classify import TP_DEFAULT_V1, Band, ColumnDomain, DomainClassifier
from superset_review.domains.models import DomainAuditEntry
from superset_review.extension.i18n import Text, message_of
from superset_review.extension.transaction import reraise_as_is
from superset_review.policy.manifest import Mode, PolicyManifest
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.tasks.progress import NO_PROGRESS, Progress

if TYPE_CHECKING:
    import polars as pl

logger = logging.getLogger(__name__)

KIND = "domaining"
SNIPPETS = 3  # sample values shown per column in the evidence, masked
SNIPPET_CHARS = 60


def current_catalog() -> tuple[Catalog, CatalogStamp]:
    """The live catalog (slice A's store, once it exists) or the built-in one, with its stamp."""
    try:
        live = importlib.import_module("superset_review.domains.live").live_catalog()
    except ModuleNotFoundError:
        catalog = builtin_catalog()
        return catalog, CatalogStamp(None, catalog.content_hash, TP_DEFAULT_V1.name)
    return live.catalog, CatalogStamp(live.version, live.content_hash, TP_DEFAULT_V1.name)


_CLASSIFIERS: dict[str, DomainClassifier] = {}


def classifier_for(catalog: Catalog) -> DomainClassifier:
    """One prepared classifier per catalog content (aliases tokenised once, not per dataset); a promoted catalog
    has another hash, so an old classifier is never used for it."""
    classifier = _CLASSIFIERS.get(catalog.content_hash)
    if classifier is None:
        if len(_CLASSIFIERS) >= 4:
            _CLASSIFIERS.clear()
        classifier = _CLASSIFIERS[catalog.content_hash] = DomainClassifier(catalog, TP_DEFAULT_V1)
    return classifier


# --- reading -----------------------------------------------------------------------------------------------------


def read_sample(dataset: Any, policy: PolicyManifest) -> pl.DataFrame | None:
    """The rows domaining may read: None in metadata_only; else at most the policy's rows, cut to whole rows within
    its bytes (as the PII scan reads them)."""
    if policy.mode is not Mode.DATA_MODE:
        return None
    caps = policy.sample_caps
    frame = sample_rows(dataset, max(caps.rows, 0))
    if frame.height and frame.estimated_size() > caps.bytes:
        bytes_per_row = frame.estimated_size() / frame.height
        frame = frame.head(int(caps.bytes // bytes_per_row))
    return frame


def _names_frame(columns: Sequence[str]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame({name: pl.Series(name, [], dtype=pl.String) for name in dict.fromkeys(columns)})


def classify_sample(
    catalog: Catalog, frame: pl.DataFrame | None, columns: Sequence[str]
) -> tuple[list[ColumnDomain], pl.DataFrame]:
    """The verdict on every column (by its values when ``frame`` has them, by its header otherwise), with masked
    sample snippets in the evidence; also the frame read (empty in metadata_only)."""
    classifier = classifier_for(catalog)
    names_only = frame is None
    if frame is None:
        frame = _names_frame(columns)
    results = classifier.classify_frame(frame, names_only=names_only)
    if not names_only:
        results = [_with_snippets(result, frame, catalog) for result in results]
    return results, frame


def _with_snippets(result: ColumnDomain, frame: pl.DataFrame, catalog: Catalog) -> ColumnDomain:
    """A few distinct values of the column, masked: whole under the domain's operator for personal data (or the
    name's hint of it), span by span for the rest (an e-mail inside a comment goes too)."""
    import polars as pl

    from superset_review.pii.masking import RedactOperator, mask_text, mask_value

    values = frame.get_column(result.column).drop_nulls().cast(pl.String, strict=False).drop_nulls()
    values = values.filter(values.str.strip_chars() != "").unique(maintain_order=True).head(SNIPPETS)
    hint = (result.evidence.get("name_hint") or {}).get("pii")
    pii = result.pii or (catalog.by_name[result.domain].pii if result.domain else None)
    snippets: list[str] = []
    for value in values.to_list():
        text = str(value)[:SNIPPET_CHARS]
        if pii is not None or hint:
            operator = _operator(catalog, result.domain)
            snippets.append(mask_value(text, pii, operator) if pii is not None else "[REDACTED]")
        else:
            snippets.append(mask_text(text, RedactOperator()).text)
    evidence = {**result.evidence, "samples": snippets}
    return ColumnDomain(result.column, result.domain, result.confidence, result.band, result.pii, evidence)


def _operator(catalog: Catalog, domain: str | None) -> Any:
    """The domain's masking operator when it needs no secret or vault (mask, redact, null); else redaction."""
    from superset_review.pii.masking import MaskingConfigError, RedactOperator, parse_operator

    entry = catalog.by_name.get(domain) if domain else None
    if entry is not None and entry.masking and dict(entry.masking).get("kind") in ("mask", "redact", "null"):
        try:
            return parse_operator(dict(entry.masking))
        except MaskingConfigError:  # checked when the catalog was loaded; a redaction all the same
            pass
    return RedactOperator()


def pii_verdicts(frame: pl.DataFrame, dataset_id: int | None = None) -> dict[str, PiiVerdict]:
    """The one answer to "which columns of this sample are personal data": a person's decision or the stored
    domaining of the dataset where there is one, the classifier's verdict on this same sample elsewhere."""
    stored = pii_of_dataset(dataset_id) if dataset_id is not None else {}
    missing = [column for column in frame.columns if column not in stored]
    classified: list[ColumnDomain] = []
    if missing:
        catalog, _ = current_catalog()
        classified = classifier_for(catalog).classify_frame(frame)  # the whole table: its context counts
        classified = [result for result in classified if result.column in missing]
    return merged_verdicts(stored, classified, frame.columns)


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
        db.session.rollback()  # nothing written yet: no snapshot is held across what follows
        results, _ = classify_sample(catalog, frame, columns)
        return results

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
