from __future__ import annotations

from typing import ClassVar

from flask import Response
from flask_appbuilder.api import expose, protect
from superset.extensions import security_manager

from superset_review.extension.api import ReviewBaseApi, safe
from superset_review.extension.constants import API_ROUTE_BASE, READ
from superset_review.extension.i18n import in_readers_language
from superset_review.health.commands.report import GetHealthReportCommand
from superset_review.health.schemas import HealthResponseSchema


class HealthRestApi(ReviewBaseApi):
    route_base = API_ROUTE_BASE
    method_permission_name: ClassVar[dict[str, str]] = {"health": READ}
    openapi_spec_component_schemas = (HealthResponseSchema,)

    @expose("/health", methods=("GET",))
    @protect()
    @safe
    def health(self) -> Response:
        """The state of the metadata database, pgvector, Redis, the worker and the LLM configuration.
        ---
        get:
          summary: Health of everything the extension stands on
          responses:
            200:
              description: Every check ok or degraded
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/HealthResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            503:
              description: At least one check is down (same body)
        """
        report = GetHealthReportCommand(for_admin=bool(security_manager.is_admin())).run()
        status = 503 if report["status"] == "down" else 200
        # The checks' reasons are Texts, which the schema's String fields would turn into English: say them first.
        return self.reply(status, **HealthResponseSchema().dump(in_readers_language(report)))
