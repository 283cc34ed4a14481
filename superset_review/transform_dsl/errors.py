"""The one error of the DSL: a plan refused, with the path of what was wrong and what to do instead."""

from __future__ import annotations

from superset_review.extension.errors import ErrorCode, ReviewError


class DslError(ReviewError):
    """``DSL_REJECT`` (422). ``path`` names the refused value the way the plan's JSON nests it, e.g.
    ``pipelines[0].ops[2].pattern``; the message names the operation and what to write instead."""

    code = ErrorCode.DSL_REJECT

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message, details={"path": path})
        self.path = path
        self.reason = message
