"""A round trip that proves the worker runs the extension's code as the right user, in Superset's app."""

from __future__ import annotations

import os
import socket
from typing import Any

from flask import current_app, g
from superset.extensions import security_manager

from superset_review import __version__
from superset_review.extension.constants import PERMISSIONS, VIEW_MENU
from superset_review.migration.lanes import Lane
from superset_review.tasks.base import review_task


@review_task("whoami", lane=Lane.INTERACTIVE_FAST)
def whoami() -> dict[str, Any]:
    """Who the worker acts for and what Superset's security manager grants them there."""
    return {
        "username": g.user.username,
        "roles": sorted(role.name for role in g.user.roles),
        "permissions": sorted(
            permission for permission in PERMISSIONS if security_manager.can_access(f"can_{permission}", VIEW_MENU)
        ),
        "app": current_app.import_name,
        "extension_version": __version__,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
