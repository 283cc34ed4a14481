"""Reads and writes of the catalog's versions, its staged deltas and its audit log.

The live version's number is the catalog's stamp: every process compares its cached catalog with it (one indexed
query), so a promotion in a web worker is seen by every other worker and by Celery on their next read.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from superset.daos.base import BaseDAO
from superset.extensions import db

from superset_review.domains.catalog import BUILTIN, Catalog, builtin_catalog
from superset_review.domains.models import (
    CatalogState,
    DeltaState,
    DomainAuditEntry,
    DomainCatalogVersion,
    DomainDelta,
)
from superset_review.tasks.models import now

logger = logging.getLogger(__name__)

MAX_AUDIT_ROWS = 500


class DomainCatalogDAO(BaseDAO[DomainCatalogVersion]):
    @staticmethod
    def live() -> DomainCatalogVersion | None:
        row: DomainCatalogVersion | None = (
            db.session.query(DomainCatalogVersion).filter(DomainCatalogVersion.state == CatalogState.LIVE.value).first()
        )
        return row

    @staticmethod
    def live_stamp() -> tuple[int, str] | None:
        """(version, content hash) of the live catalog without loading its document: what a cached catalog is
        checked against."""
        table = DomainCatalogVersion.__table__
        row = db.session.execute(
            sa.select(table.c.version, table.c.content_hash).where(table.c.state == CatalogState.LIVE.value)
        ).one_or_none()
        return (int(row.version), str(row.content_hash)) if row is not None else None

    @staticmethod
    def get_version(version: int) -> DomainCatalogVersion | None:
        row: DomainCatalogVersion | None = (
            db.session.query(DomainCatalogVersion).filter(DomainCatalogVersion.version == version).one_or_none()
        )
        return row

    @staticmethod
    def versions(limit: int = 100) -> list[DomainCatalogVersion]:
        return list(db.session.query(DomainCatalogVersion).order_by(DomainCatalogVersion.version.desc()).limit(limit))

    @staticmethod
    def latest_version() -> int:
        latest = db.session.execute(sa.select(sa.func.max(DomainCatalogVersion.version))).scalar()
        return int(latest or 0)

    @staticmethod
    def seed_builtin() -> bool:
        """Version 1 from the built-in catalog when no catalog is stored yet, committed on its own connection (the
        caller may be a read that never commits). Two processes seeding at once: one insert wins, the other's is
        refused by the unique version and dropped. Whether this call inserted it."""
        table = DomainCatalogVersion.__table__
        catalog = builtin_catalog()
        try:
            with db.engine.begin() as connection:
                if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                    return False
                connection.execute(
                    table.insert().values(
                        version=1,
                        content_hash=catalog.content_hash,
                        document=catalog.to_json(with_hash=False),
                        state=CatalogState.LIVE.value,
                        source=BUILTIN,
                        parent_version=None,
                        provenance={"source": BUILTIN, "domains": len(catalog.domains)},
                        created_on=now(),
                        promoted_on=now(),
                    )
                )
        except IntegrityError:
            logger.info("the built-in domain catalog was seeded by another process")
            return False
        return True

    @staticmethod
    def add_live(
        catalog: Catalog,
        *,
        source: str,
        parent_version: int | None,
        provenance: dict[str, Any],
        actor_id: int | None,
    ) -> DomainCatalogVersion:
        """Retire the live version and add ``catalog`` as the next one, live, in the caller's transaction. Two
        promotions racing: the unique version (and the one-live index) refuse the second at flush."""
        for row in db.session.query(DomainCatalogVersion).filter(DomainCatalogVersion.state == CatalogState.LIVE.value):
            row.state = CatalogState.RETIRED.value
        db.session.flush()  # the old live row leaves the one-live index before the new one enters it
        stamp = now()
        version = DomainCatalogVersion(
            version=DomainCatalogDAO.latest_version() + 1,
            content_hash=catalog.content_hash,
            document=catalog.to_json(with_hash=False),
            state=CatalogState.LIVE.value,
            source=source[:200],
            parent_version=parent_version,
            provenance=provenance,
            created_by=actor_id,
            created_on=stamp,
            promoted_by=actor_id,
            promoted_on=stamp,
        )
        db.session.add(version)
        db.session.flush()
        return version


class DomainDeltaDAO(BaseDAO[DomainDelta]):
    @staticmethod
    def find_by_uuid(delta_uuid: str) -> DomainDelta | None:
        row: DomainDelta | None = db.session.query(DomainDelta).filter(DomainDelta.uuid == delta_uuid).one_or_none()
        return row

    @staticmethod
    def in_state(state: str | None = DeltaState.STAGED.value, limit: int = 1000) -> list[DomainDelta]:
        """Deltas in ``state`` (all when None), oldest first: the order a promotion applies them in."""
        query = db.session.query(DomainDelta)
        if state is not None:
            query = query.filter(DomainDelta.state == state)
        return list(query.order_by(DomainDelta.id).limit(limit))

    @staticmethod
    def staged_for_update() -> list[DomainDelta]:
        """The staged deltas, locked until the promotion's commit: a delta staged meanwhile waits for the next."""
        query = db.session.query(DomainDelta).filter(DomainDelta.state == DeltaState.STAGED.value)
        return list(query.order_by(DomainDelta.id).with_for_update())

    @staticmethod
    def count_staged() -> int:
        count = db.session.execute(
            sa.select(sa.func.count()).select_from(DomainDelta).where(DomainDelta.state == DeltaState.STAGED.value)
        ).scalar()
        return int(count or 0)


class DomainAuditDAO(BaseDAO[DomainAuditEntry]):
    @staticmethod
    def add(action: str, subject: str, actor_id: int | None, before: Any, after: Any) -> DomainAuditEntry:
        entry = DomainAuditEntry(
            action=action[:60], subject=subject[:200], actor_id=actor_id, before=before, after=after
        )
        db.session.add(entry)
        return entry

    @staticmethod
    def entries(subject: str | None = None, limit: int = 100) -> list[DomainAuditEntry]:
        """Newest first; ``subject`` is matched exactly, or as a prefix when it ends with ``*`` (``delta:*``)."""
        query = db.session.query(DomainAuditEntry)
        if subject:
            if subject.endswith("*"):
                prefix = subject[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                query = query.filter(DomainAuditEntry.subject.like(f"{prefix}%", escape="\\"))
            else:
                query = query.filter(DomainAuditEntry.subject == subject)
        return list(query.order_by(DomainAuditEntry.id.desc()).limit(min(limit, MAX_AUDIT_ROWS)))
