"""The `superset-review` command."""
