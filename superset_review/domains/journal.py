"""The journal entries of a catalog change: the live version and content hash moved, and per domain added, removed
or changed an entry (field ``domain`` for an addition or removal, else each changed key with its old and new
value). Written in the promotion's or the import's transaction."""

from __future__ import annotations

from typing import Any

from superset_review.domains.catalog import Catalog
from superset_review.domains.models import DomainCatalogVersion
from superset_review.journal.dao import JournalDAO
from superset_review.journal.models import EntityType

LIVE = "live"


def record_catalog_change(
    before: Catalog,
    before_row: DomainCatalogVersion,
    after: Catalog,
    after_row: DomainCatalogVersion,
    actor_id: int | None,
) -> None:
    actor = actor_id
    JournalDAO.record(
        EntityType.DOMAIN_CATALOG,
        LIVE,
        {
            "version": (before_row.version, after_row.version),
            "content_hash": (before_row.content_hash, after_row.content_hash),
        },
        actor_id=actor,
    )
    old, new = before.by_name, after.by_name
    for name in sorted(set(old) | set(new)):
        was = old[name].to_json() if name in old else None
        now = new[name].to_json() if name in new else None
        if was == now:
            continue
        if was is None or now is None:
            changes: dict[str, tuple[Any, Any]] = {"domain": (was, now)}
        else:
            changes = {key: (was.get(key), now.get(key)) for key in sorted(set(was) | set(now))}
        JournalDAO.record(EntityType.DOMAIN, name, changes, actor_id=actor)
