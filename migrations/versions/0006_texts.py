"""The translatable texts of findings, next actions and run errors, kept beside their English.

Revision ID: 0006_texts
Revises: 0005_execution
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_texts"
down_revision = "0005_execution"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dataset_review_sessions", sa.Column("i18n", sa.JSON, nullable=True))
    op.add_column("dataset_review_findings", sa.Column("i18n", sa.JSON, nullable=True))
    op.add_column("dataset_review_runs", sa.Column("i18n", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("dataset_review_runs", "i18n")
    op.drop_column("dataset_review_findings", "i18n")
    op.drop_column("dataset_review_sessions", "i18n")
