"""Migrations of onboarding runs: the migration record (one per run).

Revision ID: 0013_migrations
Revises: 0012_onboarding_runs
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_migrations"
down_revision = "0012_onboarding_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_review_migrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "run_pk", sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, unique=True
        ),
        sa.Column("run_id", sa.String(26), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("strategy", sa.String(10), nullable=True),
        sa.Column("strategy_reason", sa.Text, nullable=True),
        sa.Column("key_strategy", sa.String(20), nullable=True),
        sa.Column("key_columns", sa.JSON, nullable=False),
        sa.Column("validations", sa.JSON, nullable=False),
        sa.Column("preflight", sa.JSON, nullable=False),
        sa.Column("plan", sa.JSON, nullable=True),
        sa.Column("schema_change_policy", sa.String(30), nullable=False),
        sa.Column("lane", sa.String(40), nullable=True),
        sa.Column("task_id", sa.String(36), nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("chunks_total", sa.Integer, nullable=False),
        sa.Column("chunks_done", sa.Integer, nullable=False),
        sa.Column("rows_in", sa.BigInteger, nullable=False),
        sa.Column("rows_out", sa.BigInteger, nullable=False),
        sa.Column("quarantined", sa.BigInteger, nullable=False),
        sa.Column("staging_table", sa.String(255), nullable=True),
        sa.Column("final_table", sa.String(255), nullable=True),
        sa.Column("dataset_id", sa.Integer, nullable=True),
        sa.Column("error_code", sa.String(60), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("i18n", sa.JSON, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True, index=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("changed_on", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("promoted_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("dataset_review_migrations")
