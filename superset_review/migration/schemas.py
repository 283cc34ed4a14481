"""Request and response bodies of the migration API (the contract's M, C and quarantine rows)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from superset_review.extension.fields import MAX_ID
from superset_review.migration.evolution import SchemaDiffResultSchema
from superset_review.migration.models import KeyStrategy, MigrationState, SchemaChangePolicy
from superset_review.onboarding.profiles import VALIDATION_CHECKS
from superset_review.onboarding.schemas import HashesSchema

COLUMN_MAX = 255
KEY_COLUMNS_MAX = 16
IDS_MAX = 10_000


class StartMigrationSchema(Schema):
    """The body of ``POST /runs/<run_id>/migration``."""

    class Meta:
        unknown = RAISE

    dry_run = fields.Boolean(load_default=False, metadata={"description": "The plan only: nothing is written"})
    key_columns = fields.List(
        fields.String(validate=validate.Length(min=1, max=COLUMN_MAX)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=KEY_COLUMNS_MAX),
        metadata={"description": "Target columns of the key; null: the pre-flight picks it"},
    )
    validations = fields.List(
        fields.String(validate=validate.OneOf(VALIDATION_CHECKS)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=len(VALIDATION_CHECKS)),
        metadata={"description": "null: the threshold profile's migration.validation_checks"},
    )
    schema_change_policy = fields.String(
        load_default=SchemaChangePolicy.APPROVE_MANUALLY.value,
        validate=validate.OneOf([policy.value for policy in SchemaChangePolicy]),
    )


class PromoteSchema(Schema):
    class Meta:
        unknown = RAISE

    confirm = fields.Boolean(required=True, metadata={"description": "true: apply the promotion"})


class QuarantineRetrySchema(Schema):
    class Meta:
        unknown = RAISE

    ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=IDS_MAX),
        metadata={"description": "The rows to retry; null: every open row"},
    )


class QuarantineReleaseSchema(Schema):
    class Meta:
        unknown = RAISE

    ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID)),
        required=True,
        validate=validate.Length(min=1, max=IDS_MAX),
    )


# --- responses (documentation of the OpenAPI spec) -------------------------------------------------------------


class MigrationKeySchema(Schema):
    strategy = fields.String(allow_none=True, metadata={"enum": [key.value for key in KeyStrategy]})
    columns = fields.List(fields.String())


class ValidationEntrySchema(Schema):
    check = fields.String()
    state = fields.String(metadata={"enum": ["pending", "passed", "failed"]})
    detail = fields.Raw(allow_none=True)


class PreflightEntrySchema(Schema):
    check = fields.String()
    ok = fields.Boolean()
    message = fields.String()


class MigrationSchema(Schema):
    run_id = fields.String()
    state = fields.String(metadata={"enum": [state.value for state in MigrationState]})
    dry_run = fields.Boolean()
    strategy = fields.String(allow_none=True, metadata={"enum": ["elt", "etl"]})
    strategy_reason = fields.String(allow_none=True)
    key = fields.Nested(MigrationKeySchema)
    validations = fields.List(fields.Nested(ValidationEntrySchema))
    preflight = fields.List(fields.Nested(PreflightEntrySchema))
    schema_change_policy = fields.String(metadata={"enum": [policy.value for policy in SchemaChangePolicy]})
    chunks_total = fields.Integer()
    chunks_done = fields.Integer()
    rows_in = fields.Integer()
    rows_out = fields.Integer()
    quarantined = fields.Integer()
    throughput_rows_per_s = fields.Float(allow_none=True)
    eta_seconds = fields.Float(allow_none=True)
    staging_table = fields.String(allow_none=True)
    final_table = fields.String(allow_none=True)
    dataset_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    error_code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)
    plan = fields.Dict(allow_none=True, metadata={"description": "The plan: its SQL, the estimated chunks"})
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    promoted_at = fields.String(allow_none=True)
    version = fields.Integer()


class ChunkSchema(Schema):
    chunk_id = fields.Raw()
    status = fields.String(metadata={"enum": ["pending", "leased", "done", "failed"]})
    content_hash = fields.String(allow_none=True)
    row_count_in = fields.Integer(allow_none=True)
    row_count_out = fields.Integer(allow_none=True)
    validations = fields.Raw(allow_none=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    attempts = fields.Integer(allow_none=True)
    next_action = fields.String(allow_none=True)


class MigrationResponseSchema(Schema):
    migration = fields.Nested(MigrationSchema)
    chunks = fields.List(fields.Nested(ChunkSchema))
    hashes = fields.Nested(HashesSchema)


class MigrationStartedSchema(MigrationResponseSchema):
    task = fields.Dict(allow_none=True)


class QuarantineDiffSchema(Schema):
    column = fields.String()
    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)


class QuarantineRowSchema(Schema):
    id = fields.Integer()
    chunk_id = fields.Raw()
    key = fields.Raw()
    reason_codes = fields.List(fields.String())
    masked_preview_before = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    masked_preview_after = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    diff = fields.List(fields.Nested(QuarantineDiffSchema))
    created_at = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": ["open", "retried", "released"]})


class QuarantineListSchema(Schema):
    count = fields.Integer()
    result = fields.List(fields.Nested(QuarantineRowSchema))
    hashes = fields.Nested(HashesSchema)


class QuarantineChangedSchema(MigrationResponseSchema):
    ids = fields.List(fields.Integer())


class SchemaDiffResponseSchema(Schema):
    """``GET /runs/<run_id>/migration/schema_diff``: the diff against the previous run into the target, the rules,
    the previous plan's mappings as this run reads them, and the policy's decision."""

    result = fields.Nested(SchemaDiffResultSchema)
    hashes = fields.Nested(HashesSchema)
