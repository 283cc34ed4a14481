"""Onboarding runs: a run, its contract versions, its artifacts, its mappings, its ledger; the uploads a run reads and
the threshold profiles that gate its stages. Schema: migration ``0012_onboarding_runs``.

Evidence is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE): contract versions, artifacts, ledger events,
threshold profile versions. The run row and its mapping rows hold the current state, and each change of them writes
a ledger event in the same transaction.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel
from superset_review.tasks.models import now


class RunMode(StrEnum):
    METADATA_ONLY = "metadata_only"  # names, types and statistics only: no row leaves the source
    DATA_MODE = "data_mode"  # a Sample Pack is drawn (masked by domain) and pipelines run on it


class RunStatus(StrEnum):
    CREATED = "created"  # the contract is stored, no stage has started: the mode may still change (a new version)
    RUNNING = "running"  # a stage has started: the mode is fixed
    STOPPED = "stopped"  # stopped by a user: kept as it was, takes no more stages
    FAILED = "failed"  # a stage failed for good (its error is on the run); the last good artifacts stay
    COMPLETED = "completed"  # every stage passed: the plan is ready for a migration (issue 15)


class Stage(StrEnum):
    INGEST = "ingest"
    DOMAINS = "domains"
    MAPPING = "mapping"
    ANALYSIS = "analysis"


STAGES: tuple[Stage, ...] = (Stage.INGEST, Stage.DOMAINS, Stage.MAPPING, Stage.ANALYSIS)


class StageState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    HELD = "held"  # ran, but a person must decide before the next stage (mappings on hold, confirmation required)
    FAILED = "failed"


class ArtifactKind(StrEnum):
    CATALOG = "catalog"  # the Standard Schema Catalog of the source (LHS)
    SHIM = "shim"  # the standardization plan applied at ingest (a DSL plan)
    SAMPLE_PACK = "sample_pack"  # data_mode: the masked, deterministic sample (raw rows stay in a server-side file)
    TARGET_SCHEMA = "target_schema"  # the RHS: a Superset dataset's columns or a YAML target schema, normalised
    MAPPING_PLAN = "mapping_plan"  # the mappings with their DSL, compiled SQL and Polars, rates and decisions
    ANALYSIS = "analysis"  # the quality report
    COST_ESTIMATE = "cost_estimate"
    POLICY_CHECK = "policy_check"


class MappingDecision(StrEnum):
    ACCEPT = "accept"
    HOLD = "hold"
    FIX = "fix"


class LedgerAction(StrEnum):
    START = "start"
    ACCEPT = "accept"
    HOLD = "hold"
    FIX = "fix"
    REJECT = "reject"
    RETRY = "retry"
    ESCALATE = "escalate"
    STOP = "stop"
    FAIL = "fail"
    PASSED = "passed"  # a stage passed its gate
    CONTRACT = "contract"  # a new contract version


class OnboardingUpload(ReviewModel):  # type: ignore[misc,valid-type]
    """A file a run may read: uploaded through the API (stored under REVIEW_ONBOARDING_DIR) or given to the CLI."""

    __tablename__ = "dataset_review_onboarding_uploads"

    id = sa.Column(sa.Integer, primary_key=True)
    upload_id = sa.Column(sa.String(36), nullable=False, unique=True, default=lambda: str(uuid.uuid4()))
    filename = sa.Column(sa.String(255), nullable=False)  # as the user named it (shown, never used as a path)
    path = sa.Column(sa.String(1024), nullable=False)  # where it is on the server
    bytes = sa.Column(sa.BigInteger, nullable=False)
    sha256 = sa.Column(sa.String(64), nullable=False)
    created_by = sa.Column(sa.Integer, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)


class OnboardingRun(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_onboarding_runs"

    id = sa.Column(sa.Integer, primary_key=True)
    run_id = sa.Column(sa.String(26), nullable=False, unique=True)  # the contract's ULID
    name = sa.Column(sa.String(250), nullable=False)
    contract = sa.Column(sa.JSON, nullable=False)  # the current contract version, canonical
    contract_hash = sa.Column(sa.String(64), nullable=False)
    contract_version = sa.Column(sa.Integer, nullable=False, default=1)
    mode = sa.Column(sa.String(20), nullable=False)
    status = sa.Column(sa.String(20), nullable=False, default=RunStatus.CREATED.value)
    stage = sa.Column(sa.String(20), nullable=False, default=Stage.INGEST.value)  # the stage to run or running
    stages = sa.Column(sa.JSON, nullable=False)  # {stage: {"state", "artifact_hash", "task_id", "error"}}
    target_dataset_id = sa.Column(sa.Integer, nullable=True, index=True)
    task_id = sa.Column(sa.Integer, nullable=True)  # the background task of the running stage
    error = sa.Column(sa.JSON, nullable=True)  # {"code", "message", "stage", "detail"} of the last failure
    version = sa.Column(sa.Integer, nullable=False, default=1)  # bumped by every change: the run's strong ETag
    created_by = sa.Column(sa.Integer, nullable=True, index=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=now, onupdate=now)
    started_on = sa.Column(sa.DateTime, nullable=True)
    stopped_on = sa.Column(sa.DateTime, nullable=True)


class RunContractVersion(ReviewModel):  # type: ignore[misc,valid-type]
    """Every version of a run's contract, append-only (a mode change is a new version)."""

    __tablename__ = "dataset_review_run_contracts"

    id = sa.Column(sa.Integer, primary_key=True)
    run_pk = sa.Column(sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True)
    version = sa.Column(sa.Integer, nullable=False)
    contract = sa.Column(sa.JSON, nullable=False)
    contract_hash = sa.Column(sa.String(64), nullable=False)
    reason = sa.Column(sa.String(500), nullable=True)
    created_by = sa.Column(sa.Integer, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)

    __table_args__ = (sa.UniqueConstraint("run_pk", "version", name="uq_dataset_review_run_contracts_version"),)


