"""One error taxonomy for every provider, each code with its retry and fallback class."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from superset_review.extension.redact import redact


class ErrorCode(StrEnum):
    POLICY_BLOCK = "POLICY_BLOCK"
    DSL_REJECT = "DSL_REJECT"
    PROVIDER_UNHEALTHY = "PROVIDER_UNHEALTHY"
    RATE_LIMIT = "RATE_LIMIT"
    TIMEOUT = "TIMEOUT"
    QUOTA_EXHAUSTED = "QUOTA_EXHAUSTED"
    TRANSIENT_ERROR = "TRANSIENT_ERROR"
    DETERMINISTIC_FAILURE = "DETERMINISTIC_FAILURE"
    QUARANTINE_REQUIRED = "QUARANTINE_REQUIRED"
    NOT_CONFIGURED = "LLM_NOT_CONFIGURED"


@dataclass(frozen=True)
class ErrorClass:
    retry: bool  # the same model again, after a backoff
    fallback: bool  # the next model of the chain
    http_status: int  # what an API answers when the error reaches it


ERROR_CLASSES: dict[ErrorCode, ErrorClass] = {
    ErrorCode.POLICY_BLOCK: ErrorClass(retry=False, fallback=False, http_status=403),
    ErrorCode.DSL_REJECT: ErrorClass(retry=False, fallback=False, http_status=422),
    ErrorCode.PROVIDER_UNHEALTHY: ErrorClass(retry=False, fallback=True, http_status=502),
    ErrorCode.RATE_LIMIT: ErrorClass(retry=True, fallback=True, http_status=429),
    ErrorCode.TIMEOUT: ErrorClass(retry=False, fallback=True, http_status=504),
    ErrorCode.QUOTA_EXHAUSTED: ErrorClass(retry=False, fallback=True, http_status=429),
    ErrorCode.TRANSIENT_ERROR: ErrorClass(retry=True, fallback=True, http_status=502),
    ErrorCode.DETERMINISTIC_FAILURE: ErrorClass(retry=False, fallback=False, http_status=422),
    ErrorCode.QUARANTINE_REQUIRED: ErrorClass(retry=False, fallback=False, http_status=422),
    ErrorCode.NOT_CONFIGURED: ErrorClass(retry=False, fallback=False, http_status=503),
}


class LlmError(Exception):
    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message
        self.details = details

    @property
    def error_class(self) -> ErrorClass:
        return ERROR_CLASSES[self.code]

    def to_dict(self) -> dict[str, Any]:
        return {"error_code": self.code.value, "message": self.message, **self.details}


def from_litellm(ex: BaseException, secrets: Iterable[str] = ()) -> LlmError:
    """Map whatever litellm raised to the taxonomy. Order matters: litellm's classes inherit from each other.

    The provider's words reach users, so they are redacted first: no API key (``secrets`` are the configured ones),
    token or URL credentials."""
    from litellm import exceptions as litellm  # the classes litellm raises, whatever the provider

    text = redact(str(ex).splitlines()[0][:300], secrets) if str(ex).strip() else type(ex).__name__
    quota_words = ("insufficient_quota", "quota", "billing", "credit balance")
    mapping: list[tuple[type[BaseException], ErrorCode]] = [
        (litellm.ContextWindowExceededError, ErrorCode.DETERMINISTIC_FAILURE),
        (litellm.ContentPolicyViolationError, ErrorCode.DETERMINISTIC_FAILURE),
        (litellm.BudgetExceededError, ErrorCode.QUOTA_EXHAUSTED),
        (litellm.RateLimitError, ErrorCode.RATE_LIMIT),
        (litellm.Timeout, ErrorCode.TIMEOUT),
        (litellm.AuthenticationError, ErrorCode.PROVIDER_UNHEALTHY),
        (litellm.PermissionDeniedError, ErrorCode.PROVIDER_UNHEALTHY),
        (litellm.NotFoundError, ErrorCode.PROVIDER_UNHEALTHY),
        (litellm.BadRequestError, ErrorCode.DETERMINISTIC_FAILURE),
        (litellm.UnprocessableEntityError, ErrorCode.DETERMINISTIC_FAILURE),
        (litellm.ServiceUnavailableError, ErrorCode.TRANSIENT_ERROR),
        (litellm.InternalServerError, ErrorCode.TRANSIENT_ERROR),
        (litellm.APIConnectionError, ErrorCode.TRANSIENT_ERROR),
        (litellm.APIError, ErrorCode.TRANSIENT_ERROR),
    ]
    for exception_class, code in mapping:
        if isinstance(ex, exception_class):
            if code is ErrorCode.RATE_LIMIT and any(word in text.lower() for word in quota_words):
                code = ErrorCode.QUOTA_EXHAUSTED
            return LlmError(code, text, provider_error=type(ex).__name__)
    if isinstance(ex, TimeoutError):
        return LlmError(ErrorCode.TIMEOUT, text, provider_error=type(ex).__name__)
    return LlmError(ErrorCode.TRANSIENT_ERROR, text, provider_error=type(ex).__name__)
