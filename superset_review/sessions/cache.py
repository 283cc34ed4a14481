"""Serialized session documents in Redis, keyed by what changes them (``ReviewSessionDAO.document_key``).

A session of 200 columns is a document of some 300 KB; the workspace reads it again while tasks run and on every
tab. Building it costs the ORM load of its findings and events and its JSON encoding; an unchanged session is
served from here. Without Redis, or when Redis fails, every read builds the document: the cache is never required.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from superset_review.extension.redis import redis_client

PREFIX = "dataset_review:session:"
TTL_SECONDS = 600

logger = logging.getLogger(__name__)


def cached_document(key: str) -> bytes | None:
    client = redis_client()
    if client is None:
        return None
    try:
        value = client.get(PREFIX + key)
    except RedisError as error:
        logger.warning("session cache unavailable: %s", error)
        return None
    return value if isinstance(value, bytes) else None


def store_document(key: str, document: bytes) -> None:
    client = redis_client()
    if client is None:
        return
    try:
        client.set(PREFIX + key, document, ex=TTL_SECONDS)
    except RedisError as error:
        logger.warning("session cache unavailable: %s", error)
