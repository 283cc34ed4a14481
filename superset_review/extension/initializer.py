"""Superset's app initializer with the extension wired in, set as ``APP_INITIALIZER``."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _
from jinja2 import ChoiceLoader, FileSystemLoader
from superset.initialization import SupersetAppInitializer

from superset_review.extension.constants import CELERY_TASK_MODULES, MENU_CATEGORY, MENU_ONBOARDING, MENU_WORKSPACE
from superset_review.extension.flags import apply_flag_defaults, extension_enabled
from superset_review.extension.i18n import register_translations
from superset_review.extension.settings import resolve_settings

MAX_REQUEST_BYTES = 16 * 1024 * 1024
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class ReviewAppInitializer(SupersetAppInitializer):
    """Superset's own start-up, then the extension's: its settings are checked before anything else runs,
    its menus come after Superset's own."""

    def pre_init(self) -> None:
        # A wrong REVIEW_* value raises ReviewConfigError (a SystemExit): startup stops with one line.
        self.config.update(resolve_settings(self.config))
        # Requests larger than this answer 413 (the dictionary upload, the largest body, takes 10 MiB); an admin's
        # own MAX_CONTENT_LENGTH stays.
        if self.config.get("MAX_CONTENT_LENGTH") is None:
            self.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
        apply_flag_defaults(self.config)
        register_translations(self.config)
        super().pre_init()

    def configure_celery(self) -> None:
        super().configure_celery()
        # Registers the tasks on Superset's Celery app in the web process as well as in the worker, which
        # builds the same app; CELERY_CONFIG.imports in superset_config.py is the documented route too.
        import importlib

        for module in CELERY_TASK_MODULES:
            importlib.import_module(module)

    def register_blueprints(self) -> None:
        super().register_blueprints()
        from superset_review.extension.blueprint import static_blueprint

        self.superset_app.register_blueprint(static_blueprint)
        loaders = [FileSystemLoader(str(TEMPLATES_DIR))]
        if self.superset_app.jinja_loader is not None:
            loaders.append(self.superset_app.jinja_loader)
        self.superset_app.jinja_loader = ChoiceLoader(loaders)
        from superset_review.extension.flags import entry_points_enabled

        # Read by templates/tail_js_custom_extra.html, which every page of Superset's SPA includes.
        self.superset_app.context_processor(lambda: {"dataset_review_entry_points": entry_points_enabled})

    def init_views(self) -> None:
        super().init_views()
        from superset.extensions import appbuilder

        from superset_review.domains.api import DomainCatalogRestApi
        from superset_review.domains.dataset_api import DatasetDomainsRestApi
        from superset_review.extension.views import ReviewWorkspaceView
        from superset_review.health.api import HealthRestApi
        from superset_review.journal.api import JournalRestApi
        from superset_review.llm.api import LlmLedgerRestApi
        from superset_review.migration.api import MigrationRestApi
        from superset_review.onboarding.api import UPLOAD_ENDPOINT, OnboardingRestApi
        from superset_review.pii.api import PiiRestApi
        from superset_review.policy.api import PolicyRestApi
        from superset_review.safe_views.api import SafeViewRestApi
        from superset_review.sessions.api import ReviewSessionRestApi
        from superset_review.sessions.flow_api import ClarificationRestApi, ExecutionRestApi, MappingRestApi
        from superset_review.tools.api import ToolRestApi

        appbuilder.add_api(HealthRestApi)
        appbuilder.add_api(PolicyRestApi)
        appbuilder.add_api(LlmLedgerRestApi)
        appbuilder.add_api(PiiRestApi)
        appbuilder.add_api(ReviewSessionRestApi)
        appbuilder.add_api(ClarificationRestApi)
        appbuilder.add_api(MappingRestApi)
        appbuilder.add_api(ExecutionRestApi)
        appbuilder.add_api(DatasetDomainsRestApi)
        appbuilder.add_api(DomainCatalogRestApi)
        appbuilder.add_api(JournalRestApi)
        appbuilder.add_api(ToolRestApi)
        appbuilder.add_api(SafeViewRestApi)
        appbuilder.add_api(OnboardingRestApi)
        appbuilder.add_api(MigrationRestApi)
        from superset.extensions import csrf

        # The upload streams its file itself: Flask-WTF's check would read the whole form first (under the app's JSON
        # cap); the endpoint checks the X-CSRFToken header instead, before reading a byte.
        csrf.exempt(UPLOAD_ENDPOINT)
        appbuilder.add_view(
            ReviewWorkspaceView,
            MENU_WORKSPACE,
            label=_("Review Workspace"),
            href="/dataset_review/",
            icon="fa-check-square-o",
            category=MENU_CATEGORY,
            category_label=_("Dataset Review"),
            category_icon="fa-check-square-o",
            menu_cond=extension_enabled,
        )
        # Onboarding runs: the runs list and Start a run (pages of the same view, so the same can_read guards them).
        appbuilder.add_link(
            MENU_ONBOARDING,
            href="/dataset_review/onboarding/",
            icon="fa-upload",
            label=_("Onboarding"),
            category=MENU_CATEGORY,
            cond=extension_enabled,
        )
        # FAB applies menu_cond to the item only; an empty category would still show in the navbar.
        if category := appbuilder.menu.find(MENU_CATEGORY):
            category.cond = extension_enabled
