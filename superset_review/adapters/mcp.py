"""The extension's tools on Superset 6.1's own MCP service (``superset.mcp_service``, FastMCP), beside Superset's.

Each registry tool is registered through Superset's extension API, ``superset_core.mcp.decorators.tool``: Superset
wraps it with ``mcp_auth_hook`` (the user, RBAC on ``DatasetReview`` with the tool's permission) and adds it to the
FastMCP server as ``review_<name>``. Its parameters are advertised as the tool's marshmallow schema in JSON schema;
the function itself takes any value (``Any``) so that every call reaches :func:`invoke` with the arguments as sent,
which loads them with that schema and audits the call (``channel=mcp``) like a REST call.

Who calls: Superset verifies the bearer token at the transport (``MCP_AUTH_ENABLED`` with ``MCP_JWT_*``);
:class:`TokenUserMiddleware` maps the verified token's subject to a Superset user (``default_user_resolver``) and
runs the call in a Flask request context with ``g.user`` set, so every tool, Superset's and ours, runs as that
user. A subject that names no active user is refused. Without authentication configured, Superset's own fallback
applies (``MCP_DEV_USERNAME``).

This module imports fastmcp: only the MCP process loads it (``superset-review mcp``), never the web server.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

import anyio
from fastmcp.exceptions import ToolError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext

from superset_review.extension.constants import VIEW_MENU
from superset_review.extension.i18n import message_of
from superset_review.tools.models import Channel
from superset_review.tools.registry import Tool, invoke, registered

logger = logging.getLogger(__name__)

PREFIX = "review_"


def mcp_name(tool: Tool) -> str:
    return f"{PREFIX}{tool.name}"


def _refusal(error: Exception) -> ToolError:
    from superset_review.extension.api import describe

    status, code, message, details = describe(error)
    said = message_of(error) if hasattr(error, "message") else str(message)
    errors = details.get("errors")
    return ToolError(f"{code} ({status}): {said}" + (f" {errors}" if errors else ""))


def call_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One MCP call of a registry tool, in the Flask context the auth hook set up: invoke, audited as ``mcp``."""
    try:
        reply = invoke(name, arguments, channel=Channel.MCP)
    except Exception as error:  # noqa: BLE001 - every refusal and failure goes back to the client as a tool error
        raise _refusal(error) from None
    return {"result": reply.data, "call": reply.call()}


def _function_of(tool: Tool) -> Callable[..., dict[str, Any]]:
    """A function whose keyword parameters are the schema's fields, each typed ``Any`` with default None (pydantic
    lets every value through; the schema judges it in invoke)."""
    names = list(tool.params._declared_fields)

    def function(**arguments: Any) -> dict[str, Any]:
        return call_tool(tool.name, {key: value for key, value in arguments.items() if value is not None})

    function.__name__ = mcp_name(tool)
    function.__qualname__ = function.__name__
    function.__doc__ = tool.description
    parameters = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Any)
                  for name in names]  # fmt: skip
    function.__signature__ = inspect.Signature(parameters, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    function.__annotations__ = {**dict.fromkeys(names, Any), "return": dict[str, Any]}
    return function


def register_tools(mcp: Any) -> list[str]:
    """Register every registry tool on Superset's MCP server (``superset.mcp_service.app.mcp``); their names."""
    import superset_core.mcp.decorators as core_mcp
    from fastmcp.tools import Tool as McpTool

    names = []
    for tool in registered():
        name = mcp_name(tool)
        core_mcp.tool(
            name=name,
            description=tool.description,
            tags=["dataset_review"] + (["data"] if tool.reads_rows else []),
            class_permission_name=VIEW_MENU,
            method_permission_name=tool.permission,
        )(_function_of(tool))
        component = mcp.local_provider._get_component(f"{McpTool.make_key(name)}@")
        if component is None:
            raise RuntimeError(f"Superset's MCP service did not register tool {name} (see its log)")
        component.parameters = tool.parameters_schema()
        names.append(name)
    return names


def _ours(name: str) -> Tool | None:
    return next((tool for tool in registered() if mcp_name(tool) == name), None)


class TokenUserMiddleware(Middleware):
    """Every tool call runs as the user the verified bearer token names, in a Flask request context with ``g.user``
    (Superset's auth hook then reuses it). A call with no token is left to Superset's own rules (its transport
    refuses it when authentication is on); a token whose subject is no active Superset user is refused."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        from fastmcp.server.dependencies import get_access_token
        from flask import g
        from superset.mcp_service.auth import load_user_with_relationships
        from superset.mcp_service.mcp_config import default_user_resolver

        token = get_access_token()
        if token is None:
            return await call_next(context)
        resolver = self.app.config.get("MCP_USER_RESOLVER") or default_user_resolver
        with self.app.app_context(), self.app.test_request_context("/mcp"):
            subject = resolver(self.app, token) or _subject_claim(token)
            user = load_user_with_relationships(username=subject) if subject else None
            if user is None or not getattr(user, "is_active", False):
                logger.warning("MCP call refused: the token's subject is no active Superset user")
                raise ToolError("NOT_AUTHENTICATED (401): the token's subject is not an active Superset user")
            g.user = user
            name = getattr(context.message, "name", "")
            arguments = dict(getattr(context.message, "arguments", None) or {})
            tool = _ours(name)
            if tool is not None and await anyio.to_thread.run_sync(_refused_before_the_tool, tool, arguments):
                # Arguments the function does not declare (FastMCP would refuse them), or a permission the user lacks
                # (Superset's auth hook would): refused before the tool runs, unaudited. invoke refuses them too
                # (422 naming the fields, 403 naming the permission) and audits the attempt.
                return await anyio.to_thread.run_sync(_refused_call, tool.name, arguments)
            return await call_next(context)


def _subject_claim(token: Any) -> str | None:
    """The token's ``sub`` claim. Superset 6.1's ``default_user_resolver`` reads ``token.subject`` first, which
    FastMCP 3.4's JWTVerifier leaves None (the claim is in ``token.claims``), and then returns that None."""
    claims = getattr(token, "claims", None) or {}
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return str(subject) if subject else None


def _refused_before_the_tool(tool: Tool, arguments: dict[str, Any]) -> bool:
    from superset_review.tools.registry import may_call

    return bool(set(arguments) - set(tool.params._declared_fields)) or not may_call(tool)


def _refused_call(name: str, arguments: dict[str, Any]) -> Any:
    call_tool(name, arguments)  # raises: the schema refuses undeclared fields, invoke a missing permission
    raise AssertionError("unreachable: invoke refuses undeclared arguments and missing permissions")


def serve(host: str, port: int) -> None:
    """Superset's MCP server (its app, its tools, its auth, its middleware) with the extension's tools and the token
    user middleware; blocks until stopped."""
    from superset.mcp_service.flask_singleton import get_flask_app

    app = get_flask_app()
    from superset.mcp_service.app import mcp  # Superset's tools are registered on import
    from superset.mcp_service.server import run_server

    with app.app_context():
        names = register_tools(mcp)
    logger.info("superset-review: %d tools on Superset's MCP service: %s", len(names), ", ".join(names))
    mcp.add_middleware(TokenUserMiddleware(app))
    run_server(host=host, port=port)
