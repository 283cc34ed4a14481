"""Answers cached in Redis, keyed by everything that could change them.

Only what the provider saw and said is stored: the masked prompt's hash and the masked answer. Originals of
masked values never reach the cache.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import redis

from superset_review.extension.hashing import (
    stable_hash as stable_hash,
)  # re-exported: the gateway hashes prompts with it

logger = logging.getLogger(__name__)

PREFIX = "dataset_review:llm:answer:"


def cache_key(
    *,
    operation: str,
    provider: str,
    model: str,
    params: Mapping[str, Any],
    prompt_hash: str,
    policy_version: str,
    artifact_hashes: Sequence[str],
    mode: str,
    pii_masked: bool,
) -> str:
    return PREFIX + stable_hash(
        {
            "operation": operation,
            "provider": provider,
            "model": model,
            "params": dict(params),
            "prompt": prompt_hash,
            "policy": policy_version,
            "artifacts": sorted(artifact_hashes),
            "mode": mode,
            "pii": pii_masked,
        }
    )


class AnswerCache:
    """A Redis-backed cache that degrades to no cache (with a warning) when Redis is unavailable."""

    def __init__(self, client: redis.Redis | None, ttls: Mapping[str, int]) -> None:
        self._client = client
        self._ttls = dict(ttls)

    @property
    def client(self) -> redis.Redis | None:
        return self._client

    def ttl(self, lane: str) -> int:
        return self._ttls.get(lane, self._ttls.get("default", 0))

    def get(self, key: str) -> dict[str, Any] | None:
        if self._client is None:
            return None
        try:
            raw: bytes | None = self._client.get(key)  # type: ignore[assignment]  # sync client
        except redis.RedisError as ex:
            logger.warning("LLM cache unavailable, calling the provider: %s", ex)
            return None
        return json.loads(raw) if raw else None

    def put(self, key: str, lane: str, value: Mapping[str, Any]) -> None:
        ttl = self.ttl(lane)
        if self._client is None or ttl <= 0:
            return
        try:
            self._client.set(key, json.dumps(value), ex=ttl)
        except redis.RedisError as ex:
            logger.warning("LLM cache unavailable, answer not cached: %s", ex)
