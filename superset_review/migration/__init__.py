"""Migrations (issue 15): an onboarding run's accepted plan executed as data in the target, and schema evolution
between runs into one target.

- ``engine/``: the execution library (chunks, ELT and ETL, checkpoints, leases, quarantine, validations, promotion and
  rollback) against the target database.
- ``models.py`` / ``dao.py``: the migration record in Superset's metadata database (one per run).
- ``preflight.py``: what is checked before anything runs (accepted mappings, the key, the validations, the mode, the
  target the user may write).
- ``commands/``, ``schemas.py``, ``api.py``: one command per action; the REST API under
  ``/api/v1/dataset_review/onboarding/runs/<run_id>/migration``.
- ``evolution.py``: schema diffs between runs; ``lanes.py``: the Celery lanes and the supervisor's choice.
"""
