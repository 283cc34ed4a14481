"""What an AI-safe view is, as data: the base dataset, the column whitelist (in order), the row filter, a redaction
per column. Its content hash is the version's identity. The request body of ``POST /safe_views/`` loads into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from superset_review.extension.hashing import stable_hash

MAX_COLUMNS = 500
MAX_NAME = 250
MAX_FILTER_CHARS = 4000
MAX_KEEP = 64  # characters a mask may keep at either end
MAX_COLUMN_NAME = 255


class Operator(StrEnum):
    NULL = "null"  # the column stays, every value NULL (its type kept)
    HASH = "hash"  # salted, type-stable: an integer key hashes to an integer, a text to text; equal in, equal out
    MASK = "mask"  # text: keep_prefix / keep_suffix characters, the rest '*'
    GENERALIZE = "generalize"  # date/time: truncated to grain (month | year); number: floor to a multiple of bucket


class Grain(StrEnum):
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Redaction:
    operator: Operator
    keep_prefix: int = 0
    keep_suffix: int = 0
    grain: Grain | None = None
    bucket: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"operator": self.operator.value}
        if self.operator is Operator.MASK:
            out.update(keep_prefix=self.keep_prefix, keep_suffix=self.keep_suffix)
        if self.operator is Operator.GENERALIZE:
            out.update(grain=self.grain.value if self.grain else None, bucket=self.bucket)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Redaction:
        grain = data.get("grain")
        return cls(
            operator=Operator(data["operator"]),
            keep_prefix=int(data.get("keep_prefix") or 0),
            keep_suffix=int(data.get("keep_suffix") or 0),
            grain=Grain(grain) if grain else None,
            bucket=float(data["bucket"]) if data.get("bucket") is not None else None,
        )


@dataclass(frozen=True)
class ViewDefinition:
    base_dataset_id: int
    name: str
    columns: tuple[str, ...]  # the whitelist, in the view's order; a column not listed is not in the view
    row_filter: str | None = None
    redactions: dict[str, Redaction] = field(default_factory=dict)  # column -> redaction; absent: as it is

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_dataset_id": self.base_dataset_id,
            "name": self.name,
            "columns": list(self.columns),
            "row_filter": self.row_filter,
            "redactions": {column: self.redactions[column].to_dict() for column in sorted(self.redactions)},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ViewDefinition:
        return cls(
            base_dataset_id=int(data["base_dataset_id"]),
            name=str(data["name"]),
            columns=tuple(data["columns"]),
            row_filter=data.get("row_filter") or None,
            redactions={column: Redaction.from_dict(r) for column, r in (data.get("redactions") or {}).items()},
        )

    @property
    def content_hash(self) -> str:
        return stable_hash(self.to_dict())


class RedactionSchema(Schema):
    class Meta:
        unknown = RAISE

    operator = fields.String(required=True, validate=validate.OneOf([o.value for o in Operator]))
    keep_prefix = fields.Integer(load_default=0, allow_none=True, validate=validate.Range(0, MAX_KEEP))
    keep_suffix = fields.Integer(load_default=0, allow_none=True, validate=validate.Range(0, MAX_KEEP))
    grain = fields.String(load_default=None, allow_none=True, validate=validate.OneOf([g.value for g in Grain]))
    bucket = fields.Float(
        load_default=None, allow_none=True, allow_nan=False, validate=validate.Range(min=0, min_inclusive=False)
    )

    @validates_schema
    def _operator_fields(self, data: dict[str, Any], **_: Any) -> None:
        if data["operator"] == Operator.MASK.value and not (data.get("keep_prefix") or data.get("keep_suffix")):
            return  # a mask keeping nothing is allowed: every character becomes '*'
        if data["operator"] == Operator.GENERALIZE.value and not data.get("grain") and data.get("bucket") is None:
            raise ValidationError("generalize needs a grain (month or year, for dates) or a bucket (for numbers)")
        if data.get("grain") and data.get("bucket") is not None:
            raise ValidationError("give a grain (dates) or a bucket (numbers), not both")


class ViewDefinitionSchema(Schema):
    """The body of ``POST /safe_views/``. Shapes only: that the columns exist, the filter is allowed and the user may
    read the base dataset are checked by the command (422 naming the field, and the position in a filter)."""

    class Meta:
        unknown = RAISE

    base_dataset_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    name = fields.String(required=True, validate=validate.Length(1, MAX_NAME))
    columns = fields.List(
        fields.String(validate=validate.Length(1, MAX_COLUMN_NAME)),
        required=True,
        validate=validate.Length(1, MAX_COLUMNS, error="the whitelist needs 1 to {max} columns"),
    )
    row_filter = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_FILTER_CHARS))
    redactions = fields.Dict(
        keys=fields.String(validate=validate.Length(1, MAX_COLUMN_NAME)),
        values=fields.Nested(RedactionSchema),
        load_default=dict,
        validate=validate.Length(max=MAX_COLUMNS),
    )

    @validates_schema
    def _unique(self, data: dict[str, Any], **_: Any) -> None:
        columns = data.get("columns") or []
        if len(set(columns)) != len(columns):
            raise ValidationError("a column is listed twice", "columns")

    @post_load
    def _definition(self, data: dict[str, Any], **_: Any) -> ViewDefinition:
        return ViewDefinition.from_dict(data)


__all__ = ["Grain", "Operator", "Redaction", "RedactionSchema", "ViewDefinition", "ViewDefinitionSchema"]
