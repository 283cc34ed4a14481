"""A person's decision on one column's domain: approve the proposal, mark it unknown, or choose another domain.

One unit of work: the assignment, the write-back to the Superset dataset (the column's ``extra``, through Superset's
``UpdateDatasetCommand``, as the user), the audit row with before and after, and the feedback for the catalog (the
header proposed as a staged alias of the chosen domain when it is not one already).
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from typing import Any

from flask import g
from superset.commands.base import BaseCommand
from superset.commands.exceptions import CommandException
from superset.extensions import db
from superset.utils.decorators import transaction

from superset_review.adapters.datasets import get_dataset, update_column_extra
from superset_review.domains.assignments import ColumnDomainDAO, assignment_document, column_subject
from superset_review.domains.catalog import Catalog
from superset_review.domains.classify import Band, header_tokens
from superset_review.domains.commands.classify_dataset import record_audit
from superset_review.domains.domaining import CatalogStamp, classifier_for, current_catalog
from superset_review.domains.models import AssignmentStatus, ColumnDomainAssignment, DeltaKind, DeltaState, DomainDelta
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.extension.transaction import reraise_as_is
from superset_review.journal.dao import JournalDAO
from superset_review.journal.models import EntityType
from superset_review.tasks.models import now

# The key of a column's ``extra`` that carries its domain in Superset.
EXTRA_KEY = "review_domain"


class DecisionAction(StrEnum):
    APPROVE = "approve"
    UNKNOWN = "unknown"
    OVERRIDE = "override"


class DomainDecisionError(ReviewError):
    code = ErrorCode.BAD_DECISION


class DecideColumnDomainCommand(BaseCommand):
    def __init__(self, dataset_id: int, column: str, action: str, domain: str | None = None) -> None:
        self._dataset_id = dataset_id
        self._column = column
        self._action = DecisionAction(action)
        self._domain = domain
        self._dataset: Any = None
        self._catalog: Catalog | None = None
        self._stamp: CatalogStamp | None = None
        self.written_back: Any = None  # what the Superset column's extra says after the decision

    def validate(self) -> None:
        self._dataset = get_dataset(self._dataset_id)  # 404 / 403 as Superset's dataset access says
        if self._column not in {column.column_name for column in self._dataset.columns}:
            raise ReviewError(
                Text(
                    "dataset %(dataset)s has no column %(column)s",
                    dataset=self._dataset_id,
                    column=repr(self._column[:255]),
                ),
                ErrorCode.NOT_FOUND,
            )
        self._catalog, self._stamp = current_catalog()
        row = ColumnDomainDAO.of_column(self._dataset_id, self._column)
        if self._action is DecisionAction.APPROVE:
            if row is None or row.domain is None:
                raise DomainDecisionError(
                    Text(
                        "column %(column)s has no proposed domain to approve: classify the dataset first, or choose "
                        "a domain with override",
                        column=repr(self._column),
                    )
                )
            if row.domain not in self._catalog.by_name:
                raise DomainDecisionError(
                    Text(
                        "the proposed domain %(domain)s is no longer in the catalog: classify the dataset again, or "
                        "choose a domain with override",
                        domain=row.domain,
                    )
                )
        elif self._action is DecisionAction.OVERRIDE:
            assignable = {domain.name for domain in self._catalog.assignable}
            if not self._domain:
                raise DomainDecisionError(Text("override needs the domain to assign (domain)"))
            if self._domain not in assignable:
                raise DomainDecisionError(
                    Text(
                        "%(domain)s is not an assignable domain of the catalog: see GET "
                        "/api/v1/dataset_review/domains for the domains",
                        domain=repr(self._domain[:120]),
                    )
                )
        elif self._domain is not None:
            raise DomainDecisionError(Text("%(action)s takes no domain (only override does)", action=self._action))

    @transaction(on_error=reraise_as_is)
    def run(self) -> ColumnDomainAssignment:
        self.validate()
        assert self._catalog is not None and self._stamp is not None
        row = ColumnDomainDAO.of_column(self._dataset_id, self._column)
        before = assignment_document(row) if row is not None else None
        if row is None:  # an override of a column domaining has not seen yet
            row = ColumnDomainAssignment(
                dataset_id=self._dataset_id, column_name=self._column, confidence=0.0, band=Band.LOW.value,
                catalog_hash=self._stamp.content_hash, catalog_version=self._stamp.version,
                profile_id=self._stamp.profile_id, database_id=self._dataset.database_id,
            )  # fmt: skip
            db.session.add(row)
        if self._action is DecisionAction.UNKNOWN:
            row.domain, row.pii, row.status = None, None, AssignmentStatus.UNKNOWN.value
        else:
            chosen = row.domain if self._action is DecisionAction.APPROVE else self._domain
            entry = self._catalog.by_name[str(chosen)]
            row.domain = entry.name
            row.pii = entry.pii.value if entry.pii else None
            overridden = self._action is DecisionAction.OVERRIDE and (before or {}).get("domain") != entry.name
            row.status = (AssignmentStatus.OVERRIDDEN if overridden else AssignmentStatus.ACCEPTED).value
        row.decided_by, row.decided_on, row.changed_on = g.user.id, now(), now()
        self.written_back = self._write_back(row)
        after = {**assignment_document(row), "written_back": self.written_back}
        deltas = self._feedback(row, before)
        after["staged_deltas"] = deltas
        record_audit("decide", column_subject(self._dataset_id, self._column), _jsonable(before), _jsonable(after))
        return row

    def _write_back(self, row: ColumnDomainAssignment) -> Any:
        value = (
            None
            if row.domain is None
            else {"domain": row.domain, "pii": row.pii, "status": row.status, "catalog_version": row.catalog_version}
        )
        try:
            before, after = update_column_extra(self._dataset_id, self._column, EXTRA_KEY, value)
        except CommandException as ex:
            status = int(getattr(ex, "status", 422) or 422)
            code = ErrorCode.WRITE_BACK_REFUSED if status == 403 else ErrorCode.WRITE_BACK_INVALID
            raise ReviewError(Text("Superset refused the update: %(error)s", error=f"{ex.message}"), code) from ex
        JournalDAO.record(
            EntityType.DATASET_COLUMN, f"{self._dataset_id}:{self._column}", {f"extra.{EXTRA_KEY}": (before, after)}
        )
        return after

    def _feedback(self, row: ColumnDomainAssignment, before: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The header as a staged alias of the chosen domain, unless the catalog reads it as that domain already."""
        assert self._catalog is not None
        if row.domain is None:
            return []
        _, names, _ = classifier_for(self._catalog).name_evidence(self._column)
        match = names.get(row.domain)
        phrase = " ".join(header_tokens(self._column))
        if (match is not None and match.score >= 1.0) or not phrase:
            return []
        language = "ru" if any("\u0400" <= char <= "\u04ff" for char in phrase) else "en"
        payload = {"alias": phrase[:200], "language": language}
        feedback = "overridden" if row.status == AssignmentStatus.OVERRIDDEN.value else "accepted"
        origin = {"dataset_id": self._dataset_id, "column": self._column, "feedback": feedback,
                  "proposed": (before or {}).get("domain")}  # fmt: skip
        return [_stage(DeltaKind.ADD_ALIAS, row.domain, payload, origin, self._stamp)]


