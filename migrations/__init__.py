"""The extension's own alembic history, kept apart from Superset's by its own version table."""
