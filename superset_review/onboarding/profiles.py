"""Threshold profiles: the numbers that gate a run's stages, stored, versioned and edited by ``can_admin``.

``tp_default_v1`` takes domaining's two thresholds from the profile fitted by ``bench/calibrate_domains.py``
(``domains/profiles/tp_default_v1.json``) so that a run and a review band a column alike; the rest are defaults a
user would expect of a loader (a mapping is accepted when 95% of the Sample Pack converts, and so on).
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from superset_review.domains.classify import TP_DEFAULT_V1
from superset_review.onboarding.contract import DEFAULT_PROFILE

VALIDATION_CHECKS = ("row_count", "checksum", "fk_check")


class DomainingThresholds(Schema):
    class Meta:
        unknown = RAISE

    tau_high = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    tau_low = fields.Float(required=True, validate=validate.Range(min=0, max=1))

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["tau_low"] > data["tau_high"]:
            raise ValidationError("tau_low may not exceed tau_high", field_name="tau_low")


class MappingThresholds(Schema):
    class Meta:
        unknown = RAISE

    accept_rate_min = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    # A pipeline whose success rate is within this window below accept_rate_min is a near match: held, not failed.
    near_match_window = fields.Float(required=True, validate=validate.Range(min=0, max=1))


class AnalysisThresholds(Schema):
    class Meta:
        unknown = RAISE

    null_rate_max = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    dup_key_rate_max = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    psi_max = fields.Float(required=True, validate=validate.Range(min=0, max=10))
    ks_max = fields.Float(required=True, validate=validate.Range(min=0, max=1))


class MigrationThresholds(Schema):
    class Meta:
        unknown = RAISE

    batch_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))
    validation_checks = fields.List(fields.String(validate=validate.OneOf(VALIDATION_CHECKS)), required=True)


class TokenBudgets(Schema):
    class Meta:
        unknown = RAISE

    ingest = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    domains = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    mapping = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    analysis = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class ThresholdProfileSchema(Schema):
    """A profile's body: every key is required, so a version is complete on its own."""

    class Meta:
        unknown = RAISE

    domaining = fields.Nested(DomainingThresholds, required=True)
    mapping = fields.Nested(MappingThresholds, required=True)
    analysis = fields.Nested(AnalysisThresholds, required=True)
    migration = fields.Nested(MigrationThresholds, required=True)
    token_budgets = fields.Nested(TokenBudgets, required=True)


def default_profile() -> dict[str, Any]:
    """The body of ``tp_default_v1``, version 1 (seeded by ``superset-review init``)."""
    return {
        "domaining": {"tau_high": TP_DEFAULT_V1.tau_high, "tau_low": TP_DEFAULT_V1.tau_low},
        "mapping": {"accept_rate_min": 0.95, "near_match_window": 0.1},
        "analysis": {"null_rate_max": 0.2, "dup_key_rate_max": 0.0, "psi_max": 0.25, "ks_max": 0.2},
        "migration": {"batch_size": 50_000, "validation_checks": ["row_count", "checksum"]},
        "token_budgets": {"ingest": 0, "domains": 20_000, "mapping": 50_000, "analysis": 10_000},
    }


DEFAULT_PROFILE_ID = DEFAULT_PROFILE
