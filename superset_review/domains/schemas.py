"""The domain catalog as its API says it, and the bodies curators and reviewers send."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from superset_review.domains.catalog import MAX_NAME
from superset_review.domains.models import DeltaKind, DeltaState
from superset_review.extension.fields import UserValue, UtcTimestamp, bounded_integer

DELTA_STATES = [state.value for state in DeltaState]


class CatalogVersionSchema(Schema):
    version = fields.Integer(metadata={"description": "The stored version, 1 for the seeded built-in catalog"})
    content_hash = fields.String(metadata={"description": "sha256 of the catalog's canonical JSON"})
    state = fields.String(metadata={"enum": ["live", "retired"]})
    source = fields.String(metadata={"description": "builtin | import:<file name> | promotion"})
    parent_version = fields.Integer(allow_none=True)
    provenance = fields.Dict(
        allow_none=True,
        metadata={"description": "What made it: the deltas promoted with their authors, the auto-test, the import"},
    )
    created_by = fields.Integer(allow_none=True)
    created_on = UtcTimestamp(allow_none=True)
    promoted_by = fields.Integer(allow_none=True)
    promoted_on = UtcTimestamp(allow_none=True)


class LiveCatalogSchema(CatalogVersionSchema):
    staged = fields.Integer(metadata={"description": "How many deltas are staged for the next version"})
    catalog = fields.Dict(metadata={"description": "The catalog: name, version, hash and every domain in full"})


class CatalogVersionListSchema(Schema):
    result = fields.List(fields.Nested(CatalogVersionSchema))
    count = fields.Integer()


class DeltaSchema(Schema):
    uuid = fields.String()
    kind = fields.String(metadata={"enum": [kind.value for kind in DeltaKind]})
    domain = fields.String()
    payload = fields.Dict()
    state = fields.String(metadata={"enum": DELTA_STATES})
    base_version = fields.Integer(allow_none=True, metadata={"description": "The live version it was staged on"})
    origin = fields.Dict(allow_none=True, metadata={"description": "Where it came from (a review's feedback)"})
    test = fields.Dict(allow_none=True, metadata={"description": "Its result in the last auto-test"})
    promoted_in_version = fields.Integer(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_on = UtcTimestamp(allow_none=True)
    changed_on = UtcTimestamp(allow_none=True)


class DeltaListSchema(Schema):
    result = fields.List(fields.Nested(DeltaSchema))
    count = fields.Integer()


class StageDeltaSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([kind.value for kind in DeltaKind]))
    domain = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NAME))
    payload = UserValue(
        required=True,
        metadata={
            "type": "object",
            "description": "add_alias {alias, language}; add_regex {regex, strength}; add_example {example}; "
            "add_negative {negative}; add_domain / update_domain: a catalog entry's fields; remove_domain {}",
        },
    )
    origin = UserValue(load_default=None, metadata={"type": "object", "description": "Where the change came from"})


class PromoteSchema(Schema):
    expected_version = bounded_integer(1, required=True, metadata={"description": "The live version you tested"})


class StagedTestSchema(Schema):
    passed = fields.Boolean()
    content_hash = fields.String(metadata={"description": "The staged catalog's hash"})
    tested_domains = fields.Integer()
    failures = fields.Dict(metadata={"description": "Per failing domain: each check, its header and what it read"})
    deltas = fields.Dict(metadata={"description": "Per delta (uuid): whether it applies and passes"})
    seconds = fields.Float()


class AuditEntrySchema(Schema):
    id = fields.Integer()
    action = fields.String()
    subject = fields.String()
    actor_id = fields.Integer(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    created_on = UtcTimestamp(allow_none=True)


class AuditListSchema(Schema):
    result = fields.List(fields.Nested(AuditEntrySchema))
    count = fields.Integer()


class ThresholdProfileSchema(Schema):
    profile = fields.Dict(metadata={"description": "The weights and bands in use (ThresholdProfile)"})
    reliability = fields.List(
        fields.Dict(), allow_none=True,
        metadata={"description": "The reliability curve: bins of {lo, hi, mean_confidence, precision, count}"},
    )  # fmt: skip
    measured_on = fields.Raw(allow_none=True, metadata={"description": "The development sets it was measured on"})
    metrics = fields.Dict(allow_none=True)
