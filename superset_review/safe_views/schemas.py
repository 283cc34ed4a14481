"""Request and response bodies of the AI-safe views API (the definition itself: ``definition.ViewDefinitionSchema``)."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, post_load, validate

from superset_review.extension.fields import MAX_ID, Id, UtcTimestamp
from superset_review.safe_views.definition import MAX_FILTER_CHARS, ViewDefinition, ViewDefinitionSchema

MAX_NOTE = 500


class SafeViewUpdateSchema(ViewDefinitionSchema):
    """The body of ``PUT /safe_views/<id>``: the whole new definition and the version the client saw."""

    version = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_ID))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTE))

    @post_load
    def _definition(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:  # type: ignore[override]
        version, note = data.pop("version"), data.pop("note", None)
        return {"definition": ViewDefinition.from_dict(data), "version": version, "note": note}


class SafeViewReviewSchema(Schema):
    """The body of ``POST /safe_views/<id>/review``: the version the reviewer saw, and the definition if it changes."""

    class Meta:
        unknown = RAISE

    version = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_ID))
    definition = fields.Nested(ViewDefinitionSchema, load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTE))


class ValidateFilterSchema(Schema):
    class Meta:
        unknown = RAISE

    base_dataset_id = Id(required=True)
    row_filter = fields.String(required=True, validate=validate.Length(1, MAX_FILTER_CHARS))


class ValidFilterSchema(Schema):
    valid = fields.Boolean()
    sql = fields.String()


class SafeViewWrittenSchema(Schema):
    id = fields.Integer()
    dataset_id = fields.Integer(allow_none=True)
    sql = fields.String()
    version = fields.Integer()
    state = fields.String()


class SafeViewArchivedSchema(Schema):
    id = fields.Integer()
    state = fields.String()


class SafeViewSummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    base_dataset_id = fields.Integer()
    dataset_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    state = fields.String()
    stale_reason = fields.Dict(allow_none=True)
    changed_on = UtcTimestamp(allow_none=True)
    explore_url = fields.String(allow_none=True)


class SafeViewDetailSchema(SafeViewSummarySchema):
    uuid = fields.String()
    content_hash = fields.String()
    definition = fields.Dict()
    sql = fields.String()
    removed = fields.List(fields.String())
    redacted = fields.Dict()
    created_by = fields.Integer(allow_none=True)
    created_on = UtcTimestamp(allow_none=True)
    reviewed_by = fields.Integer(allow_none=True)
    reviewed_on = UtcTimestamp(allow_none=True)


class SafeViewGetSchema(Schema):
    result = fields.Nested(SafeViewDetailSchema)


class SafeViewListSchema(Schema):
    result = fields.List(fields.Nested(SafeViewSummarySchema))
    count = fields.Integer()


class SafeViewVersionSchema(Schema):
    version = fields.Integer()
    content_hash = fields.String()
    definition = fields.Dict()
    author_id = fields.Integer(allow_none=True)
    created_on = UtcTimestamp(allow_none=True)
    note = fields.String(allow_none=True)


class SafeViewVersionListSchema(Schema):
    result = fields.List(fields.Nested(SafeViewVersionSchema))
    count = fields.Integer()


class ProposedColumnSchema(Schema):
    name = fields.String()
    type = fields.String()
    domain = fields.String(allow_none=True)
    pii = fields.String(allow_none=True)
    band = fields.String(allow_none=True)
    included = fields.Boolean()
    redaction = fields.Dict(allow_none=True)
    reason = fields.String()


class ProposalSchema(Schema):
    name = fields.String()
    base_dataset_id = fields.Integer()
    columns = fields.List(fields.Nested(ProposedColumnSchema))
    domained = fields.Boolean()


class ProposalResultSchema(Schema):
    result = fields.Nested(ProposalSchema)


class PreviewSchema(Schema):
    columns = fields.List(fields.String())
    masked = fields.List(fields.List(fields.Raw(allow_none=True)))
    original = fields.List(fields.List(fields.Raw(allow_none=True)), allow_none=True)
    row_limit = fields.Integer()
