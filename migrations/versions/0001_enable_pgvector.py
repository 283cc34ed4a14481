"""Enable pgvector in the metadata database (PostgreSQL only).

Semantic search (domaining columns, matching meanings) stores embeddings next to the review data. Where
the server has no pgvector the migration still succeeds and the health endpoint reports pgvector as
degraded, so a deployment without it loses that feature only.

Revision ID: 0001_enable_pgvector
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_enable_pgvector"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).scalar()
    if available:
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")


def downgrade() -> None:
    # Other applications may use the extension; it is left in place on purpose.
    pass
