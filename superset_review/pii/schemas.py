from marshmallow import Schema, fields

from superset_review.extension.fields import bounded_integer


class EvidenceSchema(Schema):
    rule = fields.String()
    matched = fields.Integer()
    sampled = fields.Integer()
    detail = fields.String()


class ColumnPiiSchema(Schema):
    column = fields.String()
    pii_type = fields.String(allow_none=True)
    confidence = fields.Float()
    empty = fields.Boolean(metadata={"description": "No non-empty value was read: no verdict from the name alone"})
    name_hint = fields.String(allow_none=True, metadata={"description": "For an empty column: what its name suggests"})
    evidence = fields.List(fields.Nested(EvidenceSchema))


class DatasetScanSchema(Schema):
    dataset_id = fields.Integer()
    dataset_name = fields.String()
    sampled_rows = fields.Integer()
    sample_caps = fields.Dict()
    policy_version = fields.String()
    columns = fields.List(fields.Nested(ColumnPiiSchema))


class DatasetScanRequestSchema(Schema):
    rows = bounded_integer(1, 1_000_000, load_default=None, allow_none=True)
