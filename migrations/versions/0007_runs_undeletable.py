"""Run contexts cannot be deleted or truncated either: 0005's trigger refused UPDATE only.

Revision ID: 0007_runs_undeletable
Revises: 0006_texts
Create Date: 2026-12-01
"""

from alembic import op

revision = "0007_runs_undeletable"
down_revision = "0006_texts"
branch_labels = None
depends_on = None

# The same function as 0005's (it only raises), now also before DELETE (each row) and TRUNCATE (the statement):
# an audit record is evidence, whoever asks, the table's owner included.
_UNDELETABLE = """
CREATE TRIGGER dataset_review_runs_undeletable BEFORE DELETE ON dataset_review_runs
  FOR EACH ROW EXECUTE FUNCTION dataset_review_runs_immutable();
CREATE TRIGGER dataset_review_runs_untruncatable BEFORE TRUNCATE ON dataset_review_runs
  FOR EACH STATEMENT EXECUTE FUNCTION dataset_review_runs_immutable();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_UNDELETABLE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS dataset_review_runs_untruncatable ON dataset_review_runs")
        op.execute("DROP TRIGGER IF EXISTS dataset_review_runs_undeletable ON dataset_review_runs")
