"""AI-safe views: named, versioned projections of a Superset dataset (a column whitelist, a row filter, a redaction
per column), created as Superset virtual datasets; the only way an LLM feature reads rows."""
