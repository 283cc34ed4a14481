from marshmallow import Schema, fields, validate

from superset_review.llm.routing import RoutingProfile


class MessageSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(["system", "user", "assistant"]))
    content = fields.String(required=True)


class PolicyCheckSchema(Schema):
    """A call described without being made: what the policy would decide, mask and estimate."""

    feature = fields.String(required=True, validate=validate.Length(min=1, max=100))
    stage = fields.String(load_default="default", validate=validate.Length(min=1, max=100))
    contains_data = fields.Boolean(load_default=False)
    sample_rows = fields.Integer(load_default=0, validate=validate.Range(min=0))
    local_only_override = fields.Boolean(load_default=False)
    profile = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf([p.value for p in RoutingProfile])
    )
    messages = fields.List(fields.Nested(MessageSchema), load_default=list)
    max_tokens = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class PolicyResponseSchema(Schema):
    policy = fields.Dict(required=True)
    models = fields.List(fields.Dict(), required=True)
    routing_profile = fields.String(required=True)
    llm_configured = fields.Boolean(required=True)


class PolicyCheckResponseSchema(Schema):
    decision = fields.Dict(required=True)
    masked_messages = fields.List(fields.Nested(MessageSchema), required=True)
    pii_masked_count = fields.Integer(required=True)
    estimate = fields.Dict(allow_none=True)
