"""The local stack of `superset-review up`: embedded PostgreSQL (pgvector) and Redis, a worker, the web server."""
