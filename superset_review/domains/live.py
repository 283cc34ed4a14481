"""The live domain catalog: what every domaining, masking and review reads.

The catalog is stored in the metadata database (``dataset_review_domain_catalogs``, one row live); an empty table is
seeded with the built-in catalog as version 1. Each process keeps the catalog it built, keyed by the live row's
(version, content hash): one indexed query per read tells whether it is still live, so a promotion in any process
(a web worker, a Celery worker, the CLI) is seen by all the others on their next read, with no message to miss.

Outside an app context (the CLI's ``domains classify`` on a file) there is no database: the built-in catalog, as
version 0.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import has_app_context

from superset_review.domains.catalog import Catalog, builtin_catalog, catalog_from_document
from superset_review.domains.classify import TP_DEFAULT_V1, DomainClassifier, ThresholdProfile

# The version a catalog has when it comes from no database.
UNSTORED_VERSION = 0


@dataclass(frozen=True)
class LiveCatalog:
    catalog: Catalog
    version: int
    content_hash: str

    @property
    def stamp(self) -> str:
        """What a cache depending on the catalog puts in its key."""
        return f"{self.version}:{self.content_hash[:16]}"


_lock = threading.Lock()
_catalogs: dict[tuple[int, str], LiveCatalog] = {}
_classifiers: dict[tuple[str, str, int], DomainClassifier] = {}
_dependents: list[Callable[[], None]] = []


def catalog_stamp() -> tuple[int, str]:
    """(version, content hash) of the live catalog, seeding the built-in one when none is stored."""
    from superset_review.domains.dao import DomainCatalogDAO

    stamp = DomainCatalogDAO.live_stamp()
    if stamp is None:
        DomainCatalogDAO.seed_builtin()
        stamp = DomainCatalogDAO.live_stamp()
    if stamp is None:  # seeded by another process whose row this transaction cannot see yet
        builtin = builtin_catalog()
        return 1, builtin.content_hash
    return stamp


def live_catalog() -> LiveCatalog:
    """The live catalog, built once per process and version."""
    if not has_app_context():
        builtin = builtin_catalog()
        return LiveCatalog(builtin, UNSTORED_VERSION, builtin.content_hash)
    stamp = catalog_stamp()
    cached = _catalogs.get(stamp)
    if cached is not None:
        return cached
    from superset_review.domains.dao import DomainCatalogDAO

    version, content_hash = stamp
    row = DomainCatalogDAO.get_version(version)
    builtin = builtin_catalog()
    if row is None or content_hash == builtin.content_hash:
        catalog = builtin  # the common case needs no second reading of the document
    else:
        catalog = catalog_from_document(row.document, source=f"catalog version {version}")
    live = LiveCatalog(catalog, version, content_hash)
    with _lock:
        # Only the live one is kept: an older version is never asked for again by this process.
        _catalogs.clear()
        _catalogs[stamp] = live
    return live


def live_classifier(profile: ThresholdProfile = TP_DEFAULT_V1) -> DomainClassifier:
    """A classifier of the live catalog (preparing one tokenises every alias: done once per catalog and profile)."""
    live = live_catalog()
    key = (live.content_hash, profile.name, profile.version)
    classifier = _classifiers.get(key)
    if classifier is None:
        classifier = DomainClassifier(live.catalog, profile)
        with _lock:
            if len(_classifiers) > 8:
                _classifiers.clear()
            _classifiers[key] = classifier
    return classifier


def on_catalog_change(drop: Callable[[], None]) -> Callable[[], None]:
    """Register ``drop`` to be called by :func:`invalidate_catalog_caches` (a module's cache built from a catalog).
    Usable as a decorator."""
    with _lock:
        _dependents.append(drop)
    return drop


def invalidate_catalog_caches() -> None:
    """Drop, in this process, every cache built from a catalog: the catalog itself, its classifiers and whatever
    registered with :func:`on_catalog_change`. Other processes need no call: their caches are keyed by the live
    stamp (the catalog's, the session documents' in Redis), which a promotion changes."""
    with _lock:
        _catalogs.clear()
        _classifiers.clear()
        dependents = list(_dependents)
    for drop in dependents:
        drop()
