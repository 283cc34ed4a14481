"""Guided clarification: what the review could not settle, asked one question at a time, highest priority first.
Pure: topics come from the session's documents; answers become decisions the session commands apply."""
