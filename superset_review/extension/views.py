"""Pages of the extension, all inside Superset's navbar: the review workspace, a dataset's Domain Studio, the AI-safe
view builder (a new view of a dataset, or an existing view), the onboarding runs (the list with Start a run, and a
run's page), and the admins' tool audit and journal."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from superset.superset_typing import FlaskResponse
from superset.views.base import BaseSupersetView, get_spa_template_context

from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, get_dataset
from superset_review.extension.blueprint import WORKSPACE_BUNDLE as BUNDLE
from superset_review.extension.constants import ADMIN, MIGRATE, READ, VIEW_MENU
from superset_review.extension.flags import extension_enabled
from superset_review.extension.i18n import Text

# A run id is the contract's ULID (Crockford's base 32, 26 characters), as the URL gives it.


def _may_curate() -> bool:
    """Whether the user may promote catalog changes: the page shows Promote only then (the API checks it anyway)."""
    from flask import g

    from superset_review.domains.commands.base import may_curate

    user_id = getattr(getattr(g, "user", None), "id", None)
    return user_id is not None and may_curate(user_id)


def _may_admin() -> bool:
    """Whether the user holds can_admin on DatasetReview: the workspace links the admin pages only then."""
    from superset.extensions import security_manager

    return bool(security_manager.can_access(f"can_{ADMIN}", VIEW_MENU))


def _may_migrate() -> bool:
    """Whether the user holds can_migrate on DatasetReview: a run's Migration Console offers Promote, Rollback, Retry
    and Release only then (the API checks it anyway)."""
    from superset.extensions import security_manager

    return bool(security_manager.can_access(f"can_{MIGRATE}", VIEW_MENU))


def _readable_dataset(dataset_id: int) -> Any:
    """The Superset dataset, as Superset's dataset access lets the user read it: 404 when missing, 403 otherwise."""
    try:
        return get_dataset(dataset_id)
    except DatasetNotFoundError:
        abort(404)
    except DatasetAccessError:
        abort(403)


def _own_run(run_id: str) -> Any:
    """The onboarding run with this id when the user owns it or holds can_admin; 404 otherwise (also for an id that
    is not a ULID: nothing is looked up for it)."""
    from flask import g
    from superset.extensions import db

    from superset_review.onboarding.contract import is_run_id
    from superset_review.onboarding.models import OnboardingRun

    if not is_run_id(run_id):
        abort(404)
    run = db.session.query(OnboardingRun).filter_by(run_id=run_id).one_or_none()
    user_id = getattr(getattr(g, "user", None), "id", None)
    if run is None or (run.created_by != user_id and not _may_admin()):
        abort(404)
    return run


class ReviewWorkspaceView(BaseSupersetView):
    route_base = "/dataset_review"
    class_permission_name = VIEW_MENU
    method_permission_name: ClassVar[dict[str, str]] = {
        "workspace": READ,
        "domains": READ,
        "safe_view_new": READ,
        "safe_view": READ,
        "onboarding": READ,
        "onboarding_new": READ,
        "onboarding_run": READ,
        "admin_tools": ADMIN,
        "admin_journal": ADMIN,
    }

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
            root_data={
                "can-curate": "true" if _may_curate() else "false",
                "can-admin": "true" if _may_admin() else "false",
                "can-migrate": "true" if _may_migrate() else "false",
                **root_data,
            },
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
        dataset = _readable_dataset(dataset_id)
        title = Text("Domain Studio: %(dataset)s", dataset=dataset.table_name)
        return self._page(title, page="domains", **{"dataset-id": dataset.id, "dataset-name": dataset.table_name})

    @expose("/safe_views/new/<int:base_dataset_id>")
    @has_access
    def safe_view_new(self, base_dataset_id: int) -> FlaskResponse:
        """The AI-safe view builder on a dataset: its columns with the proposals of their domains (404 or 403 when the
        user may not read the dataset, as Superset decides)."""
        dataset = _readable_dataset(base_dataset_id)
        title = Text("New AI-safe view of %(dataset)s", dataset=dataset.table_name)
        return self._page(title, page="safe_view_new", **{"dataset-id": dataset.id, "dataset-name": dataset.table_name})

    @expose("/safe_views/<int:view_id>")
    @has_access
    def safe_view(self, view_id: int) -> FlaskResponse:
        """An AI-safe view: its state, versions and definition, for those who may read its base dataset."""
        from superset.extensions import db

        from superset_review.safe_views.models import SafeView

        view = db.session.get(SafeView, view_id) if view_id < 2**31 else None
        if view is None:
            abort(404)
        dataset = _readable_dataset(int(view.base_dataset_id))
        title = Text("AI-safe view: %(name)s", name=view.name)
        return self._page(
            title,
            page="safe_view",
            **{
                "view-id": view.id,
                "view-name": view.name,
                "dataset-id": dataset.id,
                "dataset-name": dataset.table_name,
            },
        )

    @expose("/onboarding/")
    @has_access
    def onboarding(self) -> FlaskResponse:
        """The user's onboarding runs (every run for admins, as the API lists them) and Start a run."""
        return self._page(Text("Onboarding"), page="onboarding")

    @expose("/onboarding/new/<int:dataset_id>")
    @has_access
    def onboarding_new(self, dataset_id: int) -> FlaskResponse:
        """Start a run into a dataset ("Onboard data into this dataset"): the target filled in, for those who may read
        the dataset (404 or 403 otherwise; whether they may write it is the run's own check when it is created)."""
        dataset = _readable_dataset(dataset_id)
        title = Text("Onboard data into %(dataset)s", dataset=dataset.table_name)
        return self._page(title, page="onboarding", **{"dataset-id": dataset.id, "dataset-name": dataset.table_name})

    @expose("/onboarding/runs/<run_id>")
    @has_access
    def onboarding_run(self, run_id: str) -> FlaskResponse:
        """A run's page, for its owner and admins; anyone else gets 404, as from the API (run ids are not probed)."""
        run = _own_run(run_id)
        title = Text("Onboarding run: %(name)s", name=run.name)
        return self._page(title, page="onboarding_run", **{"run-id": run.run_id, "run-name": run.name})

    @expose("/admin/tools")
    @has_access
    def admin_tools(self) -> FlaskResponse:
        """The audit of every tool call (admins: can_admin on DatasetReview)."""
        return self._page(Text("Tool audit"), page="admin_tools")

    @expose("/admin/journal")
    @has_access
    def admin_journal(self) -> FlaskResponse:
        """The journal of changes to catalog-level objects (admins: can_admin on DatasetReview)."""
        return self._page(Text("Journal"), page="admin_journal")
