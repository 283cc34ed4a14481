from __future__ import annotations

from typing import ClassVar

from flask import Response
from flask_appbuilder.api import expose, protect

from superset_review.extension.api import ReviewBaseApi, safe
from superset_review.extension.constants import ADMIN, API_ROUTE_BASE
from superset_review.extension.i18n import in_readers_language
from superset_review.llm.gateway import LlmGateway
from superset_review.policy.commands.check import PolicyCheckCommand
from superset_review.policy.schemas import PolicyCheckResponseSchema, PolicyCheckSchema, PolicyResponseSchema


class PolicyRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/policy"
    method_permission_name: ClassVar[dict[str, str]] = {"get_policy": ADMIN, "check": ADMIN}
    openapi_spec_component_schemas = (PolicyCheckSchema, PolicyResponseSchema, PolicyCheckResponseSchema)

    @expose("/", methods=("GET",))
    @protect()
    @safe
    def get_policy(self) -> Response:
        """The policy manifest in force, the model registry (no secrets) and the routing profile.
        ---
        get:
          summary: Read the policy manifest
          responses:
            200:
              description: The manifest
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/PolicyResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        gateway = LlmGateway.from_app()
        settings = gateway.settings
        body = {
            "policy": settings.policy.to_dict(),
            "models": [model.public() for model in settings.models],
            "routing_profile": settings.profile.value,
            "llm_configured": gateway.configured,
        }
        return self.reply(200, **PolicyResponseSchema().dump(body))

    @expose("/check", methods=("POST",))
    @protect()
    @safe
    def check(self) -> Response:
        """Dry run: what the policy decides for a described call, the prompt as it would be sent, the estimate.
        ---
        post:
          summary: policy_check (nothing is sent to any model)
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/PolicyCheckSchema'
          responses:
            200:
              description: The decision (allowed or not, with reasons and error code)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/PolicyCheckResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        payload = self.body(PolicyCheckSchema())
        result = PolicyCheckCommand(LlmGateway.from_app(), payload).run()
        # The decision's reasons may be Texts (the policy's refusals): said before the schema makes them plain strings.
        return self.reply(200, **PolicyCheckResponseSchema().dump(in_readers_language(result)))
