from marshmallow import Schema, fields, validate

_STATUSES = ("ok", "degraded", "down")


class CheckSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(_STATUSES))
    reason = fields.String(required=True)
    latency_ms = fields.Float(required=True)


class HealthResponseSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(_STATUSES))
    version = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema), required=True)
    feature_flags = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True)
