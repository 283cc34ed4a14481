"""The registry of the extension's LLM-callable tools, and the one way to call them: :func:`invoke`.

A tool is a name, a description for the model, a marshmallow schema for its parameters (``unknown = RAISE``, every
field bounded), the extension permission it needs, caps on the rows and JSON bytes it may answer, and a handler that
runs as the calling user. :func:`invoke` is the same for REST, MCP and in-process callers: it finds the tool, checks
the permission, bounds and loads the parameters, runs the handler, holds the answer to the caps, and writes one audit
row (``ToolCall``) whatever happened, on its own connection after the tool's transaction ended, so a refused or failed
call keeps its row. Parameter values are never stored: only their hash and size.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from superset_review.extension.constants import VIEW_MENU
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.fields import json_depth
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text
from superset_review.extension.linear_regex import compile_linear
from superset_review.tools.models import Channel, Outcome

logger = logging.getLogger(__name__)

# Parameters as sent: at most this many bytes of JSON, nested at most this deep (every tool's are flat).
MAX_PARAMS_BYTES = 16_384
MAX_PARAMS_DEPTH = 4
_NAME = compile_linear(r"[a-z][a-z0-9_]{2,63}")


class ToolRefused(ReviewError):
    """A tool call refused before or after its handler ran: unknown tool, permission, parameters, caps."""

    code = ErrorCode.TOOL_PARAMS_INVALID


@dataclass(frozen=True)
class ToolResult:
    """What a handler answers: the data (JSON-shaped), how many rows of data it holds, and what was masked."""

    data: Any
    rows: int = 0
    masking: dict[str, Any] = field(default_factory=dict)
    # The key of ``data`` holding its rows (a list), which the caps trim from the end when the answer is too large.
    rows_key: str | None = None


@dataclass(frozen=True)
class Tool:
    name: str  # snake_case; over MCP it is served as review_<name>
    description: str  # for the model: what it returns, when to use it
    params: type[Schema]
    permission: str  # one of superset_review.extension.constants.PERMISSIONS
    max_rows: int
    max_bytes: int
    handler: Callable[[dict[str, Any]], ToolResult]
    reads_rows: bool = False

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"tool name {self.name!r} must be snake_case, 3 to 64 characters")
        if getattr(self.params.Meta, "unknown", None) != RAISE:
            raise ValueError(f"the parameters of tool {self.name} must refuse unknown fields (Meta.unknown = RAISE)")

    def parameters_schema(self) -> dict[str, Any]:
        """The parameters as JSON schema (what REST lists and MCP clients see)."""
        return json_schema_of(self.params)


@dataclass(frozen=True)
class InvocationReply:
    data: Any
    call_id: int | None
    rows: int
    bytes: int
    duration_ms: float
    masking: dict[str, Any]
    trimmed: bool = False

    def call(self) -> dict[str, Any]:
        return {"id": self.call_id, "rows": self.rows, "bytes": self.bytes, "duration_ms": round(self.duration_ms, 3),
                "masking": self.masking, "trimmed": self.trimmed}  # fmt: skip


_REGISTRY: dict[str, Tool] = {}


def register(tool: Tool) -> Tool:
    if tool.name in _REGISTRY and _REGISTRY[tool.name] is not tool:
        raise ValueError(f"a tool named {tool.name} is registered already")
    _REGISTRY[tool.name] = tool
    return tool


def registered() -> list[Tool]:
    """Every tool, by name (the built-in ones are loaded on first use)."""
    import superset_review.tools.builtin  # noqa: F401 - registers the built-in tools

    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def find(name: str) -> Tool:
    tools = {tool.name: tool for tool in registered()}
    if name not in tools:
        raise ToolRefused(
            Text("there is no tool named '%(name)s'; the tools are: %(known)s", name=name[:64],
                 known=", ".join(tools)),
            ErrorCode.TOOL_NOT_FOUND,
            details={"tools": list(tools)},
        )  # fmt: skip
    return tools[name]


def may_call(tool: Tool) -> bool:
    """Whether the current user holds the tool's permission on DatasetReview."""
    from superset.extensions import security_manager

    return bool(security_manager.can_access(f"can_{tool.permission}", VIEW_MENU))


def callable_tools() -> list[Tool]:
    """The tools the current user may call."""
    return [tool for tool in registered() if may_call(tool)]


def json_schema_of(schema: type[Schema]) -> dict[str, Any]:
    """A marshmallow schema as JSON schema, with apispec's converter (the one FAB documents its APIs with)."""
    from apispec.ext.marshmallow.openapi import OpenAPIConverter

    converter = OpenAPIConverter(openapi_version="3.0.2", schema_name_resolver=lambda _: None, spec=None)  # type: ignore[arg-type]
    document: dict[str, Any] = converter.schema2jsonschema(schema())  # type: ignore[no-untyped-call]
    document.setdefault("properties", {})
    document["additionalProperties"] = False
    return document


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, default=str, separators=(",", ":")).encode())


