"""One taxonomy for the errors the extension's APIs answer: each code has one HTTP status, whichever endpoint meets it.

A failure raised as a :class:`ReviewError` (or a subclass) carries its code; its status is the code's, from
:data:`STATUS_OF`. ``ReviewBaseApi`` maps every other error it meets (marshmallow's, werkzeug's, Superset's
``CommandException``, the gateway's ``LlmError``, the dataset adapters') in one place to a code of this table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # The request itself
    INVALID_REQUEST = "INVALID_REQUEST"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    CONFLICT = "CONFLICT"
    UNPROCESSABLE = "UNPROCESSABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # Sessions
    SESSION_ERROR = "SESSION_ERROR"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    SESSION_CHANGED = "SESSION_CHANGED"
    OWNER_MISSING = "OWNER_MISSING"
    # The charts, dashboards, links and datasets a review starts from
    DATASET_NOT_FOUND = "DATASET_NOT_FOUND"
    DATASET_FORBIDDEN = "DATASET_FORBIDDEN"
    DATASET_UNAVAILABLE = "DATASET_UNAVAILABLE"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    CHART_NOT_FOUND = "CHART_NOT_FOUND"
    CHART_FORBIDDEN = "CHART_FORBIDDEN"
    UNSUPPORTED_CHART = "UNSUPPORTED_CHART"
    DASHBOARD_NOT_FOUND = "DASHBOARD_NOT_FOUND"
    DASHBOARD_FORBIDDEN = "DASHBOARD_FORBIDDEN"
    DASHBOARD_EMPTY = "DASHBOARD_EMPTY"
    EXPLORE_NOT_FOUND = "EXPLORE_NOT_FOUND"
    EXPLORE_FORBIDDEN = "EXPLORE_FORBIDDEN"
    EXPLORE_STATE_EXPIRED = "EXPLORE_STATE_EXPIRED"
    PERMALINK_INVALID = "PERMALINK_INVALID"
    PERMALINK_EXPIRED = "PERMALINK_EXPIRED"
    QUERY_NOT_FOUND = "QUERY_NOT_FOUND"
    SAVED_QUERY_NOT_FOUND = "SAVED_QUERY_NOT_FOUND"
    SQLLAB_NOT_A_DATASET = "SQLLAB_NOT_A_DATASET"
    # Links (superset_review.intake.links.LinkErrorCode)
    UNSUPPORTED_LINK = "UNSUPPORTED_LINK"
    FOREIGN_HOST = "FOREIGN_HOST"
    MALFORMED_LINK = "MALFORMED_LINK"
    BAD_RISON = "BAD_RISON"
    BAD_LINK_VALUE = "BAD_LINK_VALUE"
    BAD_LINK_STATE = "BAD_LINK_STATE"
    # Semantics (the dictionary parser's DictionaryErrorCode first)
    TOO_LARGE = "TOO_LARGE"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    BAD_ENCODING = "BAD_ENCODING"
    NO_COLUMN_HEADER = "NO_COLUMN_HEADER"
    NO_MEANING_COLUMNS = "NO_MEANING_COLUMNS"
    EMPTY = "EMPTY"
    MALFORMED = "MALFORMED"
    DICTIONARY_TABLE_COLUMNS = "DICTIONARY_TABLE_COLUMNS"
    SOURCE_UNREACHABLE = "SOURCE_UNREACHABLE"
    BAD_DECISION = "BAD_DECISION"
    NOTHING_TO_APPLY = "NOTHING_TO_APPLY"
    WRITE_BACK_REFUSED = "WRITE_BACK_REFUSED"
    WRITE_BACK_INVALID = "WRITE_BACK_INVALID"
    NOTHING_TO_DRAFT = "NOTHING_TO_DRAFT"
    BAD_AI_DRAFT = "BAD_AI_DRAFT"
    # Clarification
    CLARIFICATION_NOT_STARTED = "CLARIFICATION_NOT_STARTED"
    CLARIFICATION_PAUSED = "CLARIFICATION_PAUSED"
    CLARIFICATION_DONE = "CLARIFICATION_DONE"
    UNKNOWN_TOPIC = "UNKNOWN_TOPIC"
    NOT_CURRENT_QUESTION = "NOT_CURRENT_QUESTION"
    ANSWER_CONFLICT = "ANSWER_CONFLICT"
    BAD_OPTION = "BAD_OPTION"
    BAD_ANSWER = "BAD_ANSWER"
    # Execution
    UNKNOWN_VARIABLE = "UNKNOWN_VARIABLE"
    BAD_MAPPING_VALUE = "BAD_MAPPING_VALUE"
    PRODUCTION_FORBIDDEN = "PRODUCTION_FORBIDDEN"
    LAUNCH_BLOCKED = "LAUNCH_BLOCKED"
    LAUNCH_FAILED = "LAUNCH_FAILED"
    # The domain catalog
    CATALOG_INVALID = "CATALOG_INVALID"
    CATALOG_CHANGED = "CATALOG_CHANGED"
    CATALOG_TEST_FAILED = "CATALOG_TEST_FAILED"
    BAD_DELTA = "BAD_DELTA"
    DELTA_NOT_FOUND = "DELTA_NOT_FOUND"
    DELTA_NOT_STAGED = "DELTA_NOT_STAGED"
    CURATE_REQUIRED = "CURATE_REQUIRED"
    NOTHING_STAGED = "NOTHING_STAGED"
    # AI-safe views
    SAFE_VIEW_NOT_FOUND = "SAFE_VIEW_NOT_FOUND"
    SAFE_VIEW_STALE = "SAFE_VIEW_STALE"
    SAFE_VIEW_ARCHIVED = "SAFE_VIEW_ARCHIVED"
    SAFE_VIEW_CHANGED = "SAFE_VIEW_CHANGED"
    SAFE_VIEW_FORBIDDEN = "SAFE_VIEW_FORBIDDEN"  # changing a view needs being its author or an admin
    BAD_VIEW_DEFINITION = "BAD_VIEW_DEFINITION"
    BAD_ROW_FILTER = "BAD_ROW_FILTER"
    # Governed tools
    TOOL_NOT_FOUND = "TOOL_NOT_FOUND"
    TOOL_PARAMS_INVALID = "TOOL_PARAMS_INVALID"
    TOOL_CAP_EXCEEDED = "TOOL_CAP_EXCEEDED"
    TOOL_FORBIDDEN = "TOOL_FORBIDDEN"
    # Onboarding runs
    RUN_NOT_FOUND = "RUN_NOT_FOUND"
    RUN_STOPPED = "RUN_STOPPED"  # a stopped or failed run takes no more stages
    RUN_CHANGED = "RUN_CHANGED"  # If-Match named another version of the run or artifact
    STAGE_GATED = "STAGE_GATED"  # the stage before has not passed (Ingest -> Domains -> Mapping -> Analysis)
    CONTRACT_INVALID = "CONTRACT_INVALID"
    MODE_IMMUTABLE = "MODE_IMMUTABLE"  # the mode of a started run: a new contract version instead
    PROFILE_NOT_FOUND = "PROFILE_NOT_FOUND"
    PROFILE_INVALID = "PROFILE_INVALID"
    DSL_REJECT = "DSL_REJECT"  # an operation outside DSL 1.0.0, or parameters it refuses
    FILE_UNREADABLE = "FILE_UNREADABLE"  # not what its extension says, ragged, a header mid-file: the line is named
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    TARGET_INVALID = "TARGET_INVALID"  # a target schema (YAML) that breaks its schema
    TARGET_FORBIDDEN = "TARGET_FORBIDDEN"  # the target dataset is not one the user may write
    MAPPING_NOT_FOUND = "MAPPING_NOT_FOUND"
    # Migrations (issue 15)
    MIGRATION_PREFLIGHT_FAILED = "MIGRATION_PREFLIGHT_FAILED"  # a check before starting failed: each one named
    MIGRATION_NOT_READY = "MIGRATION_NOT_READY"  # promotion asked before every chunk is done and every check passed
    MIGRATION_SPEC_CHANGED = "MIGRATION_SPEC_CHANGED"  # the run was prepared with another plan, key or batch size
    MIGRATION_CHUNK_FAILED = "MIGRATION_CHUNK_FAILED"  # a chunk's transaction failed: its reason is in next_action
    MIGRATION_NOTHING_TO_ROLL_BACK = "MIGRATION_NOTHING_TO_ROLL_BACK"
    MIGRATION_NOT_FOUND = "MIGRATION_NOT_FOUND"  # the run has no migration yet (or no such quarantine row)
    MIGRATION_RUNNING = "MIGRATION_RUNNING"  # the run's migration is queued, running or validating already
    MIGRATION_STATE = "MIGRATION_STATE"  # the action does not fit the migration's state (rollback of nothing ...)
    MIGRATION_FAILED = "MIGRATION_FAILED"  # the engine refused or failed: its reason in the message


# The gateway's codes keep their own statuses (superset_review.llm.errors.ERROR_CLASSES): see status_of().
STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.CONFLICT: 409,
    ErrorCode.UNPROCESSABLE: 422,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.SESSION_ERROR: 422,
    ErrorCode.SESSION_NOT_FOUND: 404,
    ErrorCode.SESSION_CHANGED: 409,
    ErrorCode.OWNER_MISSING: 422,
    ErrorCode.DATASET_NOT_FOUND: 404,
    ErrorCode.DATASET_FORBIDDEN: 403,
    ErrorCode.DATASET_UNAVAILABLE: 422,
    ErrorCode.DATABASE_UNAVAILABLE: 502,
    ErrorCode.CHART_NOT_FOUND: 404,
    ErrorCode.CHART_FORBIDDEN: 403,
    ErrorCode.UNSUPPORTED_CHART: 422,
    ErrorCode.DASHBOARD_NOT_FOUND: 404,
    ErrorCode.DASHBOARD_FORBIDDEN: 403,
    ErrorCode.DASHBOARD_EMPTY: 422,
    ErrorCode.EXPLORE_NOT_FOUND: 404,
    ErrorCode.EXPLORE_FORBIDDEN: 403,
    ErrorCode.EXPLORE_STATE_EXPIRED: 404,
    ErrorCode.PERMALINK_INVALID: 422,
    ErrorCode.PERMALINK_EXPIRED: 404,
    ErrorCode.QUERY_NOT_FOUND: 404,
    ErrorCode.SAVED_QUERY_NOT_FOUND: 404,
    ErrorCode.SQLLAB_NOT_A_DATASET: 422,
    ErrorCode.UNSUPPORTED_LINK: 400,
    ErrorCode.FOREIGN_HOST: 400,
    ErrorCode.MALFORMED_LINK: 400,
    ErrorCode.BAD_RISON: 400,
    ErrorCode.BAD_LINK_VALUE: 400,
    ErrorCode.BAD_LINK_STATE: 400,
    ErrorCode.TOO_LARGE: 400,
    ErrorCode.UNSUPPORTED_FORMAT: 400,
    ErrorCode.BAD_ENCODING: 400,
    ErrorCode.NO_COLUMN_HEADER: 400,
    ErrorCode.NO_MEANING_COLUMNS: 400,
    ErrorCode.EMPTY: 400,
    ErrorCode.MALFORMED: 400,
    ErrorCode.DICTIONARY_TABLE_COLUMNS: 400,
    ErrorCode.SOURCE_UNREACHABLE: 502,
    ErrorCode.BAD_DECISION: 400,
    ErrorCode.NOTHING_TO_APPLY: 400,
    ErrorCode.WRITE_BACK_REFUSED: 403,
    ErrorCode.WRITE_BACK_INVALID: 422,
    ErrorCode.NOTHING_TO_DRAFT: 422,
    ErrorCode.BAD_AI_DRAFT: 422,
    ErrorCode.CLARIFICATION_NOT_STARTED: 409,
    ErrorCode.CLARIFICATION_PAUSED: 409,
    ErrorCode.CLARIFICATION_DONE: 409,
    ErrorCode.UNKNOWN_TOPIC: 404,
    ErrorCode.NOT_CURRENT_QUESTION: 409,
    ErrorCode.ANSWER_CONFLICT: 409,
    ErrorCode.BAD_OPTION: 422,
    ErrorCode.BAD_ANSWER: 400,
    ErrorCode.UNKNOWN_VARIABLE: 422,
    ErrorCode.BAD_MAPPING_VALUE: 400,
    ErrorCode.PRODUCTION_FORBIDDEN: 403,
    ErrorCode.LAUNCH_BLOCKED: 409,
    ErrorCode.LAUNCH_FAILED: 502,
    ErrorCode.CATALOG_INVALID: 422,
    ErrorCode.CATALOG_CHANGED: 409,
    ErrorCode.CATALOG_TEST_FAILED: 422,
    ErrorCode.BAD_DELTA: 422,
    ErrorCode.DELTA_NOT_FOUND: 404,
    ErrorCode.DELTA_NOT_STAGED: 409,
    ErrorCode.CURATE_REQUIRED: 403,
    ErrorCode.NOTHING_STAGED: 422,
    ErrorCode.SAFE_VIEW_NOT_FOUND: 404,
    ErrorCode.SAFE_VIEW_STALE: 409,
    ErrorCode.SAFE_VIEW_ARCHIVED: 409,
    ErrorCode.SAFE_VIEW_CHANGED: 409,
    ErrorCode.SAFE_VIEW_FORBIDDEN: 403,
    ErrorCode.BAD_VIEW_DEFINITION: 422,
    ErrorCode.BAD_ROW_FILTER: 422,
    ErrorCode.TOOL_NOT_FOUND: 404,
    ErrorCode.TOOL_PARAMS_INVALID: 422,
    ErrorCode.TOOL_CAP_EXCEEDED: 422,
    ErrorCode.TOOL_FORBIDDEN: 403,
    ErrorCode.RUN_NOT_FOUND: 404,
    ErrorCode.RUN_STOPPED: 409,
    ErrorCode.RUN_CHANGED: 412,
    ErrorCode.STAGE_GATED: 409,
    ErrorCode.CONTRACT_INVALID: 422,
    ErrorCode.MODE_IMMUTABLE: 409,
    ErrorCode.PROFILE_NOT_FOUND: 404,
    ErrorCode.PROFILE_INVALID: 422,
    ErrorCode.DSL_REJECT: 422,
    ErrorCode.FILE_UNREADABLE: 422,
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.TARGET_INVALID: 422,
    ErrorCode.TARGET_FORBIDDEN: 403,
    ErrorCode.MAPPING_NOT_FOUND: 404,
    ErrorCode.MIGRATION_PREFLIGHT_FAILED: 409,
    ErrorCode.MIGRATION_NOT_READY: 409,
    ErrorCode.MIGRATION_SPEC_CHANGED: 409,
    ErrorCode.MIGRATION_CHUNK_FAILED: 409,
    ErrorCode.MIGRATION_NOTHING_TO_ROLL_BACK: 409,
    ErrorCode.MIGRATION_NOT_FOUND: 404,
    ErrorCode.MIGRATION_RUNNING: 409,
    ErrorCode.MIGRATION_STATE: 409,
    ErrorCode.MIGRATION_FAILED: 422,
}

# The code of an error that comes with an HTTP status only.
_BY_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.INVALID_REQUEST,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.REQUEST_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.UNPROCESSABLE,
}


def code_for_status(status: int) -> ErrorCode:
    """The generic code of an HTTP status (for errors that come with a status only: werkzeug's, Superset's)."""
    return _BY_STATUS.get(status, ErrorCode.INTERNAL_ERROR if status >= 500 else ErrorCode.INVALID_REQUEST)


def status_of(code: str) -> int:
    """The HTTP status of a code of the taxonomy (or of the gateway's); ValueError for a code that is in neither."""
    from superset_review.llm.errors import ERROR_CLASSES
    from superset_review.llm.errors import ErrorCode as LlmErrorCode

    if code in LlmErrorCode.__members__.values():
        return ERROR_CLASSES[LlmErrorCode(code)].http_status
    return STATUS_OF[ErrorCode(code)]


class ReviewError(Exception):
    """An error for the user: ``message`` (a Text, translated when the API replies), a code of :class:`ErrorCode`
    (or of the gateway's) whose status the API answers, and details that go into the reply's body."""

    code: str = ErrorCode.SESSION_ERROR

    def __init__(self, message: str, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        # A code outside the taxonomy is a bug of the code that raised it: ValueError names it here.
        self.status = status_of(self.code)
        self.details = details or {}
