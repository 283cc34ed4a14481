"""The governed tools over MCP: `superset-review mcp` (Superset's own MCP service) started as a subprocess with the
suite's services, a real ``fastmcp.Client`` over streamable HTTP with HS256 bearer tokens signed here (PyJWT). The
extension's tools are listed beside Superset's, each call runs as the token's user (RBAC and dataset access), a
call without a token is refused at the transport, and every call of ours has its audit row with channel ``mcp``."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.safe_views import make_test_views
from tests.services import Services
from tests.users import ADMIN, READER

SECRET = "mcp-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def views(app: Any, services: Services) -> dict[str, int]:
    return make_test_views(app, services)


@pytest.fixture(scope="module")
def mcp_url(service_env: dict[str, str], services: Services, views: dict[str, int]) -> Iterator[str]:
    from superset_review.embedded.processes import spawn, stop_process

    port = _free_port()
    log = services.root / "logs" / "mcp.log"
    env = {**os.environ, **service_env, "SUPERSET_MCP_AUTH_ENABLED": "true", "SUPERSET_MCP_JWT_SECRET": SECRET,
           "SUPERSET_MCP_JWT_ALGORITHM": "HS256"}  # fmt: skip
    command = [sys.executable, "-m", "superset_review.cli.main", "mcp", "--host", "127.0.0.1", "--port", str(port)]
    process = spawn(command, log, env=env)
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the MCP service exited: {log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the MCP service did not listen: {log.read_text()[-3000:]}") from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop_process(process)


def token(subject: str) -> str:
    return jwt.encode({"sub": subject, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")


def run(url: str, subject: str, action: Any) -> Any:
    from fastmcp import Client
    from fastmcp.client.transports import StreamableHttpTransport

    async def main() -> Any:
        transport = StreamableHttpTransport(url, headers={"Authorization": f"Bearer {token(subject)}"})
        async with Client(transport) as client:
            return await action(client)

    return asyncio.run(main())


def payload(result: Any) -> Any:
    """A tool result's JSON (structured content when there is one, else the text)."""
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def failed(result: Any) -> bool:
    """Whether the call failed: an MCP error, or the text Superset's StructuredContentStripperMiddleware makes of
    a tool's exception for transports that cannot carry errors ("Error: ...")."""
    return bool(result.is_error) or error_text(result).startswith("Error:")


def error_text(result: Any) -> str:
    return " ".join(getattr(part, "text", "") for part in result.content)


def audit_since(app: Any, since: int) -> list[Any]:
    with app.app_context():
        from superset.extensions import db

        from superset_review.tools.models import ToolCall

        rows = db.session.query(ToolCall).filter(ToolCall.id > since).order_by(ToolCall.id).all()
        return [(row.tool, row.username, row.channel, row.outcome, row.error_code, row.rows) for row in rows]


def last_id(app: Any) -> int:
    with app.app_context():
        from superset.extensions import db

        from superset_review.tools.models import ToolCall

        return int(db.session.query(ToolCall.id).order_by(ToolCall.id.desc()).limit(1).scalar() or 0)


def test_our_tools_are_listed_beside_supersets(mcp_url: str) -> None:
    async def action(client: Any) -> Any:
        return await client.list_tools()

    tools = {tool.name: tool for tool in run(mcp_url, ADMIN, action)}
    assert {"list_datasets", "execute_sql", "get_dataset_info"} <= set(tools), "Superset's own tools"
    ours = {name for name in tools if name.startswith("review_")}
    assert ours == {"review_list_safe_datasets", "review_describe_dataset", "review_sample_safe_view",
                    "review_review_dataset"}  # fmt: skip
    schema = tools["review_sample_safe_view"].inputSchema
    assert schema["additionalProperties"] is False and schema["properties"]["rows"]["maximum"] == 50
    assert "AI-safe view" in (tools["review_sample_safe_view"].description or "")


