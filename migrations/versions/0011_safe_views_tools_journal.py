"""AI-safe views (and their versions), the audit of governed tool calls, the journal of catalog-level changes.

Revision ID: 0011_safe_views_tools_journal
Revises: 0010_domains
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_safe_views_tools_journal"
down_revision = "0010_domains"
branch_labels = None
depends_on = None

# Append-only tables: a row is evidence, whoever asks (the table's owner included), as 0005/0007 do for runs.
APPEND_ONLY = ("dataset_review_safe_view_versions", "dataset_review_tool_calls", "dataset_review_journal")

_FUNCTION = """
CREATE OR REPLACE FUNCTION dataset_review_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: rows are never changed or deleted', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def _triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION dataset_review_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION dataset_review_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "dataset_review_safe_views",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("base_dataset_id", sa.Integer, nullable=False, index=True),
        sa.Column("database_id", sa.Integer, nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=True, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("sql", sa.Text, nullable=False),
        sa.Column("base_columns", sa.JSON, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("stale_reason", sa.JSON, nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("changed_by", sa.Integer, nullable=True),
        sa.Column("changed_on", sa.DateTime, nullable=False),
        sa.Column("reviewed_by", sa.Integer, nullable=True),
        sa.Column("reviewed_on", sa.DateTime, nullable=True),
    )
    op.create_table(
        "dataset_review_safe_view_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "view_id", sa.Integer, sa.ForeignKey("dataset_review_safe_views.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("sql", sa.Text, nullable=False),
        sa.Column("base_columns", sa.JSON, nullable=False),
        sa.Column("author_id", sa.Integer, nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.UniqueConstraint("view_id", "version", name="uq_dataset_review_safe_view_versions_version"),
    )
    op.create_table(
        "dataset_review_tool_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("tool", sa.String(100), nullable=False, index=True),
        sa.Column("user_id", sa.Integer, nullable=True, index=True),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
        sa.Column("params_bytes", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("masking", sa.JSON, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False, index=True),
        sa.Column("error_code", sa.String(60), nullable=True),
        sa.Column("message", sa.String(1000), nullable=True),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("created_on", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "dataset_review_journal",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entity_type", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("field", sa.String(255), nullable=False),
        sa.Column("old_value", sa.JSON, nullable=True),
        sa.Column("new_value", sa.JSON, nullable=True),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("source", sa.String(60), nullable=False),
        sa.Column("created_on", sa.DateTime, nullable=False),
    )
    op.create_index("ix_dataset_review_journal_entity", "dataset_review_journal", ["entity_type", "entity_id", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)
        for table in APPEND_ONLY:
            op.execute(_triggers(table))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
        op.execute("DROP FUNCTION IF EXISTS dataset_review_append_only()")
    op.drop_index("ix_dataset_review_journal_entity", table_name="dataset_review_journal")
    op.drop_table("dataset_review_journal")
    op.drop_table("dataset_review_tool_calls")
    op.drop_table("dataset_review_safe_view_versions")
    op.drop_table("dataset_review_safe_views")
