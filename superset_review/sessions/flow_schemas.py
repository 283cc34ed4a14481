"""Request bodies of clarification and execution endpoints."""

from typing import Any

from marshmallow import Schema, fields, post_dump, validate

from superset_review.extension.fields import UserValue, UtcTimestamp, bounded_integer
from superset_review.extension.i18n import I18N_KEY, localize


class AnswerSchema(Schema):
    version = bounded_integer(1, required=True)
    topic = fields.String(required=True, validate=validate.Length(min=1, max=600))
    option = bounded_integer(
        0, 10_000, load_default=None, allow_none=True, metadata={"description": "Index of an offered option"}
    )
    value = UserValue(load_default=None, allow_none=True, metadata={"description": "A free answer (no option)"})


class TopicActionSchema(Schema):
    version = bounded_integer(1, required=True)
    topic = fields.String(required=True, validate=validate.Length(min=1, max=600))


class MappingChangeSchema(Schema):
    variable = fields.String(required=True, validate=validate.Length(min=1, max=500))
    value = UserValue(required=True, allow_none=True)
    why = fields.String(required=True, validate=validate.Length(min=3, max=1000))


class MappingChangesSchema(Schema):
    version = bounded_integer(1, required=True)
    changes = fields.List(fields.Nested(MappingChangeSchema), required=True, validate=validate.Length(min=1, max=500))


class ApprovalSchema(Schema):
    version = bounded_integer(1, required=True)
    variables = fields.List(
        fields.String(validate=validate.Length(min=1, max=500)), load_default=None, allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "Variables to approve; omitted: every mapping that needs approval"},
    )  # fmt: skip


class RunSchema(Schema):
    id = fields.Integer()
    uuid = fields.String()
    session_id = fields.Integer()
    username = fields.String(allow_none=True)
    dataset_id = fields.Integer(allow_none=True)
    database_id = fields.Integer(allow_none=True)
    inputs = fields.Raw()
    fingerprint = fields.String(allow_none=True)
    compiled_sql = fields.String(allow_none=True)
    sqllab_url = fields.String(allow_none=True)
    outcome = fields.String()
    error = fields.String(allow_none=True)
    created_on = UtcTimestamp()

    @post_dump(pass_original=True)
    def _in_readers_language(self, data: dict[str, Any], run: Any, **kwargs: Any) -> dict[str, Any]:
        return localize({**data, I18N_KEY: run.i18n}) if run.i18n else data
