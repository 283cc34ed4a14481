"""Semantic layer of a review: sources (with their entries) and per-field states.

Revision ID: 0004_session_semantics
Revises: 0003_review_sessions
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_session_semantics"
down_revision = "0003_review_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dataset_review_sessions", sa.Column("semantic_sources", sa.JSON, nullable=True))
    op.add_column("dataset_review_sessions", sa.Column("semantics", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("dataset_review_sessions", "semantics")
    op.drop_column("dataset_review_sessions", "semantic_sources")
