"""Promote the staged catalog: the live one with every staged delta, auto-tested, becomes the next live version.

One transaction: the new version (with its provenance: the deltas and their authors, the test, the parent), the
old one retired, the deltas marked promoted, the audit row, the catalog's vectors when pgvector holds them. Two
curators promoting at once: the live row is locked first, so the second waits, finds the version moved and gets a
409; the database's one-live index would refuse a second live row anyway.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains import audit, vectors
from superset_review.domains.catalog import Catalog, catalog_from_document
from superset_review.domains.commands.auto_test import changes_of, summary
from superset_review.domains.commands.base import may_curate, unit_of_work, version_json
from superset_review.domains.dao import DomainCatalogDAO, DomainDeltaDAO
from superset_review.domains.exceptions import (
    CatalogChangedError,
    CatalogTestFailedError,
    CurateRequiredError,
    NothingStagedError,
)
from superset_review.domains.journal import record_catalog_change
from superset_review.domains.live import invalidate_catalog_caches, live_catalog
from superset_review.domains.models import CatalogState, DeltaState, DomainCatalogVersion
from superset_review.domains.staging import run_staged_test
from superset_review.extension.i18n import Text
from superset_review.tasks.models import now

logger = logging.getLogger(__name__)

PROMOTION = "promotion"


def live_for_update() -> DomainCatalogVersion | None:
    """The live row, locked until the commit. None when another transaction retired it meanwhile."""
    live_catalog()  # seeds the built-in catalog on an empty table
    row: DomainCatalogVersion | None = (
        db.session.query(DomainCatalogVersion)
        .filter(DomainCatalogVersion.state == CatalogState.LIVE.value)
        .with_for_update()
        .first()
    )
    return row


def catalog_of(row: DomainCatalogVersion) -> Catalog:
    live = live_catalog()
    if live.version == row.version:
        return live.catalog  # this process's copy
    return catalog_from_document(row.document, source=f"catalog version {row.version}")


def refresh_vectors(catalog: Catalog) -> int:
    """The catalog's centroids into pgvector, in the promotion's transaction (the rows written; 0 where the metadata
    database has no vectors table)."""
    return vectors.refresh_vectors(db.session.connection(), catalog)


class PromoteCatalogCommand(BaseCommand):
    def __init__(self, actor_id: int | None, expected_version: int) -> None:
        self._actor_id = actor_id
        self._expected = expected_version

    def validate(self) -> None:
        if not may_curate(self._actor_id):
            raise CurateRequiredError(Text("promoting the catalog"))

    def _current_version(self) -> int | None:
        table = DomainCatalogVersion.__table__
        version = db.session.execute(
            sa.select(table.c.version).where(table.c.state == CatalogState.LIVE.value)
        ).scalar()
        return int(version) if version is not None else None

    def run(self) -> DomainCatalogVersion:
        try:
            promoted = self._promote()
        except IntegrityError as error:
            # The one-live index or the unique version refused this promotion: another one won.
            raise CatalogChangedError(self._expected, self._current_version()) from error
        except CatalogTestFailedError as failed:
            self._keep_failed_test(failed)
            raise
        invalidate_catalog_caches()
        return promoted

    @unit_of_work
    def _keep_failed_test(self, failed: CatalogTestFailedError) -> None:
        """After the refusal's rollback: each staged delta keeps its result, and the refusal is in the audit log."""
        per_change: dict[str, Any] = failed.details.get("deltas", {})
        tested_on = now().isoformat()
        for delta in DomainDeltaDAO.in_state(DeltaState.STAGED.value):
            if delta.uuid in per_change:
                delta.test = {**per_change[delta.uuid], "catalog_passed": False, "base_version": self._expected,
                              "tested_on": tested_on}  # fmt: skip
        refused = sorted(key for key, result in per_change.items() if not result.get("applies", True))
        after = {"failing_domains": sorted(failed.details.get("failures", {})), "deltas_not_applying": refused}
        audit.record("promote_refused", "catalog:staged", self._actor_id, {"version": self._expected}, after)

    @unit_of_work
    def _promote(self) -> DomainCatalogVersion:
        self.validate()
        live = live_for_update()
        if live is None or live.version != self._expected:
            raise CatalogChangedError(self._expected, live.version if live is not None else self._current_version())
        deltas = DomainDeltaDAO.staged_for_update()
        if not deltas:
            raise NothingStagedError()
        current = catalog_of(live)
        result = run_staged_test(current, changes_of(deltas))
        if not result.passed:
            raise CatalogTestFailedError(result.failures, result.per_change)
        test = summary(result, live.version)
        provenance = {
            "source": PROMOTION,
            "parent_version": live.version,
            "parent_hash": live.content_hash,
            "deltas": [
                {"uuid": d.uuid, "kind": d.kind, "domain": d.domain, "payload": d.payload, "author": d.created_by,
                 "origin": d.origin, "base_version": d.base_version}
                for d in deltas
            ],
            "test": test,
        }  # fmt: skip
        before = version_json(live)
        promoted = DomainCatalogDAO.add_live(
            result.catalog, source=PROMOTION, parent_version=live.version, provenance=provenance,
            actor_id=self._actor_id,
        )  # fmt: skip
        for delta in deltas:
            delta.state = DeltaState.PROMOTED.value
            delta.promoted_in_version = promoted.version
            delta.test = {**result.per_change[delta.uuid], "catalog_passed": True, "base_version": live.version}
        provenance["vectors_refreshed"] = refresh_vectors(result.catalog)
        promoted.provenance = provenance
        record_catalog_change(current, live, result.catalog, promoted, self._actor_id)
        audit.record("promote", f"catalog:{promoted.version}", self._actor_id, before,
                     {**(version_json(promoted) or {}), "deltas": [d.uuid for d in deltas], "test": test})  # fmt: skip
        return promoted
