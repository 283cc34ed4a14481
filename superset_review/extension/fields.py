"""Marshmallow fields for values users send: bounded in size and depth, never posing as what the code stores."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

from superset_review.extension.i18n import I18N_KEY, Text, carries_kept_text

# Ids are PostgreSQL integers: a larger one names nothing (and would fail in the database).
MAX_ID = 2**31 - 1
# How deep a user value (an answer, an override) may nest: a filter's list of values is 2.
MAX_VALUE_DEPTH = 8
MAX_VALUE_CHARS = 20_000


def json_depth(value: Any) -> int:
    """How deep a parsed JSON value nests (iteratively: a deep value must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest


class Id(fields.Integer):
    """The id of a row (a dataset, a session): a positive integer within PostgreSQL's integer range."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def bounded_integer(minimum: int = 0, maximum: int = MAX_ID, **kwargs: Any) -> fields.Integer:
    """An integer field within PostgreSQL's integer range (a version, an index, a count)."""
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)


class UserValue(fields.Raw):
    """A JSON value from a user (an answer, an override): bounded in depth and size, and refused when it carries the
    shape of a kept Text (an ``i18n`` key or a ``{msgid, params}`` object), which it must never pose as."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if json_depth(value) > MAX_VALUE_DEPTH:
            raise ValidationError(Text("a value nests at most %(max)d levels deep", max=MAX_VALUE_DEPTH))
        if len(json.dumps(value, default=str)) > MAX_VALUE_CHARS:
            raise ValidationError(Text("a value holds at most %(max)d characters", max=MAX_VALUE_CHARS))
        if carries_kept_text(value):
            raise ValidationError(
                Text(
                    "a value may not hold an '%(key)s' key nor an object of exactly 'msgid' and 'params'",
                    key=I18N_KEY,
                )
            )
        return super()._deserialize(value, attr, data, **kwargs)


class UtcTimestamp(fields.String):
    """A stored time (naive, in UTC) as ISO 8601 without an offset: documented as a plain string, since an OpenAPI
    ``date-time`` needs an offset that these values, and the workspace that reads them (appending ``Z``), do not
    have."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"description": "UTC, ISO 8601 without an offset", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
