"""Clarification state, execution mappings and preview of a session; the immutable run contexts of launches.

Revision ID: 0005_execution
Revises: 0004_session_semantics
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_execution"
down_revision = "0004_session_semantics"
branch_labels = None
depends_on = None

# A run context is evidence: the database refuses to change or delete it, whoever asks (the ORM refuses too).
_IMMUTABLE = """
CREATE OR REPLACE FUNCTION dataset_review_runs_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'dataset_review_runs rows are immutable (run contexts are an audit record)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dataset_review_runs_immutable BEFORE UPDATE ON dataset_review_runs
  FOR EACH ROW EXECUTE FUNCTION dataset_review_runs_immutable();
"""


def upgrade() -> None:
    op.add_column("dataset_review_sessions", sa.Column("clarification", sa.JSON, nullable=True))
    op.add_column("dataset_review_sessions", sa.Column("execution", sa.JSON, nullable=True))
    op.create_table(
        "dataset_review_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        # No foreign key to the session either: the audit record outlives a deleted session.
        sa.Column("session_id", sa.Integer, nullable=False, index=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("dataset_id", sa.Integer, nullable=True),
        sa.Column("database_id", sa.Integer, nullable=True),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("compiled_sql", sa.Text, nullable=True),
        sa.Column("sqllab_url", sa.Text, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_IMMUTABLE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS dataset_review_runs_immutable ON dataset_review_runs")
        op.execute("DROP FUNCTION IF EXISTS dataset_review_runs_immutable()")
    op.drop_table("dataset_review_runs")
    op.drop_column("dataset_review_sessions", "execution")
    op.drop_column("dataset_review_sessions", "clarification")