def bounded_params(raw: Any) -> tuple[dict[str, Any], str, int]:
    """The raw parameters checked for size and depth before any schema reads them; their hash and size."""
    try:
        size = _json_bytes(raw if raw is not None else {})
    except (TypeError, ValueError, RecursionError):
        raise ToolRefused(Text("the parameters must be a JSON object")) from None
    if size > MAX_PARAMS_BYTES:
        raise ToolRefused(
            Text("the parameters are %(size)d bytes of JSON; a tool takes at most %(max)d", size=size,
                 max=MAX_PARAMS_BYTES),
            details={"params_bytes": size},
        )  # fmt: skip
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ToolRefused(
            Text("the parameters must be a JSON object ({...}), not %(type)s", type=type(raw).__name__),
            details={"params_bytes": size},
        )
    if json_depth(raw) > MAX_PARAMS_DEPTH:
        raise ToolRefused(
            Text("the parameters nest more than %(max)d levels deep", max=MAX_PARAMS_DEPTH),
            details={"params_bytes": size},
        )
    return raw, stable_hash(raw), size


def load_params(tool: Tool, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = tool.params().load(raw)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        said = "; ".join(f"{name}: {_first(value)}" for name, value in list(messages.items())[:5])
        raise ToolRefused(
            Text("invalid parameters for %(tool)s: %(errors)s", tool=tool.name, errors=said),
            details={"errors": messages},
        ) from None
    return loaded


def _first(value: Any) -> str:
    while isinstance(value, (list, dict)) and value:
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
    return str(value)[:200]


def capped(tool: Tool, result: ToolResult) -> tuple[Any, int, int, bool]:
    """The answer within the tool's caps: rows beyond max_rows, then rows from the end until the JSON fits
    max_bytes. An answer that still does not fit (no rows to drop) is refused."""
    data, rows, trimmed = result.data, result.rows, False
    if result.rows_key is not None and isinstance(data, dict) and isinstance(data.get(result.rows_key), list):
        kept = list(data[result.rows_key])
        if len(kept) > tool.max_rows:
            kept, trimmed = kept[: tool.max_rows], True
        data = {**data, result.rows_key: kept}
        size = _json_bytes(data)
        if size > tool.max_bytes:
            # Each row's share of the size, measured once: the kept rows are found by a running sum, not by
            # re-encoding the answer after every dropped row.
            base = _json_bytes({**data, result.rows_key: []})
            budget, count = tool.max_bytes - base, 0
            for row in kept:
                budget -= _json_bytes(row) + 1
                if budget < 0:
                    break
                count += 1
            kept, trimmed = kept[:count], True
            data = {**data, result.rows_key: kept}
        rows = len(kept)
    size = _json_bytes(data)
    if size > tool.max_bytes:
        raise ToolRefused(
            Text("the answer of %(tool)s is %(size)d bytes, more than its cap of %(max)d: ask for less",
                 tool=tool.name, size=size, max=tool.max_bytes),
            ErrorCode.TOOL_CAP_EXCEEDED,
        )  # fmt: skip
    return data, rows, size, trimmed


@dataclass
class Audit:
    """What the audit row of one call says (never the parameters' values)."""

    tool: str
    channel: Channel
    params_hash: str = ""
    params_bytes: int = 0
    rows: int = 0
    bytes: int = 0
    masking: dict[str, Any] | None = None
    outcome: Outcome = Outcome.ERROR
    error_code: str | None = None
    message: str | None = None


def invoke(name: str, raw_params: Any, *, channel: Channel) -> InvocationReply:
    """Call the tool ``name`` as the current user (``InvokeToolCommand``). Raises ToolRefused (404, 403, 422) or the
    handler's error (a ReviewError of the taxonomy; anything else is a 500); every outcome is audited once."""
    from superset_review.tools.commands.invoke import InvokeToolCommand

    return InvokeToolCommand(name, raw_params, channel).run()


def hash_of_anything(value: Any) -> str:
    try:
        return stable_hash(value)
    except (TypeError, ValueError, RecursionError):
        return stable_hash(type(value).__name__)


def record(audit: Audit, started: float, error: Exception | None = None) -> tuple[float, int | None]:
    """Write the call's audit row (with the error's outcome, code and message when it failed); its duration and id
    (None when the row could not be written: logged)."""
    from flask import g, has_app_context

    from superset_review.tools.dao import ToolCallDAO

    if error is not None:
        if isinstance(error, ReviewError):
            status, code, said = error.status, str(error.code), error.message
        else:
            from superset_review.extension.api import describe

            status, raw_code, said, _ = describe(error)
            code = str(raw_code)
        audit.outcome = Outcome.ERROR if status >= 500 else Outcome.REFUSED
        # The message's template, never its values: a refusal may repeat what was sent (a column name, a size).
        audit.error_code, audit.message = code[:60], (getattr(said, "msgid", None) or None)
        audit.message = audit.message[:1000] if audit.message else None
        audit.rows, audit.bytes = 0, 0
    duration = (time.perf_counter() - started) * 1000
    user = getattr(g, "user", None) if has_app_context() else None
    values = {
        "tool": audit.tool, "user_id": getattr(user, "id", None), "username": getattr(user, "username", None),
        "channel": audit.channel.value, "params_hash": audit.params_hash, "params_bytes": audit.params_bytes,
        "rows": audit.rows, "bytes": audit.bytes, "masking": audit.masking, "outcome": audit.outcome.value,
        "error_code": audit.error_code, "message": audit.message, "duration_ms": round(duration, 3),
    }  # fmt: skip
    try:
        call_id: int | None = ToolCallDAO.record(values)
    except Exception:
        logger.exception("the audit row of tool call %s could not be written", audit.tool)
        call_id = None
    return duration, call_id
