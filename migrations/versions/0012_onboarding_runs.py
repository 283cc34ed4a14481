"""Onboarding runs: uploads, runs, contract versions, artifacts, mappings, the run ledger, threshold profiles.

Revision ID: 0012_onboarding_runs
Revises: 0011_safe_views_tools_journal
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_onboarding_runs"
down_revision = "0011_safe_views_tools_journal"
branch_labels = None
depends_on = None

# Evidence: never changed nor deleted (dataset_review_append_only() is 0011's).
APPEND_ONLY = (
    "dataset_review_run_contracts",
    "dataset_review_run_artifacts",
    "dataset_review_run_events",
    "dataset_review_threshold_profiles",
)


def _triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION dataset_review_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION dataset_review_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "dataset_review_onboarding_uploads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("upload_id", sa.String(36), nullable=False, unique=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dataset_review_onboarding_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.String(26), nullable=False, unique=True),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("contract", sa.JSON, nullable=False),
        sa.Column("contract_hash", sa.String(64), nullable=False),
        sa.Column("contract_version", sa.Integer, nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("stages", sa.JSON, nullable=False),
        sa.Column("target_dataset_id", sa.Integer, nullable=True, index=True),
        sa.Column("task_id", sa.Integer, nullable=True),
        sa.Column("error", sa.JSON, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.Integer, nullable=True, index=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("changed_on", sa.DateTime, nullable=False),
        sa.Column("started_on", sa.DateTime, nullable=True),
        sa.Column("stopped_on", sa.DateTime, nullable=True),
    )
    op.create_table(
        "dataset_review_run_contracts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_pk", sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("contract", sa.JSON, nullable=False),
        sa.Column("contract_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.UniqueConstraint("run_pk", "version", name="uq_dataset_review_run_contracts_version"),
    )
    op.create_table(
        "dataset_review_run_artifacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_pk", sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("contract_hash", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("path", sa.String(1024), nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.UniqueConstraint("run_pk", "kind", "version", name="uq_dataset_review_run_artifacts_version"),
    )
    op.create_table(
        "dataset_review_run_mappings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_pk", sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("strategy", sa.String(40), nullable=False),
        sa.Column("dsl", sa.JSON, nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("success_rate", sa.Float, nullable=True),
        sa.Column("near_rate", sa.Float, nullable=True),
        sa.Column("fail_rate", sa.Float, nullable=True),
        sa.Column("rationale", sa.JSON, nullable=False),
        sa.Column("examples", sa.JSON, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("decided_on", sa.DateTime, nullable=True),
        sa.Column("changed_on", sa.DateTime, nullable=False),
        sa.UniqueConstraint("run_pk", "target", name="uq_dataset_review_run_mappings_target"),
    )
    op.create_table(
        "dataset_review_run_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_pk", sa.Integer, sa.ForeignKey("dataset_review_onboarding_runs.id"), nullable=False, index=True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("inputs_hash", sa.String(64), nullable=True),
        sa.Column("outputs_hash", sa.String(64), nullable=True),
        sa.Column("contract_hash", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=True),
        sa.Column("dsl_version", sa.String(20), nullable=True),
        sa.Column("confirmed_by", sa.Integer, nullable=True),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.JSON, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dataset_review_threshold_profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.UniqueConstraint("profile_id", "version", name="uq_dataset_review_threshold_profiles_version"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(_triggers(table))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
    for table in (
        "dataset_review_threshold_profiles",
        "dataset_review_run_events",
        "dataset_review_run_mappings",
        "dataset_review_run_artifacts",
        "dataset_review_run_contracts",
        "dataset_review_onboarding_runs",
        "dataset_review_onboarding_uploads",
    ):
        op.drop_table(table)
