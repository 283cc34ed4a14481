"""Pages of the extension: the review workspace and a dataset's Domain Studio, both inside Superset's navbar."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from superset.superset_typing import FlaskResponse
from superset.views.base import BaseSupersetView, get_spa_template_context

from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, get_dataset
from superset_review.extension.blueprint import WORKSPACE_BUNDLE as BUNDLE
from superset_review.extension.constants import READ, VIEW_MENU
from superset_review.extension.flags import extension_enabled
from superset_review.extension.i18n import Text


def _may_curate() -> bool:
    """Whether the user may promote catalog changes: the page shows Promote only then (the API checks it anyway)."""
    from flask import g

    from superset_review.domains.commands.base import may_curate

    user_id = getattr(getattr(g, "user", None), "id", None)
    return user_id is not None and may_curate(user_id)


class ReviewWorkspaceView(BaseSupersetView):
    route_base = "/dataset_review"
    class_permission_name = VIEW_MENU
    method_permission_name: ClassVar[dict[str, str]] = {"workspace": READ, "domains": READ}

    def _page(self, title: Any = None, **root_data: Any) -> FlaskResponse:
        if not extension_enabled():
            abort(404)
        # "spa": Superset's own app renders its navbar into #app (it has no route for this path, so nothing else);
        # the head links its CSS. Superset's "menu" bundle, meant for pages like this one, does not render in 6.1.
        context = get_spa_template_context(entry="spa")
        return self.render_template(
            "dataset_review/workspace.html",
            bundle_built=BUNDLE.exists(),
            bundle_version=int(BUNDLE.stat().st_mtime) if BUNDLE.exists() else 0,
            page_title=title.translated() if isinstance(title, Text) else None,
            root_data={"can-curate": "true" if _may_curate() else "false", **root_data},
            **context,
        )

    @expose("/")
    @has_access
    def workspace(self) -> FlaskResponse:
        return self._page(page="workspace")

    @expose("/domains/<int:dataset_id>")
    @has_access
    def domains(self, dataset_id: int) -> FlaskResponse:
        """Domain Studio of one dataset: the page follows Superset's dataset access (404 or 403 otherwise)."""
        try:
            dataset = get_dataset(dataset_id)
        except DatasetNotFoundError:
            abort(404)
        except DatasetAccessError:
            abort(403)
        title = Text("Domain Studio: %(dataset)s", dataset=dataset.table_name)
        return self._page(title, page="domains", **{"dataset-id": dataset.id, "dataset-name": dataset.table_name})
