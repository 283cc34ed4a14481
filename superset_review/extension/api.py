"""The base every REST API of the extension derives from: one reading of request bodies, one mapping of errors."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, Response, request
from marshmallow import Schema, ValidationError
from sqlalchemy.orm.exc import StaleDataError
from superset.commands.exceptions import CommandException
from superset.extensions import db
from superset.views.base_api import BaseSupersetApi
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, DatasetQueryError
from superset_review.extension.constants import VIEW_MENU
from superset_review.extension.errors import ErrorCode, ReviewError, code_for_status
from superset_review.extension.fields import MAX_ID, json_depth
from superset_review.extension.flags import extension_enabled, is_enabled
from superset_review.extension.i18n import Text, in_readers_language, message_of
from superset_review.llm.errors import LlmError

if TYPE_CHECKING:
    from flask_appbuilder import AppBuilder

logger = logging.getLogger(__name__)

# JSON bodies and values nest no deeper than this (the deepest body the API documents nests 4 levels).
MAX_JSON_DEPTH = 32

F = TypeVar("F", bound=Callable[..., Response])


def whole_number(raw: str, maximum: int) -> int | None:
    """``raw`` as an integer from 1 to ``maximum``, or None: ASCII digits only, at most 10 of them (an id's), so a
    long text never reaches int()."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= maximum:
        return int(raw)
    return None


def query_limit(default: int, maximum: int) -> int:
    """The ``limit`` query argument: an integer from 1 to ``maximum`` (``default`` when absent), else 400."""
    limit = whole_number(request.args.get("limit", str(default)), maximum)
    if limit is None:
        raise ReviewError(Text("limit must be an integer from 1 to %(max)d", max=maximum), ErrorCode.INVALID_REQUEST)
    return limit


class RequestBodyError(ReviewError):
    code = ErrorCode.INVALID_REQUEST


def safe(method: F) -> F:
    """FAB's ``safe`` for the extension: whatever the endpoint raises is answered by ``ReviewBaseApi.error_reply``
    (a status and code of the taxonomy, a message naming what was wrong), and path ids beyond the integer range
    answer 404 before the endpoint runs."""

    @functools.wraps(method)
    def wrapper(self: ReviewBaseApi, *args: Any, **kwargs: Any) -> Response:
        try:
            for name, value in kwargs.items():
                if isinstance(value, int) and not 0 <= value <= MAX_ID:
                    raise ReviewError(
                        Text("%(name)s %(value)s does not exist (ids go up to %(max)d)", name=name, value=value,
                             max=MAX_ID),
                        ErrorCode.NOT_FOUND,
                    )  # fmt: skip
            self.check_access(**kwargs)
            return method(self, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - every error gets its reply; unexpected ones are logged
            return self.error_reply(error)

    return wrapper  # type: ignore[return-value]


class ReviewBaseApi(BaseSupersetApi):
    """Routes under ``/api/v1/dataset_review/``, permissions on the ``DatasetReview`` view menu.

    Subclasses set ``route_base`` below that prefix and map each method to one of the extension's
    permissions in ``method_permission_name``. Endpoints read their body with :meth:`body` and let errors
    propagate: :func:`safe` answers them through :meth:`error_reply`.
    """

    resource_name = "dataset_review"
    class_permission_name = VIEW_MENU
    allow_browser_login = True
    openapi_spec_tag = "Dataset Review"
    # A feature flag of the extension the API's endpoints also need (404 when off, like the extension's own).
    feature_flag: str | None = None

    def create_blueprint(
        self,
        appbuilder: AppBuilder,
        endpoint: str | None = None,
        static_folder: str | None = None,
    ) -> Blueprint:
        blueprint: Blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        blueprint.before_request(self._refuse_when_disabled)
        return blueprint

    def reply(self, code: int, /, **body: Any) -> Response:
        """``self.response`` typed (FAB's helpers are untyped), with the body's Texts in the reader's language.
        Positional-only, as bodies have a key named ``status`` of their own (the health report's)."""
        response: Response = self.response(code, **in_readers_language(body))
        return response

    def check_access(self, **path: Any) -> None:
        """Raise when the current user may not see what the path names (before the body is read); APIs on an
        object with an owner override it."""

    def body(self, schema: Schema, required: bool = True) -> dict[str, Any]:
        """The request's JSON body loaded by ``schema``. Raises ReviewError: 415 for a body that is not JSON, 400 for
        JSON that does not parse, nests too deep or is not an object, and marshmallow's ValidationError (400 naming
        each wrong field). Without ``required``, a request with no body loads as ``{}``."""
        data = request.get_data(cache=True)
        if not data.strip() and (not required or request.is_json):
            payload: Any = {}
        elif not request.is_json:
            raise ReviewError(
                Text("send the body as JSON with the header 'Content-Type: application/json' (got '%(type)s')",
                     type=request.mimetype or "none"),
                ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            )  # fmt: skip
        else:
            try:
                payload = json.loads(data)
            except RecursionError:  # nested past what the parser follows
                raise RequestBodyError(
                    Text("the JSON body nests more than %(max)d levels deep", max=MAX_JSON_DEPTH)
                ) from None
            except ValueError as error:
                raise RequestBodyError(Text("the body is not valid JSON: %(error)s", error=str(error)[:200])) from None
        if json_depth(payload) > MAX_JSON_DEPTH:
            raise RequestBodyError(Text("the JSON body nests more than %(max)d levels deep", max=MAX_JSON_DEPTH))
        if not isinstance(payload, dict):
            raise RequestBodyError(Text("the JSON body must be an object ({...})"))
        loaded: dict[str, Any] = schema.load(payload)
        return loaded

    def error_reply(self, error: Exception) -> Response:
        """The one mapping of errors to replies: the transaction rolled back, the status and code of the taxonomy,
        the message for the user and the error's details."""
        db.session.rollback()
        status, code, message, details = describe(error)
        if status >= 500:
            logger.exception("%s answered %s", request.path, status, exc_info=error)
        return self.reply(status, message=message, error_code=code, **details)

    def _refuse_when_disabled(self) -> Response | None:
        if extension_enabled() and (self.feature_flag is None or is_enabled(self.feature_flag)):
            return None
        response: Response = self.response_404()
        return response


def describe(error: Exception) -> tuple[int, str, Any, dict[str, Any]]:
    """Status, code, message and details of any error an endpoint meets."""
    if isinstance(error, ReviewError):
        return error.status, str(error.code), error.message, dict(error.details)
    if isinstance(error, ValidationError):
        said = "; ".join(_field_errors(error.messages)[:3]) or str(error.messages)[:300]
        message = Text("invalid request: %(errors)s (see errors)", errors=said)
        return 400, ErrorCode.INVALID_REQUEST, message, {"errors": error.messages}
    if isinstance(error, LlmError):
        return error.error_class.http_status, error.code.value, error.message, {}
    if isinstance(error, DatasetNotFoundError):
        return 404, ErrorCode.DATASET_NOT_FOUND, message_of(error), {}
    if isinstance(error, DatasetAccessError):
        return 403, ErrorCode.DATASET_FORBIDDEN, message_of(error), {}
    if isinstance(error, DatasetQueryError):
        message = Text("the dataset's database did not answer: %(error)s", error=message_of(error))
        return 502, ErrorCode.DATABASE_UNAVAILABLE, message, {}
    if isinstance(error, StaleDataError):
        message = Text("the session changed while this request ran: reload it and retry")
        return 409, ErrorCode.SESSION_CHANGED, message, {}
    if isinstance(error, CommandException):
        status = int(getattr(error, "status", 500) or 500)
        return status, code_for_status(status), str(error.message), {}
    if isinstance(error, RequestEntityTooLarge):
        limit = request.max_content_length or 0
        message = Text("the request is larger than %(max)d bytes: send less", max=limit)
        return 413, ErrorCode.REQUEST_TOO_LARGE, message, {}
    if isinstance(error, HTTPException):
        status = error.code or 500
        return status, code_for_status(status), str(error.description), {}
    return 500, ErrorCode.INTERNAL_ERROR, Text("unexpected error: the server's log has the details"), {}


def _field_errors(messages: Any, where: str = "") -> list[str]:
    """marshmallow's nested messages as ``field.sub: message`` lines (the first of each field)."""
    if isinstance(messages, dict):
        lines: list[str] = []
        for name, value in messages.items():
            lines.extend(_field_errors(value, f"{where}.{name}" if where else str(name)))
        return lines
    if isinstance(messages, list) and messages and not isinstance(messages[0], (dict, list)):
        return [f"{where}: {str(messages[0])[:200]}" if where else str(messages[0])[:200]]
    if isinstance(messages, list):
        return [line for item in messages for line in _field_errors(item, where)]
    return [f"{where}: {str(messages)[:200]}" if where else str(messages)[:200]]
