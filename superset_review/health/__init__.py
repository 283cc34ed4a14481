"""The state of what the extension stands on: metadata database, pgvector, Redis, worker, LLM configuration."""