def _stage(
    kind: DeltaKind, domain: str, payload: dict[str, Any], origin: dict[str, Any], stamp: CatalogStamp | None
) -> dict[str, Any]:
    """A staged delta through slice A's command once it exists; until then the row itself, staged the same way."""
    try:
        command = importlib.import_module("superset_review.domains.commands.stage_delta").StageDeltaCommand
    except ModuleNotFoundError:
        same = (
            db.session.query(DomainDelta)
            .filter(DomainDelta.kind == kind.value, DomainDelta.domain == domain,
                    DomainDelta.state == DeltaState.STAGED.value)
            .all()
        )  # fmt: skip
        existing = next((delta for delta in same if delta.payload == payload), None)
        if existing is not None:
            return {"uuid": existing.uuid, "kind": kind.value, "domain": domain, "payload": payload, "new": False}
        delta = DomainDelta(kind=kind.value, domain=domain, payload=payload, origin=origin, created_by=g.user.id,
                            base_version=stamp.version if stamp else None, state=DeltaState.STAGED.value)  # fmt: skip
        db.session.add(delta)
        db.session.flush()
        record_audit("stage", f"delta:{delta.uuid}", None, {"kind": kind.value, "domain": domain, "payload": payload})
        return {"uuid": delta.uuid, "kind": kind.value, "domain": domain, "payload": payload, "new": True}
    from superset_review.domains.exceptions import BadDeltaError

    try:
        staged = command(g.user.id, kind, domain, payload, origin=origin).run()
    except BadDeltaError as refused:  # a header the catalog cannot take as an alias: the decision stands without it
        return {"uuid": None, "kind": kind.value, "domain": domain, "payload": payload, "new": False,
                "refused": refused.details.get("problems", [])}  # fmt: skip
    return {"uuid": staged.uuid, "kind": kind.value, "domain": domain, "payload": payload, "new": True}


def _jsonable(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """Timestamps as ISO text: the audit row is JSON."""
    if document is None:
        return None
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in document.items()}
