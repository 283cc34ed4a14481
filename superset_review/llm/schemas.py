from marshmallow import Schema, fields

from superset_review.extension.fields import UtcTimestamp


class LedgerEntrySchema(Schema):
    id = fields.Integer()
    created_on = UtcTimestamp()
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    feature = fields.String()
    stage = fields.String()
    lane = fields.String()
    operation = fields.String()
    provider = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    prompt_hash = fields.String(allow_none=True)
    tokens_in = fields.Integer()
    tokens_out = fields.Integer()
    cost_usd = fields.Float()
    estimated_tokens = fields.Integer(allow_none=True)
    estimated_cost_usd = fields.Float(allow_none=True)
    latency_ms = fields.Float()
    cache_hit = fields.Boolean()
    fallback_chain = fields.List(fields.Dict())
    pii_mask_applied = fields.Boolean()
    pii_masked_count = fields.Integer()
    local_only_override = fields.Boolean()
    policy_version = fields.String()
    outcome = fields.String()
    error_code = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)


class LedgerListSchema(Schema):
    result = fields.List(fields.Nested(LedgerEntrySchema))
    count = fields.Integer()
