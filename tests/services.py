"""Real services for the suite: embedded PostgreSQL (pgvector), Redis, a Celery worker; stopped by their PIDs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from superset_review.embedded.postgres import EmbeddedPostgres, start_postgres
from superset_review.embedded.processes import spawn, stop_process
from superset_review.embedded.redis import EmbeddedRedis, start_redis
from superset_review.embedded.stack import free_port

REPO = Path(__file__).resolve().parents[1]
TEST_CONFIG = REPO / "tests" / "superset_test_config.py"


@dataclass
class Services:
    root: Path
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis

    def env(self) -> dict[str, str]:
        home = self.root / "superset_home"
        home.mkdir(exist_ok=True)
        return {
            "SUPERSET_CONFIG_PATH": str(TEST_CONFIG),
            "SUPERSET_HOME": str(home),
            "SUPERSET__SQLALCHEMY_DATABASE_URI": self.postgres.uri("superset"),
            "SUPERSET__SQLALCHEMY_EXAMPLES_URI": self.postgres.uri("examples"),
            "SUPERSET_REDIS_URL": self.redis.url,
            "SUPERSET_SECRET_KEY": "test-secret-key-that-is-long-enough-for-superset-0123456789",
            "PYTHONUNBUFFERED": "1",
            # Uploads and Sample Packs of onboarding runs: the session's own directory, shared by app and worker.
            "REVIEW_ONBOARDING_DIR": str(self.root / "onboarding"),
        }


@contextmanager
def running_services(root: Path) -> Iterator[Services]:
    postgres = start_postgres(root / "postgres")
    redis = None
    try:
        for name in ("superset", "examples"):
            postgres.ensure_database(name)
        redis = start_redis(root / "redis", free_port(), root / "logs" / "redis.log")
        yield Services(root=root, postgres=postgres, redis=redis)
    finally:
        if redis is not None:
            redis.stop()
        postgres.stop()


@contextmanager
def running_worker(
    env: dict[str, str], log: Path, timeout: float = 60.0, options: tuple[str, ...] = ()
) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker on Superset's app, as `superset-review up` starts it (``options`` added, e.g. a queue)."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app=superset.tasks.celery_app:app",
        "worker",
        "--pool=threads",
        "--concurrency=2",
        "--hostname=review-test@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        *options,
    ]
    process = spawn(command, log, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + timeout
        while b" ready." not in (log.read_bytes() if log.exists() else b""):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start: see {log}")
            time.sleep(0.2)
        yield process
    finally:
        stop_process(process)
