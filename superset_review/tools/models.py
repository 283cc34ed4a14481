"""The audit of every tool call. Schema: migration ``0011_safe_views_tools_journal``; append-only (a trigger)."""

from __future__ import annotations

import uuid
from enum import StrEnum

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel
from superset_review.tasks.models import now


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # a schema, a cap, a permission or the policy said no: nothing was read
    ERROR = "error"  # the tool failed while it ran (the database did not answer, ...)


class Channel(StrEnum):
    REST = "rest"
    MCP = "mcp"
    INTERNAL = "internal"  # a feature of the extension calling a tool in-process


class ToolCall(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_tool_calls"

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True, default=lambda: str(uuid.uuid4()))
    tool = sa.Column(sa.String(100), nullable=False, index=True)
    user_id = sa.Column(sa.Integer, nullable=True, index=True)
    username = sa.Column(sa.String(255), nullable=True)
    channel = sa.Column(sa.String(20), nullable=False)
    params_hash = sa.Column(sa.String(64), nullable=False)  # stable_hash of the parameters as sent; never the values
    params_bytes = sa.Column(sa.Integer, nullable=False)
    rows = sa.Column(sa.Integer, nullable=False, default=0)
    bytes = sa.Column(sa.Integer, nullable=False, default=0)
    masking = sa.Column(sa.JSON, nullable=True)  # {"view_id", "redacted": {"col": "hash"}, "pii_masked": n, ...}
    outcome = sa.Column(sa.String(20), nullable=False, index=True)
    error_code = sa.Column(sa.String(60), nullable=True)
    message = sa.Column(sa.String(1000), nullable=True)
    duration_ms = sa.Column(sa.Float, nullable=False)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now, index=True)
