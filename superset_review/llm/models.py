"""The LLM ledger: one row for every gateway call, refused, failed, cached or answered."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from superset_review.extension.models import ReviewModel


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class LlmLedgerEntry(ReviewModel):  # type: ignore[misc,valid-type]
    __tablename__ = "dataset_review_llm_ledger"
    __table_args__ = (sa.Index("ix_dataset_review_llm_ledger_stage", "stage", "created_on"),)

    id = sa.Column(sa.Integer, primary_key=True)
    created_on = sa.Column(sa.DateTime, nullable=False, default=_now, index=True)
    user_id = sa.Column(sa.Integer, nullable=True, index=True)  # no FK: audit rows outlive users
    username = sa.Column(sa.String(255), nullable=True)
    feature = sa.Column(sa.String(100), nullable=False)
    stage = sa.Column(sa.String(100), nullable=False)
    lane = sa.Column(sa.String(100), nullable=False)
    operation = sa.Column(sa.String(20), nullable=False)  # complete | embed
    provider = sa.Column(sa.String(100), nullable=True)
    model = sa.Column(sa.String(255), nullable=True)
    prompt_hash = sa.Column(sa.String(64), nullable=True)
    tokens_in = sa.Column(sa.Integer, nullable=False, default=0)
    tokens_out = sa.Column(sa.Integer, nullable=False, default=0)
    cost_usd = sa.Column(sa.Numeric(14, 8), nullable=False, default=0)
    estimated_tokens = sa.Column(sa.Integer, nullable=True)
    estimated_cost_usd = sa.Column(sa.Numeric(14, 8), nullable=True)
    latency_ms = sa.Column(sa.Float, nullable=False, default=0)
    cache_hit = sa.Column(sa.Boolean, nullable=False, default=False)
    fallback_chain = sa.Column(sa.JSON, nullable=False, default=list)
    pii_mask_applied = sa.Column(sa.Boolean, nullable=False, default=False)
    pii_masked_count = sa.Column(sa.Integer, nullable=False, default=0)
    local_only_override = sa.Column(sa.Boolean, nullable=False, default=False)
    policy_version = sa.Column(sa.String(100), nullable=False)
    outcome = sa.Column(sa.String(20), nullable=False)  # ok | cache_hit | refused | error
    error_code = sa.Column(sa.String(40), nullable=True)
    error_message = sa.Column(sa.Text, nullable=True)