class RunArtifact(ReviewModel):  # type: ignore[misc,valid-type]
    """One version of one artifact of a run, append-only; it echoes the contract hash it was made under."""

    __tablename__ = "dataset_review_run_artifacts"

    id = sa.Column(sa.Integer, primary_key=True)
    run_pk = sa.Column(sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True)
    kind = sa.Column(sa.String(40), nullable=False)
    version = sa.Column(sa.Integer, nullable=False)
    content_hash = sa.Column(sa.String(64), nullable=False)  # stable_hash(body)
    contract_hash = sa.Column(sa.String(64), nullable=False)
    body = sa.Column(sa.JSON, nullable=False)  # masked: what an API caller or an LLM may see
    path = sa.Column(sa.String(1024), nullable=True)  # a server-side file beside it (a Sample Pack's raw rows)
    created_by = sa.Column(sa.Integer, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)

    __table_args__ = (sa.UniqueConstraint("run_pk", "kind", "version", name="uq_dataset_review_run_artifacts_version"),)


class RunMapping(ReviewModel):  # type: ignore[misc,valid-type]
    """The current mapping of one target column of a run: its pipeline, its rates on the Sample Pack, its decision."""

    __tablename__ = "dataset_review_run_mappings"

    id = sa.Column(sa.Integer, primary_key=True)
    run_pk = sa.Column(sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True)
    target = sa.Column(sa.String(255), nullable=False)
    sources = sa.Column(sa.JSON, nullable=False)  # [source column names]
    strategy = sa.Column(sa.String(40), nullable=False)  # atomic | compose | decompose | unit | type_alignment | none
    dsl = sa.Column(sa.JSON, nullable=False)  # a DSL pipeline: {"source", "ops": [...]} (transform_dsl)
    origin = sa.Column(sa.String(20), nullable=False)  # rules | llm | user
    decision = sa.Column(sa.String(10), nullable=False)  # accept | hold | fix
    confidence = sa.Column(sa.Float, nullable=False)
    success_rate = sa.Column(sa.Float, nullable=True)  # None in metadata_only: no sample to run on
    near_rate = sa.Column(sa.Float, nullable=True)
    fail_rate = sa.Column(sa.Float, nullable=True)
    rationale = sa.Column(sa.JSON, nullable=False)  # [reasons]
    examples = sa.Column(sa.JSON, nullable=True)  # masked before/after pairs from the Sample Pack
    version = sa.Column(sa.Integer, nullable=False, default=1)
    decided_by = sa.Column(sa.Integer, nullable=True)
    decided_on = sa.Column(sa.DateTime, nullable=True)
    changed_on = sa.Column(sa.DateTime, nullable=False, default=now, onupdate=now)

    __table_args__ = (sa.UniqueConstraint("run_pk", "target", name="uq_dataset_review_run_mappings_target"),)


class RunEvent(ReviewModel):  # type: ignore[misc,valid-type]
    """The run's ledger: every stage decision, append-only, with the hashes it was made on."""

    __tablename__ = "dataset_review_run_events"

    id = sa.Column(sa.Integer, primary_key=True)
    run_pk = sa.Column(sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True)
    stage = sa.Column(sa.String(20), nullable=False)
    action = sa.Column(sa.String(20), nullable=False)  # LedgerAction
    subject = sa.Column(sa.String(255), nullable=True)  # a target column, an artifact kind
    inputs_hash = sa.Column(sa.String(64), nullable=True)
    outputs_hash = sa.Column(sa.String(64), nullable=True)
    contract_hash = sa.Column(sa.String(64), nullable=False)
    policy_version = sa.Column(sa.String(64), nullable=True)
    dsl_version = sa.Column(sa.String(20), nullable=True)
    confirmed_by = sa.Column(sa.Integer, nullable=True)  # the person who confirmed, when the contract asked for one
    actor_id = sa.Column(sa.Integer, nullable=True)
    detail = sa.Column(sa.JSON, nullable=True)  # masked
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)


class ThresholdProfile(ReviewModel):  # type: ignore[misc,valid-type]
    """One version of a threshold profile (``tp_default_v1`` ...), append-only; the current one is the highest."""

    __tablename__ = "dataset_review_threshold_profiles"

    id = sa.Column(sa.Integer, primary_key=True)
    profile_id = sa.Column(sa.String(80), nullable=False)
    version = sa.Column(sa.Integer, nullable=False)
    body = sa.Column(sa.JSON, nullable=False)
    content_hash = sa.Column(sa.String(64), nullable=False)
    note = sa.Column(sa.String(500), nullable=True)
    created_by = sa.Column(sa.Integer, nullable=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=now)

    __table_args__ = (
        sa.UniqueConstraint("profile_id", "version", name="uq_dataset_review_threshold_profiles_version"),
    )
