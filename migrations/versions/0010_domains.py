"""Business domains: catalog versions, staged deltas, their audit log, column assignments and the catalog's vectors.

Revision ID: 0010_domains
Revises: 0009_tasks_off_the_session
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_domains"
down_revision = "0009_tasks_off_the_session"
branch_labels = None
depends_on = None

# The offline embedding model (wordllama l2_supercat, 256 dimensions); a new model means a new migration.
VECTOR_DIMENSIONS = 256


def upgrade() -> None:
    op.create_table(
        "dataset_review_domain_catalogs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False, unique=True),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("parent_version", sa.Integer, nullable=True),
        sa.Column("provenance", sa.JSON, nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("promoted_by", sa.Integer, nullable=True),
        sa.Column("promoted_on", sa.DateTime, nullable=True),
    )
    op.create_index(
        "uq_dataset_review_domain_catalogs_live",
        "dataset_review_domain_catalogs",
        ["state"],
        unique=True,
        postgresql_where=sa.text("state = 'live'"),
    )
    op.create_table(
        "dataset_review_domain_deltas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("domain", sa.String(120), nullable=False, index=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("base_version", sa.Integer, nullable=True),
        sa.Column("origin", sa.JSON, nullable=True),
        sa.Column("test", sa.JSON, nullable=True),
        sa.Column("promoted_in_version", sa.Integer, nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("changed_on", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dataset_review_domain_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(60), nullable=False, index=True),
        sa.Column("subject", sa.String(200), nullable=False, index=True),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dataset_review_column_domains",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("database_id", sa.Integer, nullable=True, index=True),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("column_name", sa.String(255), nullable=False),
        sa.Column("domain", sa.String(120), nullable=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("band", sa.String(20), nullable=False),
        sa.Column("pii", sa.String(40), nullable=True),
        sa.Column("evidence", sa.JSON, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("catalog_version", sa.Integer, nullable=True),
        sa.Column("catalog_hash", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.String(60), nullable=False),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("decided_on", sa.DateTime, nullable=True),
        sa.Column("created_on", sa.DateTime, nullable=False),
        sa.Column("changed_on", sa.DateTime, nullable=False),
        sa.UniqueConstraint("dataset_id", "column_name", name="uq_dataset_review_column_domains_column"),
    )
    bind = op.get_bind()
    has_vector = (
        bind.dialect.name == "postgresql"
        and bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).scalar()
    )
    if has_vector:
        # Raw DDL: the vector type and the HNSW index are pgvector's, and alembic should not need pgvector's
        # Python package to read this history.
        op.execute(
            f"""
            CREATE TABLE dataset_review_domain_vectors (
                id SERIAL PRIMARY KEY,
                catalog_hash VARCHAR(64) NOT NULL,
                domain VARCHAR(120) NOT NULL,
                kind VARCHAR(20) NOT NULL,
                embedding vector({VECTOR_DIMENSIONS}) NOT NULL,
                CONSTRAINT uq_dataset_review_domain_vectors UNIQUE (catalog_hash, domain, kind)
            )
            """
        )
        op.execute(
            "CREATE INDEX ix_dataset_review_domain_vectors_hnsw ON dataset_review_domain_vectors "
            "USING hnsw (embedding vector_cosine_ops)"
        )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS dataset_review_domain_vectors")
    op.drop_table("dataset_review_column_domains")
    op.drop_table("dataset_review_domain_audit")
    op.drop_table("dataset_review_domain_deltas")
    op.drop_index("uq_dataset_review_domain_catalogs_live", table_name="dataset_review_domain_catalogs")
    op.drop_table("dataset_review_domain_catalogs")
