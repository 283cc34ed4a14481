"""One function per component; each answers ok / degraded / down with a reason a person can act on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine


class Status(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


_SEVERITY = {Status.OK: 0, Status.DEGRADED: 1, Status.DOWN: 2}


@dataclass(frozen=True)
class CheckResult:
    status: Status
    reason: str
    latency_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=_SEVERITY.__getitem__, default=Status.OK)


def timed(check: Callable[[], CheckResult]) -> CheckResult:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as ex:  # noqa: BLE001 - a health check reports every failure instead of raising it
        result = CheckResult(Status.DOWN, f"{type(ex).__name__}: {_first_line(ex)}")
    return CheckResult(result.status, result.reason, round((time.perf_counter() - started) * 1000, 1))


def _first_line(ex: BaseException) -> str:
    return (str(ex).strip().splitlines() or [""])[0][:300]


def check_metadata_db(engine: Engine) -> CheckResult:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return CheckResult(Status.OK, f"{engine.dialect.name} answered")


def check_pgvector(engine: Engine) -> CheckResult:
    if engine.dialect.name != "postgresql":
        return CheckResult(
            Status.DEGRADED, f"the metadata database is {engine.dialect.name}; semantic search needs PostgreSQL"
        )
    with engine.connect() as conn:
        installed = conn.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar()
        if installed:
            return CheckResult(Status.OK, f"pgvector {installed} enabled")
        available = conn.execute(
            text("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
        ).scalar()
    if available:
        return CheckResult(
            Status.DEGRADED, f"pgvector {available} is available but not enabled: run superset-review init"
        )
    return CheckResult(Status.DEGRADED, "pgvector is not installed in this PostgreSQL; semantic search is off")


def check_redis(url: str | None, timeout: float) -> CheckResult:
    if not url:
        return CheckResult(Status.DOWN, "no Redis URL: set REVIEW_REDIS_URL or CELERY_CONFIG.broker_url")
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
        info: dict[str, Any] = client.info("server")  # type: ignore[assignment]  # sync client: a dict
        version = info.get("redis_version", "?")
    finally:
        client.close()
    return CheckResult(Status.OK, f"Redis {version} answered")


def check_worker(ping: Callable[[float], list[dict[str, Any]]], timeout: float) -> CheckResult:
    replies = ping(timeout)
    if not replies:
        return CheckResult(Status.DOWN, "no Celery worker answered: start one with the imports in CELERY_CONFIG")
    names = sorted(name for reply in replies for name in reply)
    return CheckResult(Status.OK, f"worker {', '.join(names)} answered")


def check_llm(health: Callable[[], dict[str, Any]]) -> CheckResult:
    """The gateway's own view: configured models, and how their recent calls went."""
    report = health()
    return CheckResult(Status(report["status"]), str(report["reason"]))
