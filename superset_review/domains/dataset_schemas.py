"""The domains of a dataset as the API says them, and the decision a person sends."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from superset_review.domains.commands.decide_column import DecisionAction
from superset_review.domains.models import AssignmentStatus
from superset_review.extension.fields import UtcTimestamp
from superset_review.tasks.schemas import TaskSchema

BANDS = ["high", "borderline", "low", "empty"]


class ColumnAssignmentSchema(Schema):
    column = fields.String(metadata={"description": "The column's name"})
    domain = fields.String(allow_none=True, metadata={"description": "The domain; null: unknown"})
    confidence = fields.Float(metadata={"description": "The classifier's confidence in the domain, 0 to 1"})
    band = fields.String(metadata={"description": "high, borderline, low (unknown) or empty", "enum": BANDS})
    pii = fields.String(allow_none=True, metadata={"description": "The PII class the domain carries; null: not PII"})
    status = fields.String(metadata={"enum": [status.value for status in AssignmentStatus]})
    evidence = fields.Dict(
        metadata={"description": "Header tokens, regex hits, unit cues, candidates and masked sample snippets"}
    )
    catalog_version = fields.Integer(allow_none=True)
    catalog_hash = fields.String()
    profile_id = fields.String(metadata={"description": "The threshold profile, e.g. tp_default_v1"})
    decided_by = fields.Integer(allow_none=True, metadata={"description": "The user who decided; null: proposed"})
    decided_on = UtcTimestamp(allow_none=True)
    changed_on = UtcTimestamp(allow_none=True)


class DatasetColumnDomainSchema(Schema):
    column_name = fields.String()
    type = fields.String(allow_none=True, metadata={"description": "The column's type in its database"})
    is_dttm = fields.Boolean(allow_none=True)
    written_back = fields.Dict(
        allow_none=True, metadata={"description": "The domain as written to the Superset column's extra, if any"}
    )
    assignment = fields.Nested(ColumnAssignmentSchema, allow_none=True)


class CatalogStampSchema(Schema):
    version = fields.Integer(allow_none=True, metadata={"description": "The live catalog's version (null: built in)"})
    content_hash = fields.String()
    profile_id = fields.String()


class DatasetDomainsSchema(Schema):
    dataset_id = fields.Integer()
    dataset_name = fields.String()
    database_id = fields.Integer(allow_none=True)
    catalog = fields.Nested(CatalogStampSchema)
    columns = fields.List(fields.Nested(DatasetColumnDomainSchema))
    tasks = fields.List(
        fields.Nested(TaskSchema), metadata={"description": "The dataset's domaining tasks, newest first"}
    )


class DomainDecisionSchema(Schema):
    action = fields.String(
        required=True,
        validate=validate.OneOf([action.value for action in DecisionAction]),
        metadata={"description": "approve the proposed domain, mark the column unknown, or override with domain"},
    )
    domain = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 120),
        metadata={"description": "For override: the catalog domain to assign"},
    )


class DomainDecisionResultSchema(Schema):
    assignment = fields.Nested(ColumnAssignmentSchema)
    written_back = fields.Dict(allow_none=True, metadata={"description": "What the Superset column's extra now says"})
