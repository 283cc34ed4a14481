from marshmallow import Schema, fields

from superset_review.extension.fields import UtcTimestamp


class ToolSchema(Schema):
    name = fields.String()
    description = fields.String()
    permission = fields.String(metadata={"description": "The permission it needs: can_<permission> on DatasetReview"})
    parameters = fields.Dict(metadata={"description": "The tool's parameters as JSON schema"})
    max_rows = fields.Integer()
    max_bytes = fields.Integer()
    reads_rows = fields.Boolean()


class ToolListSchema(Schema):
    result = fields.List(fields.Nested(ToolSchema))


class ToolCallInfoSchema(Schema):
    id = fields.Integer(allow_none=True)
    rows = fields.Integer()
    bytes = fields.Integer()
    duration_ms = fields.Float()
    masking = fields.Dict()
    trimmed = fields.Boolean(metadata={"description": "Rows were left out to fit the tool's caps"})


class ToolInvocationSchema(Schema):
    result = fields.Raw(metadata={"description": "The tool's answer (see its description)"})
    call = fields.Nested(ToolCallInfoSchema)


class ToolInvokeRequestSchema(Schema):
    """The tool's parameters: see ``parameters`` in ``GET /tools/``."""


class ToolCallSchema(Schema):
    id = fields.Integer()
    uuid = fields.String()
    tool = fields.String()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    channel = fields.String()
    params_hash = fields.String()
    params_bytes = fields.Integer()
    rows = fields.Integer()
    bytes = fields.Integer()
    masking = fields.Dict(allow_none=True)
    outcome = fields.String()
    error_code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    duration_ms = fields.Float()
    created_on = UtcTimestamp()


class ToolCallListSchema(Schema):
    result = fields.List(fields.Nested(ToolCallSchema))
    count = fields.Integer()
