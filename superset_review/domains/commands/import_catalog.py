"""Import an organisation's glossary: it extends (or replaces) the live catalog as the next live version.

A file with a broken regex, a duplicate name, a cycle of parents or an unknown unit is refused whole (every problem
with its line and field) and the live catalog stays as it was.
"""

from __future__ import annotations

from pathlib import PurePath

from sqlalchemy.exc import IntegrityError
from superset.commands.base import BaseCommand

from superset_review.domains import audit
from superset_review.domains.catalog import Catalog, CatalogError, parse_catalog
from superset_review.domains.commands.base import may_curate, unit_of_work, version_json
from superset_review.domains.commands.promote import catalog_of, live_for_update, refresh_vectors
from superset_review.domains.dao import DomainCatalogDAO
from superset_review.domains.exceptions import CatalogChangedError, CatalogRefusedError, CurateRequiredError
from superset_review.domains.journal import record_catalog_change
from superset_review.domains.live import invalidate_catalog_caches
from superset_review.domains.models import DomainCatalogVersion
from superset_review.domains.staging import auto_test
from superset_review.extension.i18n import Text


def _difference(before: Catalog, after: Catalog) -> dict[str, list[str]]:
    old, new = before.by_name, after.by_name
    return {
        "added": sorted(set(new) - set(old)),
        "replaced": sorted(name for name in set(new) & set(old) if new[name] != old[name]),
        "removed": sorted(set(old) - set(new)),
    }


class ImportCatalogCommand(BaseCommand):
    """``text`` (YAML, or JSON with ``as_json``) from ``source`` (a file name). Returns the new live version, or the
    live one unchanged when the file changes nothing."""

    def __init__(
        self, actor_id: int | None, text: str, source: str, replace: bool = False, as_json: bool = False
    ) -> None:
        self._actor_id = actor_id
        self._text = text
        self._source = PurePath(source).name[:150] or "catalog"
        self._replace = replace
        self._as_json = as_json
        self.changed = False
        self.failures: dict[str, list[dict[str, object]]] = {}

    def validate(self) -> None:
        if not may_curate(self._actor_id):
            raise CurateRequiredError(Text("importing a catalog"))

    def run(self) -> DomainCatalogVersion:
        try:
            version = self._import()
        except IntegrityError as error:
            raise CatalogChangedError(None, DomainCatalogDAO.latest_version()) from error
        if self.changed:
            invalidate_catalog_caches()
        return version

    @unit_of_work
    def _import(self) -> DomainCatalogVersion:
        self.validate()
        live = live_for_update()
        if live is None:
            raise CatalogChangedError(None, DomainCatalogDAO.latest_version())
        current = catalog_of(live)
        try:
            imported = parse_catalog(
                self._text, source=self._source, as_json=self._as_json, base=None if self._replace else current
            )
        except CatalogError as error:
            raise CatalogRefusedError(error) from error
        if imported.content_hash == live.content_hash:
            return live
        # Recorded, not refused: an organisation's examples that do not classify yet are fixed by staged deltas.
        self.failures = auto_test(imported)
        provenance = {
            "source": f"import:{self._source}",
            "mode": "replace" if self._replace else "extend",
            "parent_version": live.version,
            "parent_hash": live.content_hash,
            "domains": _difference(current, imported),
            "test": {"passed": not self.failures, "failing_domains": sorted(self.failures)},
        }
        before = version_json(live)
        version = DomainCatalogDAO.add_live(
            imported, source=f"import:{self._source}", parent_version=live.version, provenance=provenance,
            actor_id=self._actor_id,
        )  # fmt: skip
        provenance["vectors_refreshed"] = refresh_vectors(imported)
        version.provenance = dict(provenance)
        record_catalog_change(current, live, imported, version, self._actor_id)
        after = {**(version_json(version) or {}), "mode": provenance["mode"], "domains": provenance["domains"]}
        audit.record("import", f"catalog:{version.version}", self._actor_id, before, after)
        self.changed = True
        return version
