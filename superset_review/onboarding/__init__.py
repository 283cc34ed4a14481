"""Onboarding runs: bring a file or a table into a target dataset, Ingest -> Domains -> Mapping -> Analysis.

- ``contract.py``: the run contract v1, its canonical JSON and hash; ``profiles.py``: threshold profiles.
- ``models.py`` / ``dao.py``: the run, its contract versions, artifacts, mappings and ledger (append-only evidence).
- ``ingest/``: files and Superset tables into the Standard Schema Catalog, the standardization shim, the Sample Pack,
  the target side (a Superset dataset or a YAML schema).
- ``mapping/``: per target column, strategies from the domains, rule (and LLM) proposals as DSL pipelines, run on
  the Sample Pack and decided accept / hold / fix.
- ``analysis/``: the quality report.
- ``commands/``, ``schemas.py``, ``api.py``: one command per action; the REST API under
  ``/api/v1/dataset_review/onboarding``.

Every transform is an operation of the transform DSL (``superset_review.transform_dsl``): no other code runs.
"""
