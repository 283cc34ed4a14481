"""One tool call: validate (the tool exists, the user holds its permission, the parameters fit their bounds and
schema), run the handler as the user within the caps under one unit of work, then audit the call on its own
connection whatever happened."""

from __future__ import annotations

import time
from typing import Any

from superset.commands.base import BaseCommand

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.constants import VIEW_MENU
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.tools.models import Channel, Outcome
from superset_review.tools.registry import (
    Audit,
    InvocationReply,
    Tool,
    ToolRefused,
    bounded_params,
    capped,
    find,
    hash_of_anything,
    load_params,
    may_call,
    record,
)


class _Settled(Exception):
    """Carries a refusal out of the unit of work after it committed (a view found stale keeps its mark)."""

    def __init__(self, error: ReviewError) -> None:
        super().__init__(str(error))
        self.error = error


class InvokeToolCommand(BaseCommand):
    def __init__(self, name: str, raw_params: Any, channel: Channel) -> None:
        self._name = name
        self._raw = raw_params
        self._audit = Audit(tool=name[:100], channel=channel)
        self._tool: Tool | None = None
        self._params: dict[str, Any] = {}
        self._started = time.perf_counter()

    def validate(self) -> None:
        raw, self._audit.params_hash, self._audit.params_bytes = bounded_params(self._raw)
        tool = find(self._name)
        if not may_call(tool):
            raise ToolRefused(
                Text("tool %(tool)s needs the permission can_%(permission)s on %(view)s", tool=tool.name,
                     permission=tool.permission, view=VIEW_MENU),
                ErrorCode.TOOL_FORBIDDEN,
            )  # fmt: skip
        self._params = load_params(tool, raw)
        self._tool = tool

    def run(self) -> InvocationReply:
        self._started = time.perf_counter()
        try:
            self.validate()
        except ToolRefused as error:
            self._audit.params_hash = self._audit.params_hash or hash_of_anything(self._raw)
            self._audit.params_bytes = self._audit.params_bytes or int(error.details.get("params_bytes") or 0)
            record(self._audit, self._started, error)
            raise
        try:
            reply = self._call()
        except _Settled as settled:
            record(self._audit, self._started, settled.error)
            raise settled.error from None
        except Exception as error:
            record(self._audit, self._started, error)
            raise
        self._audit.outcome = Outcome.OK
        duration, call_id = record(self._audit, self._started)
        if call_id is None:  # no answer leaves without its audit row
            raise ReviewError(Text("the tool call could not be audited: try again"), ErrorCode.INTERNAL_ERROR)
        return InvocationReply(reply.data, call_id, reply.rows, reply.bytes, duration, reply.masking, reply.trimmed)

    @unit_of_work
    def _call(self) -> InvocationReply:
        """The handler's reads and writes (a review it starts, a view's stale mark) commit together, or none do."""
        from superset_review.safe_views.access import SafeViewUnusable

        assert self._tool is not None
        try:
            result = self._tool.handler(self._params)
        except SafeViewUnusable as error:
            if error.code != ErrorCode.SAFE_VIEW_STALE:
                raise
            raise_after_commit = _Settled(error)
        else:
            data, rows, size, trimmed = capped(self._tool, result)
            self._audit.rows, self._audit.bytes, self._audit.masking = rows, size, result.masking or None
            return InvocationReply(data, None, rows, size, 0.0, result.masking, trimmed)
        # The stale mark is the caller's to keep: commit it here, then refuse.
        from superset.extensions import db

        db.session.commit()
        raise raise_after_commit
