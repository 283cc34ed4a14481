from __future__ import annotations

from typing import ClassVar

from flask import Response, request
from flask_appbuilder.api import expose, protect

from superset_review.extension.api import ReviewBaseApi, safe
from superset_review.extension.constants import ADMIN, API_ROUTE_BASE
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.llm.dao import LlmLedgerDAO
from superset_review.llm.schemas import LedgerEntrySchema, LedgerListSchema

MAX_ROWS = 1000


class LlmLedgerRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/llm"
    method_permission_name: ClassVar[dict[str, str]] = {"ledger": ADMIN}
    openapi_spec_component_schemas = (LedgerEntrySchema, LedgerListSchema)

    @expose("/ledger", methods=("GET",))
    @protect()
    @safe
    def ledger(self) -> Response:
        """The latest LLM calls, newest first.
        ---
        get:
          summary: Read the LLM ledger
          parameters:
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 1000, default: 100}
          - in: query
            name: feature
            schema: {type: string}
          - in: query
            name: stage
            schema: {type: string}
          - in: query
            name: outcome
            schema: {type: string, enum: [ok, cache_hit, refused, error]}
          responses:
            200:
              description: Ledger rows
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/LedgerListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        try:
            limit = int(request.args.get("limit", 100))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_ROWS:
            raise ReviewError(
                Text("limit must be an integer from 1 to %(max)d", max=MAX_ROWS), ErrorCode.INVALID_REQUEST
            )
        rows = LlmLedgerDAO.latest(
            limit,
            feature=request.args.get("feature"),
            stage=request.args.get("stage"),
            outcome=request.args.get("outcome"),
        )
        return self.reply(200, result=LedgerEntrySchema(many=True).dump(rows), count=len(rows))
