"""One function per component; each answers ok / degraded / down with a reason a person can act on.

The reasons are Texts: the health API says them in the reader's language (the workspace's Health panel).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

from superset_review.extension.i18n import Text
from superset_review.extension.redact import redact


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
    # What a non-admin reads instead of ``reason`` when the reason names hosts, users or a driver's own words
    # (None: the reason is fit for everyone).
    public_reason: str | None = None

    def to_dict(self, for_admin: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data.pop("public_reason")
        if not for_admin and self.public_reason is not None:
            data["reason"] = self.public_reason
        return data


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=_SEVERITY.__getitem__, default=Status.OK)


def timed(check: Callable[[], CheckResult]) -> CheckResult:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as ex:  # noqa: BLE001 - a health check reports every failure instead of raising it
        # A driver's words name hosts, ports and users: admins read them (without credentials), others do not.
        result = CheckResult(Status.DOWN, f"{type(ex).__name__}: {_first_line(ex)}", public_reason=NOT_REACHABLE)
    latency = round((time.perf_counter() - started) * 1000, 1)
    return CheckResult(result.status, result.reason, latency, result.public_reason)


NOT_REACHABLE = Text("not reachable; an admin sees the reason on this page")


def _first_line(ex: BaseException) -> str:
    return redact((str(ex).strip().splitlines() or [""])[0][:300])


def check_metadata_db(engine: Engine) -> CheckResult:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return CheckResult(Status.OK, Text("%(database)s answered", database=engine.dialect.name))


def check_pgvector(engine: Engine) -> CheckResult:
    if engine.dialect.name != "postgresql":
        return CheckResult(
            Status.DEGRADED,
            Text(
                "the metadata database is %(database)s; semantic search needs PostgreSQL",
                database=engine.dialect.name,
            ),
        )
    with engine.connect() as conn:
        installed = conn.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar()
        if installed:
            return CheckResult(Status.OK, Text("pgvector %(version)s enabled", version=f"{installed}"))
        available = conn.execute(
            text("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
        ).scalar()
    if available:
        return CheckResult(
            Status.DEGRADED,
            Text("pgvector %(version)s is available but not enabled: run superset-review init", version=f"{available}"),
        )
    return CheckResult(Status.DEGRADED, Text("pgvector is not installed in this PostgreSQL; semantic search is off"))


def check_redis(url: str | None, timeout: float) -> CheckResult:
    if not url:
        return CheckResult(Status.DOWN, Text("no Redis URL: set REVIEW_REDIS_URL or CELERY_CONFIG.broker_url"))
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
        info: dict[str, Any] = client.info("server")  # type: ignore[assignment]  # sync client: a dict
        version = info.get("redis_version", "?")
    finally:
        client.close()
    return CheckResult(Status.OK, Text("Redis %(version)s answered", version=f"{version}"))


def check_worker(ping: Callable[[float], list[dict[str, Any]]], timeout: float) -> CheckResult:
    replies = ping(timeout)
    if not replies:
        return CheckResult(Status.DOWN, Text("no Celery worker answered: start one with the imports in CELERY_CONFIG"))
    names = sorted(name for reply in replies for name in reply)
    # A worker's name is celery@<host>: admins only.
    public = Text("%(count)d worker(s) answered", count=len(names))
    return CheckResult(Status.OK, Text("worker %(names)s answered", names=", ".join(names)), public_reason=public)


def check_llm(health: Callable[[], dict[str, Any]]) -> CheckResult:
    """The gateway's own view: configured models, and how their recent calls went."""
    report = health()
    reason = report["reason"]
    return CheckResult(Status(report["status"]), reason if isinstance(reason, str) else str(reason))  # a Text stays one
