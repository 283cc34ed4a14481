"""Dataset review sessions: a persisted, resumable review owned by one user, with an append-only event log."""
