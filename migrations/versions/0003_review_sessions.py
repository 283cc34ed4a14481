"""Review sessions, their findings and their event log.

Revision ID: 0003_review_sessions
Revises: 0002_llm_ledger
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_review_sessions"
down_revision = "0002_llm_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_review_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("owner_id", sa.Integer, nullable=False),
        sa.Column("source_kind", sa.String(40), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=True),
        sa.Column("dashboard_id", sa.Integer, nullable=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("readiness", sa.Float, nullable=False, server_default="0"),
        sa.Column("next_action", sa.String(500), nullable=True),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("changed_on", sa.DateTime, nullable=False),
    )
    op.create_index("ix_dataset_review_sessions_owner_id", "dataset_review_sessions", ["owner_id"])
    op.create_table(
        "dataset_review_findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "session_id", sa.Integer, sa.ForeignKey("dataset_review_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(500), nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("suggested_fix", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    )
    op.create_index("ix_dataset_review_findings_session_id", "dataset_review_findings", ["session_id"])
    op.create_table(
        "dataset_review_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "session_id", sa.Integer, sa.ForeignKey("dataset_review_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
    )
    op.create_index("ix_dataset_review_events_session_id", "dataset_review_events", ["session_id"])


def downgrade() -> None:
    op.drop_table("dataset_review_events")
    op.drop_table("dataset_review_findings")
    op.drop_table("dataset_review_sessions")
