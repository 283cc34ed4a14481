"""Celery tasks of the extension, registered on Superset's own Celery app. Thin: they call commands."""

from superset_review.tasks import diagnostics, domaining, migration, onboarding, profiling, semantics  # noqa: F401

# (importing them registers them)
