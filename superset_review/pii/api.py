from __future__ import annotations

from typing import ClassVar

from flask import Response, current_app
from flask_appbuilder.api import expose, protect

from superset_review.extension.api import ReviewBaseApi, safe
from superset_review.extension.constants import API_ROUTE_BASE, READ
from superset_review.pii.schemas import DatasetScanRequestSchema, DatasetScanSchema


class PiiRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/pii"
    method_permission_name: ClassVar[dict[str, str]] = {"scan_dataset": READ}
    openapi_spec_component_schemas = (DatasetScanSchema, DatasetScanRequestSchema)

    @expose("/scan/dataset/<int:pk>", methods=("POST",))
    @protect()
    @safe
    def scan_dataset(self, pk: int) -> Response:
        """Which columns of a dataset hold PII, from a sample within the policy's caps. Nothing leaves Superset.
        ---
        post:
          summary: PII scan of a Superset dataset
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/DatasetScanRequestSchema'
          responses:
            200:
              description: Per column, the PII type found (or none), the confidence and the evidence
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/DatasetScanSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            502:
              description: The dataset's database did not answer
        """
        payload = self.body(DatasetScanRequestSchema(), required=False)
        from superset_review.pii.commands.scan_dataset import ScanDatasetCommand  # polars: loaded on first scan

        command = ScanDatasetCommand(pk, current_app.config["REVIEW_POLICY"], payload["rows"])
        result = command.run()  # a missing, forbidden or silent dataset: 404, 403, 502 (ReviewBaseApi)
        return self.reply(200, **DatasetScanSchema().dump(result))
