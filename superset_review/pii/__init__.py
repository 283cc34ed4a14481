"""PII detection and masking for the values a review session shows to people and sends to an LLM.

Everything here is pattern, checksum and dictionary based: no model downloads and no network, so it runs the
same on a laptop, in CI and inside Superset's workers.
"""
