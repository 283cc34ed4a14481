from marshmallow import Schema, fields, validate

from superset_review.extension.fields import bounded_integer
from superset_review.llm.routing import RoutingProfile

# A dry run's prompt: as long as a model's context, no longer (the masking scans every character).
MAX_MESSAGE_CHARS = 200_000


class MessageSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(["system", "user", "assistant"]))
    content = fields.String(required=True, validate=validate.Length(max=MAX_MESSAGE_CHARS))


class DataSourceSchema(Schema):
    """Where the described call's rows would come from: an AI-safe view (its id) or a raw dataset (its id)."""

    kind = fields.String(required=True, validate=validate.OneOf(["safe_view", "dataset"]))
    id = bounded_integer(1, required=True)


class PolicyCheckSchema(Schema):
    """A call described without being made: what the policy would decide, mask and estimate."""

    feature = fields.String(required=True, validate=validate.Length(min=1, max=100))
    stage = fields.String(load_default="default", validate=validate.Length(min=1, max=100))
    contains_data = fields.Boolean(load_default=False)
    data_source = fields.Nested(DataSourceSchema, load_default=None, allow_none=True)
    sample_rows = bounded_integer(0, 1_000_000, load_default=0)
    local_only_override = fields.Boolean(load_default=False)
    profile = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf([p.value for p in RoutingProfile])
    )
    messages = fields.List(fields.Nested(MessageSchema), load_default=list, validate=validate.Length(max=100))
    max_tokens = bounded_integer(1, 10_000_000, load_default=None, allow_none=True)


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
