"""Gather the health of everything the extension stands on."""

from __future__ import annotations

from typing import Any

from flask import current_app
from superset.commands.base import BaseCommand

from superset_review import __version__
from superset_review.extension.constants import FEATURE_FLAG_DEFAULTS
from superset_review.extension.flags import is_enabled
from superset_review.extension.i18n import Text
from superset_review.extension.redis import redis_url
from superset_review.health.checks import (
    CheckResult,
    Status,
    check_llm,
    check_metadata_db,
    check_pgvector,
    check_redis,
    check_worker,
    timed,
    worst,
)
from superset_review.llm.gateway import LlmGateway


def _celery_conf() -> dict[str, Any]:
    from superset.extensions import celery_app

    return dict(celery_app.conf)


def _ping_workers(timeout: float) -> list[dict[str, Any]]:
    from superset.extensions import celery_app

    # limit=1: the first reply proves a worker consumes the queue; waiting out the timeout for more would
    # make every health call as slow as the timeout.
    return list(celery_app.control.ping(timeout=timeout, limit=1) or [])


class GetHealthReportCommand(BaseCommand):
    """``for_admin``: whether the reader may see reasons that name hosts, users and drivers' errors."""

    def __init__(self, for_admin: bool = False) -> None:
        self._timeout = float(current_app.config["REVIEW_HEALTH_TIMEOUT_SECONDS"])
        self._for_admin = for_admin

    def validate(self) -> None:
        """Nothing to validate: the report describes whatever state it finds."""

    def run(self) -> dict[str, Any]:
        from superset.extensions import db

        engine = db.engine
        checks: dict[str, CheckResult] = {
            "metadata_db": timed(lambda: check_metadata_db(engine)),
        }
        checks["pgvector"] = (
            timed(lambda: check_pgvector(engine))
            if checks["metadata_db"].status is Status.OK
            else CheckResult(Status.DOWN, Text("the metadata database is down"))
        )
        url = redis_url()
        checks["redis"] = timed(lambda: check_redis(url, self._timeout))
        broker_is_redis = _celery_conf().get("broker_url") == url
        if broker_is_redis and checks["redis"].status is Status.DOWN:
            # Pinging workers through a dead broker would only wait for the kombu retry loop to give up.
            checks["worker"] = CheckResult(Status.DOWN, Text("the Celery broker (Redis) is down"))
        else:
            checks["worker"] = timed(lambda: check_worker(_ping_workers, self._timeout))
        checks["llm"] = timed(lambda: check_llm(lambda: LlmGateway.from_app().health()))
        return {
            "status": worst([check.status for check in checks.values()]).value,
            "version": __version__,
            "checks": {name: check.to_dict(self._for_admin) for name, check in checks.items()},
            "feature_flags": {flag: is_enabled(flag) for flag in FEATURE_FLAG_DEFAULTS},
        }
