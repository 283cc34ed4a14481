"""The extension's Redis connection: ``REVIEW_REDIS_URL``, else Celery's broker when that is Redis."""

from __future__ import annotations

from typing import Any

import redis
from flask import current_app

_clients: dict[str, redis.Redis] = {}


def redis_url() -> str | None:
    if url := current_app.config.get("REVIEW_REDIS_URL"):
        return str(url)
    from superset.extensions import celery_app

    broker = str(dict(celery_app.conf).get("broker_url") or "")
    return broker if broker.startswith(("redis://", "rediss://", "unix://")) else None


def redis_client(**options: Any) -> redis.Redis | None:
    """A pooled client for the configured URL (one pool per URL and process), or None without Redis."""
    url = redis_url()
    if url is None:
        return None
    key = f"{url}|{sorted(options.items())}"
    if key not in _clients:
        _clients[key] = redis.Redis.from_url(url, **options)
    return _clients[key]
