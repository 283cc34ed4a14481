"""The Ingest and Domains stages' errors: each a code of the taxonomy (superset_review.extension.errors) and a message
that names what was wrong (the line, the field, what the file looks like), never a value of the data."""

from __future__ import annotations

from typing import Any

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text


class IngestError(ReviewError):
    code = ErrorCode.FILE_UNREADABLE


class FileUnreadableError(IngestError):
    """Not what its extension says, undecodable, ragged, a header mid-file, empty: ``line`` is 1-based when known."""

    def __init__(self, message: Text, line: int | None = None, **details: Any) -> None:
        super().__init__(message, details={"line": line, **details} if line is not None else details)


class FileTooLargeError(IngestError):
    code = ErrorCode.FILE_TOO_LARGE

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            Text("the file has %(size)d bytes, more than the %(limit)d allowed (REVIEW_ONBOARDING_MAX_FILE_BYTES)",
                 size=size, limit=limit),
            details={"bytes": size, "limit": limit},
        )  # fmt: skip


class SourceInvalidError(IngestError):
    """The contract's lhs names a source that cannot be read as given (a bad location, a statement that is not one
    SELECT)."""

    code = ErrorCode.CONTRACT_INVALID


class SourceNotFoundError(IngestError):
    code = ErrorCode.NOT_FOUND


class SourceForbiddenError(IngestError):
    code = ErrorCode.DATASET_FORBIDDEN


class TargetInvalidError(IngestError):
    code = ErrorCode.TARGET_INVALID

    def __init__(self, message: Text, field: str | None = None) -> None:
        super().__init__(message, details={"field": field} if field else {})


class TargetForbiddenError(IngestError):
    code = ErrorCode.TARGET_FORBIDDEN


class TargetNotFoundError(IngestError):
    code = ErrorCode.DATASET_NOT_FOUND
