"""The journal: an append-only record of changes to catalog-level objects (the domain catalog and its domains,
AI-safe views, semantics written back to Superset datasets), one row per changed field."""
