"""The run contract (v1): what a run may do, fixed before it starts, and the hash every artifact echoes.

A contract is a JSON object with the normative keys below, checked by :class:`RunContractSchema` (unknown keys are
refused: a typo must not become a silently ignored setting). Its **canonical JSON** has sorted keys, no whitespace and
UTF-8 text; its **contract hash** is the SHA-256 of that text. The mode is immutable once the run starts: changing it
means a new contract version (:func:`with_mode`), with a new hash.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from ulid import ULID

from superset_review.extension.hashing import canonical_hash
from superset_review.extension.hashing import canonical_json as canonical_json  # re-exported: others import it here
from superset_review.onboarding.models import RunMode, Stage

CONTRACT_VERSION = "1"
ROADMAP_VERSION = "1.0.0"
DSL_VERSION = "1.0.0"
DEFAULT_PROFILE = "tp_default_v1"
NAME_MAX = 255
LOCATION_MAX = 2048
ROUTING_PROFILES = ("quality_first", "cost_first", "latency_first", "offline_first")
LANES = ("interactive_fast", "flex_bg", "batch_jobs")
CACHE_SCOPES = ("run", "user", "global", "none")
PII_POLICIES = ("mask", "drop", "allow_hashed")


class SourceSchema(Schema):
    """Where one side's rows come from: a file (an upload id) or SQL (a Superset database and a table or query)."""

    class Meta:
        unknown = RAISE

    type = fields.String(required=True, validate=validate.OneOf(("file", "sql")))


class SideSchema(Schema):
    """``lhs`` (the source) or ``rhs`` (the target)."""

    class Meta:
        unknown = RAISE

    source = fields.Nested(SourceSchema, required=True)
    # file: an upload id; sql: "<database_id>:<schema>.<table>" or "<database_id>:query"; rhs: "dataset:<id>" or
    # "yaml" (the schema in schema_ref).
    location = fields.String(required=True, validate=validate.Length(min=1, max=LOCATION_MAX))
    # The side's schema, when it is given rather than read: a YAML target schema's text, a query's SQL, or null.
    schema_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200_000))


class SampleCapsSchema(Schema):
    class Meta:
        unknown = RAISE

    rows_max = fields.Integer(load_default=1000, strict=True, validate=validate.Range(min=1, max=100_000))
    bytes_max = fields.Integer(load_default=4_000_000, strict=True, validate=validate.Range(min=1024, max=64_000_000))


class StageBudgetSchema(Schema):
    class Meta:
        unknown = RAISE

    tokens = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0))
    usd = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))


def _budget_caps_default() -> dict[str, Any]:
    return {stage.value: {"tokens": None, "usd": None} for stage in Stage}


class RunContractSchema(Schema):
    """The normative keys of contract v1. Defaults fill what a user may leave out; ``run_id`` is minted if absent."""

    class Meta:
        unknown = RAISE

    contract_version = fields.String(load_default=CONTRACT_VERSION, validate=validate.Equal(CONTRACT_VERSION))
    run_id = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9A-HJKMNP-TV-Z]{26}$"))
    roadmap_version = fields.String(load_default=ROADMAP_VERSION, validate=validate.Equal(ROADMAP_VERSION))
    mode = fields.String(load_default=RunMode.METADATA_ONLY.value, validate=validate.OneOf([m.value for m in RunMode]))
    lane_hint = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANES))
    lhs = fields.Nested(SideSchema, required=True)
    rhs = fields.Nested(SideSchema, required=True)
    pii_policy = fields.String(load_default="mask", validate=validate.OneOf(PII_POLICIES))
    budget_caps = fields.Dict(
        keys=fields.String(validate=validate.OneOf([s.value for s in Stage])),
        values=fields.Nested(StageBudgetSchema),
        load_default=_budget_caps_default,
    )
    routing_profile = fields.String(load_default="quality_first", validate=validate.OneOf(ROUTING_PROFILES))
    providers_allow = fields.List(fields.String(validate=validate.Length(min=1, max=80)), load_default=list,
                                  validate=validate.Length(max=50))  # fmt: skip
    providers_deny = fields.List(fields.String(validate=validate.Length(min=1, max=80)), load_default=list,
                                 validate=validate.Length(max=50))  # fmt: skip
    threshold_profile_id = fields.String(load_default=DEFAULT_PROFILE, validate=validate.Length(min=1, max=80))
    dsl_version = fields.String(load_default=DSL_VERSION, validate=validate.Equal(DSL_VERSION))
    sample_caps = fields.Nested(SampleCapsSchema, load_default=lambda: SampleCapsSchema().load({}))
    cache_scope = fields.String(load_default="run", validate=validate.OneOf(CACHE_SCOPES))
    human_confirm_required = fields.Boolean(load_default=True)
    rbac_actor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=NAME_MAX))
    audit_tags = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=80)),
        values=fields.String(validate=validate.Length(max=200)),
        load_default=dict,
        validate=validate.Length(max=20),
    )

    @validates_schema
    def _sides(self, data: dict[str, Any], **_: Any) -> None:
        if data["rhs"]["source"]["type"] != "sql":
            raise ValidationError("the target (rhs) is a Superset dataset or a YAML schema: source.type is sql",
                                  field_name="rhs")  # fmt: skip
        location = data["rhs"]["location"]
        if not (location.startswith("dataset:") or location == "yaml"):
            raise ValidationError('rhs.location is "dataset:<id>" or "yaml"', field_name="rhs")
        if location == "yaml" and not data["rhs"].get("schema_ref"):
            raise ValidationError("a YAML target needs its schema in rhs.schema_ref", field_name="rhs")


def contract_hash(contract: dict[str, Any]) -> str:
    return canonical_hash(contract)


def new_run_id() -> str:
    return str(ULID())


def is_run_id(text: str) -> bool:
    """A run id is a ULID in its canonical spelling (26 Crockford base-32 characters, upper case)."""
    try:
        return len(text) == 26 and str(ULID.from_str(text)) == text
    except ValueError:
        return False


def load_contract(data: Any, actor: str | None) -> dict[str, Any]:
    """A checked contract with its defaults, a run id and the acting user's name (``rbac_actor`` is the caller, not a
    value a request may set to someone else). Raises marshmallow's ValidationError naming each bad key."""
    if not isinstance(data, dict):
        raise ValidationError("the contract is a JSON object", field_name="_schema")
    contract: dict[str, Any] = RunContractSchema().load(data)
    if contract["run_id"] is None:
        contract["run_id"] = new_run_id()
    contract["rbac_actor"] = actor
    plain: dict[str, Any] = json.loads(canonical_json(contract))  # JSON types only: what is stored is what is hashed
    return plain


def with_mode(contract: dict[str, Any], mode: RunMode) -> dict[str, Any]:
    """The next contract version with another mode (same run id): a new hash."""
    return {**contract, "mode": mode.value}
