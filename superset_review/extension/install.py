"""``superset-review init``: bring Superset's schema, its permissions and the extension's schema up to date.

Each step runs only where needed, so running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from superset_review.extension.constants import PERMISSIONS, VIEW_MENU
from superset_review.extension.migrations import (
    review_revision,
    superset_head,
    superset_revision,
    upgrade_review,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InitReport:
    superset_upgraded: bool
    permissions_synced: bool
    review_upgraded: bool
    superset_revision: str | None
    review_revision: str | None
    vectors_seeded: bool = False
    catalog_seeded: bool = False
    profile_seeded: bool = False

    @property
    def changed(self) -> bool:
        return (
            self.superset_upgraded
            or self.permissions_synced
            or self.review_upgraded
            or self.catalog_seeded
            or self.profile_seeded
            or self.vectors_seeded
        )

    def lines(self) -> list[str]:
        def did(flag: bool, text: str) -> str:
            return f"{text}: {'applied' if flag else 'already up to date'}"

        return [
            did(self.superset_upgraded, f"Superset migrations (at {self.superset_revision})"),
            did(self.permissions_synced, "Superset roles and permissions"),
            did(self.review_upgraded, f"superset-review migrations (at {self.review_revision})"),
            did(self.catalog_seeded, "the built-in domain catalog as version 1"),
            did(self.vectors_seeded, "the domain catalog's vectors in pgvector"),
            did(self.profile_seeded, "the threshold profile tp_default_v1 as version 1"),
        ]


def missing_permissions() -> set[tuple[str, str]]:
    """Permissions the registered views, APIs and the extension expect but the database lacks, plus the
    extension's permissions Admin does not hold yet."""
    from superset.extensions import appbuilder, security_manager

    existing = {
        (pvm.permission.name, pvm.view_menu.name)
        for pvm in security_manager._get_all_pvms()
        if pvm.permission and pvm.view_menu
    }
    expected = {(f"can_{permission}", VIEW_MENU) for permission in PERMISSIONS}
    for view in appbuilder.baseviews:
        name = getattr(view, "class_permission_name", None)
        for permission in getattr(view, "base_permissions", None) or ():
            if name:
                expected.add((permission, name))
    missing = expected - existing
    admin = security_manager.find_role("Admin")
    held = {(pvm.permission.name, pvm.view_menu.name) for pvm in admin.permissions} if admin else set()
    missing |= {(f"can_{permission}", VIEW_MENU) for permission in PERMISSIONS} - held
    return missing


def initialize() -> InitReport:
    """Run inside Superset's app context."""
    from flask_migrate import upgrade as flask_migrate_upgrade
    from superset.extensions import appbuilder, db, security_manager

    engine = db.engine
    superset_upgraded = False
    if superset_revision(engine) != superset_head():
        logger.info("Applying Superset's migrations")
        flask_migrate_upgrade()
        superset_upgraded = True

    review_upgraded = upgrade_review(engine)

    permissions_synced = False
    if superset_upgraded or missing_permissions():
        logger.info("Syncing Superset's roles and permissions")
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        db.session.commit()
        permissions_synced = True

    from superset_review.domains.dao import DomainCatalogDAO

    # The live catalog every process reads; seeded here so that the first request does not pay for it.
    catalog_seeded = DomainCatalogDAO.seed_builtin()
    from superset_review.onboarding.dao import ThresholdProfileDAO

    # Runs name tp_default_v1 by default; a first read would seed it too, but init is where an admin sees it happen.
    profile_seeded = ThresholdProfileDAO.seed_default()

    return InitReport(
        catalog_seeded=catalog_seeded,
        profile_seeded=profile_seeded,
        superset_upgraded=superset_upgraded,
        permissions_synced=permissions_synced,
        review_upgraded=review_upgraded,
        superset_revision=superset_revision(engine),
        review_revision=review_revision(engine),
        vectors_seeded=seed_vectors(engine),
    )


def seed_vectors(engine: Engine) -> bool:
    """Write the live catalog's centroids into pgvector when the table lacks them (no table: nothing to do)."""
    from superset_review.domains.live import live_catalog
    from superset_review.domains.vectors import refresh_vectors, vectors_current

    catalog = live_catalog().catalog  # seeds the built-in catalog as version 1 on a new database
    with engine.begin() as connection:
        if vectors_current(connection, catalog):
            return False
        logger.info("Writing the domain catalog's vectors")
        refresh_vectors(connection, catalog)
    return True
