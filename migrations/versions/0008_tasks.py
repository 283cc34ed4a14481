"""The extension's background tasks in a table of their own (progress, heartbeat, final state).

Revision ID: 0008_tasks
Revises: 0007_runs_undeletable
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_tasks"
down_revision = "0007_runs_undeletable"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_review_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False, index=True),
        sa.Column("requested_by", sa.Integer, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("done", sa.Integer, nullable=True),
        sa.Column("total", sa.Integer, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("i18n", sa.JSON, nullable=True),
        sa.Column("error_code", sa.String(60), nullable=True),
        sa.Column("checkpoint", sa.JSON, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("changed_on", sa.DateTime, nullable=False),
        sa.Column("started_on", sa.DateTime, nullable=True),
        sa.Column("finished_on", sa.DateTime, nullable=True),
        sa.Column("heartbeat_on", sa.DateTime, nullable=True),
    )
    op.create_index(
        "uq_dataset_review_tasks_active",
        "dataset_review_tasks",
        ["kind", "subject"],
        unique=True,
        postgresql_where=sa.text("state IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("uq_dataset_review_tasks_active", table_name="dataset_review_tasks")
    op.drop_table("dataset_review_tasks")
