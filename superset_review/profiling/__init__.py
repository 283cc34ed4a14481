"""Profile and findings of a dataset under review."""
