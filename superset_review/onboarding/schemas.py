"""Request and response bodies of the onboarding API (the contract itself: ``contract.RunContractSchema``; a threshold
profile's body: ``profiles.ThresholdProfileSchema``)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from superset_review.extension.fields import UserValue
from superset_review.onboarding.models import STAGES, MappingDecision, RunMode
from superset_review.tasks.schemas import TaskSchema

NAME_MAX = 250
NOTE_MAX = 500
TARGET_MAX = 255
SOURCES_MAX = 50


class CreateRunSchema(Schema):
    """The body of ``POST /runs/``: a name and the run contract (checked by the command, which names each bad key)."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    contract = fields.Dict(required=True, metadata={"description": "The run contract v1 (RunContractSchema)"})


class ChangeContractSchema(Schema):
    class Meta:
        unknown = RAISE

    mode = fields.String(required=True, validate=validate.OneOf([mode.value for mode in RunMode]))


class StartStageSchema(Schema):
    class Meta:
        unknown = RAISE

    confirm = fields.Boolean(load_default=False, metadata={"description": "A person confirms mappings on hold"})


class DecideMappingSchema(Schema):
    """The body of ``PUT /runs/<run_id>/mappings/<target>``: the decision, optionally a changed pipeline or sources."""

    class Meta:
        unknown = RAISE

    decision = fields.String(required=True, validate=validate.OneOf([decision.value for decision in MappingDecision]))
    dsl = UserValue(
        load_default=None, allow_none=True, metadata={"description": "A DSL pipeline {target, source, ops}"}
    )
    sources = fields.List(
        fields.String(validate=validate.Length(min=1, max=TARGET_MAX)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=SOURCES_MAX),
    )


class CompileSchema(Schema):
    class Meta:
        unknown = RAISE

    plan = UserValue(required=True, metadata={"description": "A DSL plan {dsl_version, pipelines}"})
    schema = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=TARGET_MAX)),
        values=fields.String(validate=validate.Length(min=1, max=20)),
        required=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Input column -> logical dtype"},
    )


class UpdateProfileSchema(Schema):
    class Meta:
        unknown = RAISE

    body = fields.Dict(required=True, metadata={"description": "The whole profile (ThresholdProfileSchema)"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=NOTE_MAX))


# --- responses (documentation of the OpenAPI spec) -------------------------------------------------------------


class HashesSchema(Schema):
    contract = fields.String(allow_none=True, metadata={"description": "The run's contract hash (sha256)"})
    policy = fields.String(metadata={"description": "sha256 of the policy manifest in force"})
    artifacts = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "kind -> hash"})


class StageEntrySchema(Schema):
    state = fields.String(metadata={"enum": ["pending", "running", "passed", "held", "failed"]})
    artifact_hash = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    error = fields.Dict(allow_none=True)


class ArtifactRefSchema(Schema):
    kind = fields.String()
    version = fields.Integer()
    content_hash = fields.String()


class RunSummarySchema(Schema):
    run_id = fields.String()
    name = fields.String()
    mode = fields.String(metadata={"enum": [mode.value for mode in RunMode]})
    status = fields.String(metadata={"enum": ["created", "running", "stopped", "failed", "completed"]})
    stage = fields.String(metadata={"enum": [stage.value for stage in STAGES]})
    contract_hash = fields.String()
    target_dataset_id = fields.Integer(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_on = fields.String()
    changed_on = fields.String()
    version = fields.Integer()


class RunSchema(RunSummarySchema):
    stages = fields.Dict(keys=fields.String(), values=fields.Nested(StageEntrySchema))
    contract = fields.Dict()
    contract_version = fields.Integer()
    error = fields.Dict(allow_none=True)
    artifacts = fields.List(fields.Nested(ArtifactRefSchema))
    task = fields.Nested(TaskSchema, allow_none=True)


class RunResponseSchema(Schema):
    result = fields.Nested(RunSchema)
    hashes = fields.Nested(HashesSchema)


class RunListResponseSchema(Schema):
    result = fields.List(fields.Nested(RunSummarySchema))
    count = fields.Integer()
    hashes = fields.Nested(HashesSchema)


class UploadSchema(Schema):
    upload_id = fields.String()
    filename = fields.String(metadata={"description": "The name the client gave, as a label only"})
    bytes = fields.Integer()
    sha256 = fields.String()


class UploadResponseSchema(Schema):
    result = fields.Nested(UploadSchema)
    hashes = fields.Nested(HashesSchema)


class StageStartedSchema(Schema):
    task = fields.Nested(TaskSchema)


class StageResponseSchema(Schema):
    result = fields.Nested(StageStartedSchema)
    hashes = fields.Nested(HashesSchema)


class ArtifactEntrySchema(ArtifactRefSchema):
    contract_hash = fields.String()
    created_on = fields.String()


class ArtifactListResponseSchema(Schema):
    result = fields.List(fields.Nested(ArtifactEntrySchema))
    hashes = fields.Nested(HashesSchema)


class ArtifactSchema(ArtifactRefSchema):
    contract_hash = fields.String()
    body = fields.Dict()


class ArtifactResponseSchema(Schema):
    result = fields.Nested(ArtifactSchema)
    hashes = fields.Nested(HashesSchema)


class MappingSchema(Schema):
    target = fields.String()
    sources = fields.List(fields.String())
    strategy = fields.String()
    dsl = fields.Dict()
    origin = fields.String(metadata={"enum": ["rules", "llm", "user"]})
    decision = fields.String(metadata={"enum": [decision.value for decision in MappingDecision]})
    confidence = fields.Float()
    success_rate = fields.Float(allow_none=True)
    near_rate = fields.Float(allow_none=True)
    fail_rate = fields.Float(allow_none=True)
    rationale = fields.List(fields.String())
    examples = fields.List(fields.Dict())
    compiled = fields.Dict(allow_none=True)
    version = fields.Integer()


class MappingResponseSchema(Schema):
    result = fields.Nested(MappingSchema)
    hashes = fields.Nested(HashesSchema)


class MappingListResponseSchema(Schema):
    result = fields.List(fields.Nested(MappingSchema))
    hashes = fields.Nested(HashesSchema)


class ReportResponseSchema(Schema):
    result = fields.Dict()
    hashes = fields.Nested(HashesSchema)


class EventSchema(Schema):
    id = fields.Integer()
    stage = fields.String()
    action = fields.String(metadata={"description": "start, passed, hold, fail, accept, fix, reject, retry, stop, ..."})
    subject = fields.String(allow_none=True)
    inputs_hash = fields.String(allow_none=True)
    outputs_hash = fields.String(allow_none=True)
    contract_hash = fields.String()
    policy_version = fields.String(allow_none=True)
    dsl_version = fields.String(allow_none=True)
    confirmed_by = fields.Integer(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    created_on = fields.String()
    detail = fields.Dict(allow_none=True)


class EventListResponseSchema(Schema):
    result = fields.List(fields.Nested(EventSchema))
    hashes = fields.Nested(HashesSchema)


class CompiledSchema(Schema):
    content_hash = fields.String()
    sql = fields.Dict(keys=fields.String(), values=fields.String())
    polars = fields.String()


class CompileResponseSchema(Schema):
    result = fields.Nested(CompiledSchema)
    hashes = fields.Nested(HashesSchema)


class ProfileSchema(Schema):
    profile_id = fields.String()
    version = fields.Integer()
    content_hash = fields.String()
    body = fields.Dict()
    note = fields.String(allow_none=True)
    created_on = fields.String()


class ProfileResponseSchema(Schema):
    result = fields.Nested(ProfileSchema)
    hashes = fields.Nested(HashesSchema)