def test_each_call_runs_as_the_tokens_user_and_is_audited(app: Any, mcp_url: str, views: dict[str, int]) -> None:
    since = last_id(app)

    async def listing(client: Any) -> Any:
        return await client.call_tool("review_list_safe_datasets", {"search": "ai-safe"}, raise_on_error=False)

    as_admin = payload(run(mcp_url, ADMIN, listing))
    assert views["fresh"] in {view["id"] for view in as_admin["result"]["views"]}
    assert as_admin["call"]["id"] and as_admin["call"]["rows"] >= 2
    as_reader = payload(run(mcp_url, READER, listing))
    assert as_reader["result"]["views"] == [], "the reader may not read review_customers: no view of it"

    async def sample(client: Any) -> Any:
        return await client.call_tool("review_sample_safe_view", {"view_id": views["fresh"], "rows": 3},
                                      raise_on_error=False)  # fmt: skip

    sampled = payload(run(mcp_url, ADMIN, sample))
    assert len(sampled["result"]["rows"]) == 3 and sampled["call"]["masking"]["pii_masked"] == {"note": 3}
    refused = run(mcp_url, READER, sample)
    assert failed(refused) and "SAFE_VIEW_NOT_FOUND" in error_text(refused)

    async def supersets(client: Any) -> Any:
        return await client.call_tool("list_datasets", {"request": {"page_size": 5}}, raise_on_error=False)

    assert not failed(run(mcp_url, ADMIN, supersets)), "Superset's own tool, as admin"
    denied = run(mcp_url, READER, supersets)
    assert failed(denied), "Superset's RBAC ran as the token's user too (no can_read on Dataset)"

    rows = audit_since(app, since)
    assert rows == [
        ("list_safe_datasets", ADMIN, "mcp", "ok", None, as_admin["call"]["rows"]),
        ("list_safe_datasets", READER, "mcp", "ok", None, 0),
        ("sample_safe_view", ADMIN, "mcp", "ok", None, 3),
        ("sample_safe_view", READER, "mcp", "refused", "SAFE_VIEW_NOT_FOUND", 0),
    ]


def test_broken_parameters_and_missing_permissions_are_refused_and_audited(
    app: Any, mcp_url: str, views: dict[str, int]
) -> None:
    since = last_id(app)

    async def calls(client: Any) -> list[Any]:
        return [
            await client.call_tool("review_sample_safe_view", {"view_id": views["fresh"], "rows": "many"},
                                   raise_on_error=False),
            await client.call_tool("review_sample_safe_view", {"view_id": views["fresh"], "sql": "SELECT email"},
                                   raise_on_error=False),
            await client.call_tool("review_sample_safe_view", {"view_id": views["fresh"], "rows": 500},
                                   raise_on_error=False),
        ]  # fmt: skip

    wrong_type, unknown_field, over_cap = run(mcp_url, ADMIN, calls)
    assert failed(wrong_type) and "TOOL_PARAMS_INVALID" in error_text(wrong_type) and "rows" in error_text(wrong_type)
    assert failed(unknown_field) and "TOOL_PARAMS_INVALID" in error_text(unknown_field)
    assert "sql" in error_text(unknown_field)
    assert failed(over_cap) and "TOOL_CAP_EXCEEDED" in error_text(over_cap)

    async def review(client: Any) -> Any:
        return await client.call_tool("review_review_dataset", {"dataset_id": views["customers"]},
                                      raise_on_error=False)  # fmt: skip

    forbidden = run(mcp_url, READER, review)
    assert failed(forbidden) and "TOOL_FORBIDDEN" in error_text(forbidden) and "can_manage" in error_text(forbidden)
    rows = audit_since(app, since)
    assert [row[3:5] for row in rows] == [("refused", "TOOL_PARAMS_INVALID")] * 2 + [
        ("refused", "TOOL_CAP_EXCEEDED"),
        ("refused", "TOOL_FORBIDDEN"),
    ]
    assert [row[1] for row in rows] == [ADMIN] * 3 + [READER] and {row[2] for row in rows} == {"mcp"}
    with app.app_context():
        from superset.extensions import db

        from superset_review.tools.models import ToolCall

        recorded = json.dumps([str(r.__dict__) for r in db.session.query(ToolCall).filter(ToolCall.id > since)])
    assert "SELECT email" not in recorded and "many" not in recorded, "no parameter value in the audit"


def test_no_token_or_an_unknown_subject_is_refused(mcp_url: str) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    response = httpx.post(mcp_url, json=request, headers=headers, timeout=30)
    assert response.status_code == 401
    forged = jwt.encode({"sub": ADMIN, "exp": int(time.time()) + 600}, "another-secret-" * 4, algorithm="HS256")
    response = httpx.post(mcp_url, json=request, headers={**headers, "Authorization": f"Bearer {forged}"}, timeout=30)
    assert response.status_code == 401

    async def listing(client: Any) -> Any:
        return await client.call_tool("review_list_safe_datasets", {}, raise_on_error=False)

    result = run(mcp_url, "nobody-by-this-name", listing)
    assert failed(result) and "not an active Superset user" in error_text(result)
