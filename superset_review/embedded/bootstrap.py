"""What the first start of the embedded stack does inside Superset's app: init, admin user, examples."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from superset_review.extension.install import InitReport, initialize

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BootstrapReport:
    init: InitReport
    admin_created: bool
    examples: list[str]


def ensure_admin(username: str, password: str) -> bool:
    """Create the admin user when missing; an existing user (and a changed password) is left alone."""
    from superset.extensions import db, security_manager

    if security_manager.find_user(username=username) is not None:
        return False
    role = security_manager.find_role("Admin")
    user = security_manager.add_user(
        username=username,
        first_name="Superset",
        last_name="Admin",
        email=f"{username}@superset-review.local",
        role=role,
        password=password,
    )
    if not user:
        raise RuntimeError(f"Superset refused to create the admin user {username!r}")
    db.session.commit()
    return True


def bootstrap(admin_user: str, admin_password: str, with_examples: bool) -> BootstrapReport:
    """Run inside Superset's app context."""
    from superset.extensions import db

    report = initialize()
    admin_created = ensure_admin(admin_user, admin_password)
    examples: list[str] = []
    if with_examples:
        from superset_review.embedded.examples import load_curated_examples

        examples = load_curated_examples()
        db.session.commit()
    return BootstrapReport(init=report, admin_created=admin_created, examples=examples)
