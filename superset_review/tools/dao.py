"""Writing and reading the tool-call audit.

A row is written on its own autocommit connection (the ledger's, ``superset_review.llm.dao``): it is committed at
once, after the tool's transaction ended, and survives whatever the caller's session does next (a refused call
rolls back; its row stays).
"""

from __future__ import annotations

from typing import Any

from superset.extensions import db

from superset_review.llm.dao import _on_ledger_connection
from superset_review.tasks.models import now
from superset_review.tools.models import ToolCall

MAX_AUDIT_ROWS = 1000
_INSERT = ToolCall.__table__.insert()


class ToolCallDAO:
    @staticmethod
    def record(values: dict[str, Any]) -> int:
        import uuid

        row = {"uuid": str(uuid.uuid4()), "created_on": now(), **values}
        return _on_ledger_connection(lambda connection: int(connection.execute(_INSERT, row).inserted_primary_key[0]))

    @staticmethod
    def latest(
        limit: int = 100, tool: str | None = None, outcome: str | None = None, user_id: int | None = None
    ) -> tuple[list[ToolCall], int]:
        """The newest calls (optionally of one tool, outcome or user), newest first, and how many match."""
        query = db.session.query(ToolCall)
        if tool is not None:
            query = query.filter(ToolCall.tool == tool)
        if outcome is not None:
            query = query.filter(ToolCall.outcome == outcome)
        if user_id is not None:
            query = query.filter(ToolCall.user_id == user_id)
        rows: list[ToolCall] = query.order_by(ToolCall.id.desc()).limit(min(limit, MAX_AUDIT_ROWS)).all()
        return rows, int(query.order_by(None).count())
