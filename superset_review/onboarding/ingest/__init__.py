"""Ingest and Domains: files and database tables into the Standard Schema Catalog (see ``stage.py``)."""

from superset_review.onboarding.ingest.stage import run_domains, run_ingest

__all__ = ["run_domains", "run_ingest"]
