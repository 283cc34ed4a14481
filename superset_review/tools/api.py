"""The governed tools over REST: the tools the user may call, a call (its audit row written whatever happens),
and the audit for admins."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Response, request
from flask_appbuilder.api import expose, protect
from marshmallow import INCLUDE, Schema

from superset_review.extension.api import ReviewBaseApi, query_limit, safe, whole_number
from superset_review.extension.constants import ADMIN, API_ROUTE_BASE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.fields import MAX_ID
from superset_review.extension.i18n import Text
from superset_review.tools.dao import MAX_AUDIT_ROWS, ToolCallDAO
from superset_review.tools.models import Channel, Outcome
from superset_review.tools.registry import callable_tools, invoke
from superset_review.tools.schemas import (
    ToolCallInfoSchema,
    ToolCallListSchema,
    ToolCallSchema,
    ToolInvocationSchema,
    ToolListSchema,
    ToolSchema,
)

MAX_TOOL_NAME = 100


class _AnyObject(Schema):
    """A JSON object as sent: the tool's own schema loads it."""

    class Meta:
        unknown = INCLUDE


def _describe(tool: Any) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "permission": tool.permission,
            "parameters": tool.parameters_schema(), "max_rows": tool.max_rows, "max_bytes": tool.max_bytes,
            "reads_rows": tool.reads_rows}  # fmt: skip


def _user_id_arg() -> int | None:
    raw = request.args.get("user_id")
    if raw is None:
        return None
    user_id = whole_number(raw, MAX_ID)
    if user_id is None:
        raise ReviewError(Text("user_id must be a positive integer (got '%(got)s')", got=raw[:20]),
                          ErrorCode.INVALID_REQUEST)  # fmt: skip
    return user_id


class ToolRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/tools"
    # Listing and calling need can_read: each tool then checks its own permission (403 TOOL_FORBIDDEN).
    method_permission_name: ClassVar[dict[str, str]] = {"list_tools": READ, "invoke_tool": READ, "audit": ADMIN}
    openapi_spec_component_schemas = (
        ToolSchema, ToolListSchema, ToolCallInfoSchema, ToolInvocationSchema, ToolCallSchema, ToolCallListSchema,
    )  # fmt: skip

    @expose("/", methods=("GET",))
    @protect()
    @safe
    def list_tools(self) -> Response:
        """The tools the current user may call, with their parameters as JSON schema and their caps.
        ---
        get:
          summary: List the governed tools
          responses:
            200:
              description: The tools
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ToolListSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        return self.reply(200, result=[_describe(tool) for tool in callable_tools()])

    @expose("/<name>/invoke", methods=("POST",))
    @protect()
    @safe
    def invoke_tool(self, name: str) -> Response:
        """Call a tool as the current user; the body is its parameters. Every call, refused or failed ones included,
        has one audit row (the parameters' hash and size, never their values).
        ---
        post:
          summary: Call a governed tool
          parameters:
          - in: path
            name: name
            required: true
            schema: {type: string, maxLength: 100}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  additionalProperties: true
          responses:
            200:
              description: The tool's answer and the call's audit summary
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ToolInvocationSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The AI-safe view is stale or archived
            415:
              description: The body is not JSON
            422:
              $ref: '#/components/responses/422'
            502:
              description: The dataset's database did not answer
        """
        params = self.body(_AnyObject(), required=False)
        reply = invoke(name[:MAX_TOOL_NAME], params, channel=Channel.REST)
        return self.reply(200, result=reply.data, call=reply.call())

    @expose("/audit", methods=("GET",))
    @protect()
    @safe
    def audit(self) -> Response:
        """The audit of tool calls, newest first (admins).
        ---
        get:
          summary: Read the tool-call audit
          parameters:
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 1000, default: 100}
          - in: query
            name: tool
            schema: {type: string, maxLength: 100}
          - in: query
            name: outcome
            schema: {type: string, enum: [ok, refused, error]}
          - in: query
            name: user_id
            schema: {type: integer, minimum: 1}
          responses:
            200:
              description: Tool calls
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ToolCallListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        limit = query_limit(100, MAX_AUDIT_ROWS)
        tool = request.args.get("tool") or None
        if tool is not None and len(tool) > MAX_TOOL_NAME:
            raise ReviewError(Text("tool is at most %(max)d characters", max=MAX_TOOL_NAME), ErrorCode.INVALID_REQUEST)
        outcome = request.args.get("outcome") or None
        if outcome is not None and outcome not in {o.value for o in Outcome}:
            raise ReviewError(
                Text("outcome must be one of %(outcomes)s (got '%(got)s')",
                     outcomes=", ".join(o.value for o in Outcome), got=outcome[:40]),
                ErrorCode.INVALID_REQUEST,
            )  # fmt: skip
        rows, count = ToolCallDAO.latest(limit, tool, outcome, _user_id_arg())
        return self.reply(200, result=ToolCallSchema(many=True).dump(rows), count=count)
