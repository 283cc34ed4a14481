"""The domains of a dataset's columns as stored: what domaining proposed, what people decided, and the one answer to
"is this column personal data".

A new run of domaining replaces proposals only: a column a person decided on (accepted, overridden, or marked
unknown: ``decided_by`` is set) keeps its decision whatever the classifier now says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from superset.daos.base import BaseDAO
from superset.extensions import db

from superset_review.domains.classify import ColumnDomain
from superset_review.domains.domaining import CatalogStamp, PiiVerdict
from superset_review.domains.models import AssignmentStatus, ColumnDomainAssignment
from superset_review.pii.types import PiiType
from superset_review.tasks.models import now

# Statuses only a person sets (a low band's "unknown" is the classifier's and has no decided_by).
DECIDED = frozenset({AssignmentStatus.ACCEPTED.value, AssignmentStatus.OVERRIDDEN.value})


def dataset_subject(dataset_id: int) -> str:
    return f"dataset:{dataset_id}"


def database_subject(database_id: int) -> str:
    return f"database:{database_id}"


def column_subject(dataset_id: int, column: str) -> str:
    return f"dataset:{dataset_id}:{column}"[:200]


def is_decided(row: ColumnDomainAssignment) -> bool:
    return row.decided_by is not None or row.status in DECIDED


class ColumnDomainDAO(BaseDAO[ColumnDomainAssignment]):
    @staticmethod
    def of_dataset(dataset_id: int) -> list[ColumnDomainAssignment]:
        return list(
            db.session.query(ColumnDomainAssignment)
            .filter(ColumnDomainAssignment.dataset_id == dataset_id)
            .order_by(ColumnDomainAssignment.id)
        )

    @staticmethod
    def of_column(dataset_id: int, column: str) -> ColumnDomainAssignment | None:
        row: ColumnDomainAssignment | None = (
            db.session.query(ColumnDomainAssignment)
            .filter(ColumnDomainAssignment.dataset_id == dataset_id, ColumnDomainAssignment.column_name == column)
            .one_or_none()
        )
        return row

    @staticmethod
    def store_proposals(
        dataset_id: int,
        database_id: int | None,
        verdicts: Sequence[ColumnDomain],
        stamp: CatalogStamp,
        columns: Iterable[str] | None = None,
    ) -> dict[str, int]:
        """Write the verdicts as proposals (in the caller's transaction). Decided columns keep their decision;
        undecided rows of columns the dataset no longer has (``columns``: its current column names) go. Returns
        how many rows were written, kept as decided, and removed."""
        existing = {row.column_name: row for row in ColumnDomainDAO.of_dataset(dataset_id)}
        counts = {"proposed": 0, "kept_decisions": 0, "removed": 0}
        for verdict in verdicts:
            row = existing.get(verdict.column)
            if row is not None and is_decided(row):
                counts["kept_decisions"] += 1
                continue
            if row is None:
                row = ColumnDomainAssignment(dataset_id=dataset_id, column_name=verdict.column)
                db.session.add(row)
            row.database_id = database_id
            row.domain = verdict.domain
            row.confidence = verdict.confidence
            row.band = verdict.band.value
            row.pii = verdict.pii.value if verdict.pii else None
            row.evidence = verdict.evidence
            row.status = (
                AssignmentStatus.PROPOSED.value if verdict.domain is not None else AssignmentStatus.UNKNOWN.value
            )
            row.catalog_version = stamp.version
            row.catalog_hash = stamp.content_hash
            row.profile_id = stamp.profile_id
            row.changed_on = now()
            counts["proposed"] += 1
        if columns is not None:
            present = set(columns)
            for name, row in existing.items():
                if name not in present and not is_decided(row):
                    db.session.delete(row)
                    counts["removed"] += 1
        return counts


def assignment_document(row: ColumnDomainAssignment) -> dict[str, Any]:
    return {
        "column": row.column_name,
        "domain": row.domain,
        "confidence": row.confidence,
        "band": row.band,
        "pii": row.pii,
        "status": row.status,
        "evidence": row.evidence or {},
        "catalog_version": row.catalog_version,
        "catalog_hash": row.catalog_hash,
        "profile_id": row.profile_id,
        "decided_by": row.decided_by,
        "decided_on": row.decided_on,
        "changed_on": row.changed_on,
    }


def verdict_of(row: ColumnDomainAssignment) -> PiiVerdict:
    source = "decision" if is_decided(row) else "assignment"
    pii = PiiType(row.pii) if row.pii else None
    confidence = 1.0 if source == "decision" else float(row.confidence)
    return PiiVerdict(row.column_name, pii, confidence, row.domain, row.band, source)


def pii_of_dataset(dataset_id: int) -> dict[str, PiiVerdict]:
    """Per column with a stored assignment: whether it is personal data (a person's decision first, then the last
    domaining's proposal). Columns domaining never saw are absent: ask the classifier on the sample at hand
    (:func:`superset_review.domains.commands.classify_dataset.pii_verdicts`)."""
    return {row.column_name: verdict_of(row) for row in ColumnDomainDAO.of_dataset(dataset_id)}
