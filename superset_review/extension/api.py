"""The base every REST API of the extension derives from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response
from marshmallow import ValidationError
from superset.views.base_api import BaseSupersetApi

from superset_review.extension.constants import VIEW_MENU
from superset_review.extension.flags import extension_enabled, is_enabled
from superset_review.extension.i18n import in_readers_language

if TYPE_CHECKING:
    from flask_appbuilder import AppBuilder


class ReviewBaseApi(BaseSupersetApi):
    """Routes under ``/api/v1/dataset_review/``, permissions on the ``DatasetReview`` view menu.

    Subclasses set ``route_base`` below that prefix and map each method to one of the extension's
    permissions in ``method_permission_name``.
    """

    resource_name = "dataset_review"
    class_permission_name = VIEW_MENU
    allow_browser_login = True
    openapi_spec_tag = "Dataset Review"
    # A feature flag of the extension the API's endpoints also need (404 when off, like the extension's own).
    feature_flag: str | None = None

    def create_blueprint(
        self,
        appbuilder: AppBuilder,
        endpoint: str | None = None,
        static_folder: str | None = None,
    ) -> Blueprint:
        blueprint: Blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        blueprint.before_request(self._refuse_when_disabled)
        return blueprint

    def reply(self, code: int, /, **body: Any) -> Response:
        """``self.response`` typed (FAB's helpers are untyped), with the body's Texts in the reader's language.
        Positional-only, as bodies have a key named ``status`` of their own (the health report's)."""
        response: Response = self.response(code, **in_readers_language(body))
        return response

    def invalid(self, error: ValidationError) -> Response:
        """400 with marshmallow's messages, which name each wrong field."""
        return self.reply(400, message=error.messages)

    def _refuse_when_disabled(self) -> Response | None:
        if extension_enabled() and (self.feature_flag is None or is_enabled(self.feature_flag)):
            return None
        response: Response = self.response_404()
        return response
