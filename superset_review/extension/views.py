"""Pages of the extension."""

from __future__ import annotations

from typing import ClassVar

from flask import abort
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from superset.superset_typing import FlaskResponse
from superset.views.base import BaseSupersetView, get_spa_template_context

from superset_review.extension.blueprint import WORKSPACE_BUNDLE as BUNDLE
from superset_review.extension.constants import READ, VIEW_MENU
from superset_review.extension.flags import extension_enabled


class ReviewWorkspaceView(BaseSupersetView):
    route_base = "/dataset_review"
    class_permission_name = VIEW_MENU
    method_permission_name: ClassVar[dict[str, str]] = {"workspace": READ}

    @expose("/")
    @has_access
    def workspace(self) -> FlaskResponse:
        if not extension_enabled():
            abort(404)
        context = get_spa_template_context(entry=None)
        return self.render_template(
            "dataset_review/workspace.html",
            bundle_built=BUNDLE.exists(),
            bundle_version=int(BUNDLE.stat().st_mtime) if BUNDLE.exists() else 0,
            **context,
        )
