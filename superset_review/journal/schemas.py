from marshmallow import Schema, fields

from superset_review.extension.fields import UtcTimestamp


class JournalEntrySchema(Schema):
    id = fields.Integer()
    entity_type = fields.String()
    entity_id = fields.String()
    field = fields.String()
    old_value = fields.Raw(allow_none=True)
    new_value = fields.Raw(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    source = fields.String()
    created_on = UtcTimestamp()


class JournalListSchema(Schema):
    result = fields.List(fields.Nested(JournalEntrySchema))
    count = fields.Integer()
