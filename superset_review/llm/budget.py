"""Daily usage per stage, for budget checks before a call.

The ledger is the truth; summing it on every call would grow with the day's traffic, so the running totals
live in Redis (one hash per stage and UTC day), seeded from the ledger the first time a day's stage is read.
Without Redis the ledger is summed directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import redis

logger = logging.getLogger(__name__)

PREFIX = "dataset_review:llm:usage:"
TTL_SECONDS = 2 * 24 * 3600


class UsageMeter:
    def __init__(self, client: redis.Redis | None, from_ledger: Callable[[str], tuple[int, float]]) -> None:
        self._client = client
        self._from_ledger = from_ledger

    @staticmethod
    def _key(stage: str) -> str:
        return f"{PREFIX}{datetime.now(UTC).date().isoformat()}:{stage}"

    def used_today(self, stage: str) -> tuple[int, float]:
        if self._client is None:
            return self._from_ledger(stage)
        key = self._key(stage)
        try:
            tokens, usd = self._client.hmget(key, ["tokens", "usd"])  # type: ignore[misc]
            if tokens is not None and usd is not None:
                return int(tokens), float(usd)
            seeded_tokens, seeded_usd = self._from_ledger(stage)
            pipe = self._client.pipeline()
            pipe.hsetnx(key, "tokens", str(seeded_tokens))
            pipe.hsetnx(key, "usd", repr(seeded_usd))
            pipe.expire(key, TTL_SECONDS)
            pipe.execute()
            return seeded_tokens, seeded_usd
        except redis.RedisError as ex:
            logger.warning("usage meter unavailable, summing the ledger: %s", ex)
            return self._from_ledger(stage)

    def add(self, stage: str, tokens: int, usd: float) -> None:
        """Count a call that was just written to the ledger; an unseeded day is seeded from the ledger later."""
        if self._client is None or (tokens == 0 and usd == 0):
            return
        key = self._key(stage)
        try:
            if self._client.exists(key):
                pipe = self._client.pipeline()
                pipe.hincrby(key, "tokens", tokens)
                pipe.hincrbyfloat(key, "usd", usd)
                pipe.execute()
        except redis.RedisError as ex:
            logger.warning("usage meter unavailable: %s", ex)
