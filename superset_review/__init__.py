"""superset-review: dataset review sessions inside Apache Superset 6.1."""

__version__ = "0.1.0"
