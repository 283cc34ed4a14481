"""Task states written on the review (its context's "tasks", before 0008) are dropped: the task table holds them now,
and an old "running" there would never end. The reviews' versions are left as they are (nobody's edit is stale).

Revision ID: 0009_tasks_off_the_session
Revises: 0008_tasks
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_tasks_off_the_session"
down_revision = "0008_tasks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE dataset_review_sessions SET context = (context::jsonb - 'tasks')::json "
            "WHERE jsonb_typeof(context::jsonb) = 'object' AND context::jsonb ? 'tasks'"
        )
        return
    sessions = sa.table("dataset_review_sessions", sa.column("id", sa.Integer), sa.column("context", sa.JSON))
    bind = op.get_bind()
    for row in bind.execute(sa.select(sessions.c.id, sessions.c.context)).all():
        if isinstance(row.context, dict) and "tasks" in row.context:
            context = {key: value for key, value in row.context.items() if key != "tasks"}
            bind.execute(sa.update(sessions).where(sessions.c.id == row.id).values(context=context))


def downgrade() -> None:
    """Nothing to restore: the dropped states were progress, not the review's content."""
