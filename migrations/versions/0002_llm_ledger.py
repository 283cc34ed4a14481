"""The LLM ledger: one row per gateway call.

Revision ID: 0002_llm_ledger
Revises: 0001_enable_pgvector
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_llm_ledger"
down_revision = "0001_enable_pgvector"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_review_llm_ledger",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        # No foreign key to ab_user: the ledger is an audit record that outlives users, and the extension's
        # history must apply on a database where Superset's tables do not exist yet.
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("feature", sa.String(100), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("lane", sa.String(100), nullable=False),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("provider", sa.String(100), nullable=True),
        sa.Column("model", sa.String(255), nullable=True),
        sa.Column("prompt_hash", sa.String(64), nullable=True),
        sa.Column("tokens_in", sa.Integer, nullable=False, server_default="0"),
        sa.Column("tokens_out", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cost_usd", sa.Numeric(14, 8), nullable=False, server_default="0"),
        sa.Column("estimated_tokens", sa.Integer, nullable=True),
        sa.Column("estimated_cost_usd", sa.Numeric(14, 8), nullable=True),
        sa.Column("latency_ms", sa.Float, nullable=False, server_default="0"),
        sa.Column("cache_hit", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("fallback_chain", sa.JSON, nullable=False),
        sa.Column("pii_mask_applied", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("pii_masked_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("local_only_override", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("policy_version", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error_code", sa.String(40), nullable=True),
        sa.Column("error_message", sa.Text, nullable=True),
    )
    op.create_index("ix_dataset_review_llm_ledger_created_on", "dataset_review_llm_ledger", ["created_on"])
    op.create_index("ix_dataset_review_llm_ledger_stage", "dataset_review_llm_ledger", ["stage", "created_on"])
    op.create_index("ix_dataset_review_llm_ledger_user_id", "dataset_review_llm_ledger", ["user_id"])


def downgrade() -> None:
    op.drop_table("dataset_review_llm_ledger")
