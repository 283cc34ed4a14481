"""`superset-review up`: the whole local stack, started in order and stopped in reverse, leaving nothing behind.

PostgreSQL (pgvector) holds Superset's metadata, the extension's tables and the examples; Redis is Celery's
broker and result backend and Superset's cache; one Celery worker per lane (interactive_fast, flex_bg, batch_jobs;
``--one-worker``: one for all) and one gunicorn web server run Superset with the extension. The workers are
supervised: one that dies is restarted with backoff, the reason in its log. Every process is ours: stopped by the
PID we started, on Ctrl-C, SIGTERM or failure.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version as installed_version
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from superset_review.embedded.errors import StackError
from superset_review.embedded.postgres import EXAMPLES_DB, METADATA_DB, EmbeddedPostgres, start_postgres
from superset_review.embedded.processes import spawn, stop_process
from superset_review.embedded.redis import EmbeddedRedis, start_redis
from superset_review.embedded.supervisor import BACKOFF_FIRST_SECONDS, SupervisedProcess
from superset_review.migration.lanes import (
    ALL_QUEUES,
    DEFAULT_LANE_CONCURRENCY,
    LANES,
    lane_worker_command,
    worker_command,
)

HOST = "127.0.0.1"
DEFAULT_PORT = 8088
REPO_CONFIG = Path(__file__).resolve().parents[2] / "superset_config.py"
CELERY_READY = b" ready."  # what a Celery worker logs once it consumes its queues


@dataclass(frozen=True)
class StackOptions:
    data_dir: Path
    port: int = DEFAULT_PORT
    with_examples: bool = True
    admin_user: str = "admin"
    admin_password: str = "admin"  # noqa: S105 - the documented first-start default, printed on start
    worker_concurrency: int = 2  # the threads of the one worker of ``one_worker``
    # Threads of each lane's worker (REVIEW_LANE_CONCURRENCY).
    lane_concurrency: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LANE_CONCURRENCY))
    # One worker consuming every lane's queue, for a machine short of memory (each worker holds a Superset app).
    one_worker: bool = False
    restart_backoff: float = BACKOFF_FIRST_SECONDS  # first wait before a dead worker is restarted
    startup_timeout: float = 180.0
    mcp_port: int | None = None  # Superset's MCP service with the extension's tools (``up --mcp``)


def superset_config_path() -> Path:
    """The configuration the stack runs with: ``SUPERSET_CONFIG_PATH`` when set, else the repository's."""
    configured = os.environ.get("SUPERSET_CONFIG_PATH")
    path = Path(configured) if configured else REPO_CONFIG
    if not path.is_file():
        raise StackError(
            f"Superset configuration {path} not found: set SUPERSET_CONFIG_PATH to your superset_config.py"
        )
    return path


def check_data_dir(data_dir: Path) -> None:
    probe = data_dir / ".write-probe"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe.write_text("ok")
        probe.unlink()
    except OSError as ex:
        raise StackError(
            f"data directory {data_dir} is not writable ({ex.strerror or ex}): choose another with --data-dir"
        ) from ex


def check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As gunicorn does: a port in TIME_WAIT after a previous run is free to use.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as ex:
            if ex.errno == errno.EADDRINUSE:
                raise StackError(f"port {port} on {HOST} is already in use: stop what uses it or pass --port") from ex
            raise StackError(f"cannot listen on {HOST}:{port} ({ex.strerror}): pass another --port") from ex


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def secret_key(data_dir: Path) -> str:
    """A per-installation SECRET_KEY, made on the first start and kept (0600) in the data directory."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def bootstrap_stamp(with_examples: bool, admin_user: str) -> dict[str, Any]:
    """What a finished bootstrap depends on: when it matches the last one, a warm start skips the bootstrap."""
    package = Path(__file__).resolve().parents[1]
    sources = sorted(package.rglob("*.py")) + sorted((package.parent / "migrations").rglob("*.py"))
    digest = hashlib.sha256()
    for source in sources:
        digest.update(f"{source}:{source.stat().st_mtime_ns}".encode())
    return {
        "apache-superset": installed_version("apache-superset"),
        "superset-review": installed_version("superset-review"),
        "sources": digest.hexdigest(),
        "examples": with_examples,
        "admin_user": admin_user,
    }


@dataclass
class Stack:
    options: StackOptions
    out: Callable[[str], None] = print
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # The Celery workers, by name (worker-<lane>, or worker): restarted when they die.
    workers: dict[str, SupervisedProcess] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.options.data_dir / "logs"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.options.port}/"

    def env(self) -> dict[str, str]:
        assert self.postgres is not None and self.redis is not None
        home = self.options.data_dir / "superset_home"
        home.mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "SUPERSET_CONFIG_PATH": str(superset_config_path()),
            "SUPERSET_HOME": str(home),
            "SUPERSET__SQLALCHEMY_DATABASE_URI": self.postgres.uri(METADATA_DB),
            "SUPERSET__SQLALCHEMY_EXAMPLES_URI": self.postgres.uri(EXAMPLES_DB),
            "SUPERSET_REDIS_URL": self.redis.url,
            "SUPERSET_SECRET_KEY": secret_key(self.options.data_dir),
            "PYTHONUNBUFFERED": "1",
        }

    # -- start ------------------------------------------------------------------------------------------
    def start(self) -> float:
        """Start everything; returns the seconds it took to be healthy. On any failure stops what started."""
        started = time.monotonic()
        data_dir = self.options.data_dir
        check_data_dir(data_dir)
        check_port_free(self.options.port)
        if self.options.mcp_port is not None:
            check_port_free(self.options.mcp_port)
        superset_config_path()
        try:
            self.out(f"Starting embedded PostgreSQL (pgvector) in {data_dir / 'postgres'}")
            self.postgres = start_postgres(data_dir / "postgres")
            for database in (METADATA_DB, EXAMPLES_DB):
                self.postgres.ensure_database(database)
            self.out("Starting embedded Redis")
            self.redis = start_redis(data_dir / "redis", free_port(), self.logs / "redis.log")
            env = self.env()
            write_runtime(data_dir, env)
            self._bootstrap(env)
            self.out(f"Starting the Celery workers ({', '.join(self._worker_commands())}) and Superset on {self.url}")
            for name, command in self._worker_commands().items():
                worker = SupervisedProcess(name, command, self.logs / f"{name}.log", env, out=self.out,
                                           backoff_first=self.options.restart_backoff)  # fmt: skip
                self.workers[name] = worker
                worker.start()
            self.children["web"] = spawn(self._web_command(), self.logs / "web.log", env=env)
            if self.options.mcp_port is not None:
                self.out(f"Starting Superset's MCP service with the extension's tools on {self.mcp_url}")
                self.children["mcp"] = spawn(self._mcp_command(), self.logs / "mcp.log", env=env)
            report = self._wait_healthy(started)
        except BaseException:
            self.stop()
            raise
        elapsed = time.monotonic() - started
        checks = report.get("checks", {})
        for name in ("metadata_db", "pgvector", "redis", "worker", "llm"):
            if check := checks.get(name):
                self.out(f"  {name:<12} {check['status']:<9} {check['reason']}")
        return elapsed

    def _bootstrap(self, env: dict[str, str]) -> None:
        stamp_path = self.options.data_dir / "bootstrap.json"
        stamp = bootstrap_stamp(self.options.with_examples, self.options.admin_user)
        if stamp_path.exists():
            previous = json.loads(stamp_path.read_text())
            # Examples once loaded stay loaded; a start without them needs no new bootstrap.
            if previous == stamp or (previous == {**stamp, "examples": True} and not self.options.with_examples):
                self.out("Reusing the data directory: schema, permissions and examples are up to date")
                return
        self.out(
            "First start: migrating, creating the admin user"
            + (", loading examples" if self.options.with_examples else "")
        )
        command = [sys.executable, "-m", "superset_review.cli.main", "prepare", "--admin-user", self.options.admin_user]
        if self.options.with_examples:
            command.append("--examples")
        bootstrap_env = {**env, "REVIEW_ADMIN_PASSWORD": self.options.admin_password}
        process = spawn(command, self.logs / "bootstrap.log", env=bootstrap_env)
        try:
            code = process.wait(self.options.startup_timeout)
        except subprocess.TimeoutExpired as ex:
            stop_process(process)
            raise StackError(
                f"bootstrap took over {self.options.startup_timeout:.0f}s: see {self.logs / 'bootstrap.log'}"
            ) from ex
        finally:
            stop_process(process)
        if code != 0:
            raise StackError(
                f"bootstrap failed: {last_line(self.logs / 'bootstrap.log')} (full log: {self.logs / 'bootstrap.log'})"
            )
        stamp_path.write_text(json.dumps(stamp, indent=2))

    def _worker_commands(self) -> dict[str, list[str]]:
        """One worker per lane, each on its lane's queues with its own threads (a migration's chunks never take the
        slot a review's profile waits for); or, with ``one_worker``, one worker on every queue."""
        if self.options.one_worker:
            return {"worker": worker_command(ALL_QUEUES, self.options.worker_concurrency, "superset-review")}
        return {
            f"worker-{lane.value}": lane_worker_command(lane, self.options.lane_concurrency[lane.value])
            for lane in LANES
        }

    @property
    def mcp_url(self) -> str:
        return f"http://{HOST}:{self.options.mcp_port}/mcp"

    def _mcp_command(self) -> list[str]:
        port = str(self.options.mcp_port)
        return [sys.executable, "-m", "superset_review.cli.main", "mcp", "--host", HOST, "--port", port]

    def _web_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            f"--bind={HOST}:{self.options.port}",
            "--workers=1",
            "--worker-class=gthread",
            "--threads=8",
            "--timeout=120",
            "--graceful-timeout=10",
            "superset.app:create_app()",
        ]

    def _wait_healthy(self, started: float) -> dict[str, Any]:
        """Wait for Superset's /health, then for the extension's health to have no component down."""
        deadline = started + self.options.startup_timeout
        session = requests.Session()
        logged_in = False
        report: dict[str, Any] = {}
        while time.monotonic() < deadline:
            self.raise_if_child_died()
            try:
                if not logged_in:
                    if session.get(f"{self.url}health", timeout=2).status_code != 200:
                        raise requests.ConnectionError
                    response = session.post(
                        f"{self.url}api/v1/security/login",
                        json={
                            "username": self.options.admin_user,
                            "password": self.options.admin_password,
                            "provider": "db",
                            "refresh": False,
                        },
                        timeout=5,
                    )
                    if response.status_code != 200:
                        # The admin may have changed the password: Superset answering is healthy enough.
                        return {"status": "ok", "checks": {}}
                    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
                    logged_in = True
                response = session.get(f"{self.url}api/v1/dataset_review/health", timeout=10)
                report = response.json()
                # Every lane served, not only the first worker to answer the health check's ping.
                if report.get("status") in ("ok", "degraded") and self.workers_ready():
                    return report
            except (requests.ConnectionError, requests.Timeout, ValueError):
                pass
            time.sleep(0.25)
        down = [name for name, check in report.get("checks", {}).items() if check.get("status") == "down"]
        detail = f" (down: {', '.join(down)})" if down else ""
        raise StackError(
            f"the stack was not healthy after {self.options.startup_timeout:.0f}s{detail}: see {self.logs}"
        )

    def workers_ready(self) -> bool:
        return all(worker.said(CELERY_READY) for worker in self.workers.values())

    # -- run and stop -----------------------------------------------------------------------------------
    def raise_if_child_died(self) -> None:
        """Restart a dead worker (when its backoff is over); a dead web server or MCP service stops the stack."""
        for worker in self.workers.values():
            worker.check()
        for name, process in self.children.items():
            if process.poll() is not None:
                log = self.logs / f"{name}.log"
                raise StackError(f"the {name} process exited ({process.returncode}): {last_line(log)} (log: {log})")

    def stop(self) -> None:
        (self.options.data_dir / RUNTIME_FILE).unlink(missing_ok=True)
        for name in ("mcp", "web"):
            if process := self.children.pop(name, None):
                stop_process(process)
        while self.workers:
            self.workers.popitem()[1].stop()
        if self.redis is not None:
            self.redis.stop()
            self.redis = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None

    def pids(self) -> list[int]:
        pids = [process.pid for process in self.children.values()]
        pids += [pid for worker in self.workers.values() if (pid := worker.pid) is not None]
        if self.redis is not None:
            pids.append(self.redis.process.pid)
        if self.postgres is not None:
            pids.append(self.postgres.pid)
        return pids


RUNTIME_FILE = "runtime.json"
RUNTIME_KEYS = (
    "SUPERSET_CONFIG_PATH", "SUPERSET_HOME", "SUPERSET__SQLALCHEMY_DATABASE_URI", "SUPERSET__SQLALCHEMY_EXAMPLES_URI",
    "SUPERSET_REDIS_URL",
)  # fmt: skip


def write_runtime(data_dir: Path, env: dict[str, str]) -> None:
    """Where the running stack's services are, for commands such as `superset-review review` (no secrets)."""
    runtime = {"pid": os.getpid(), "env": {key: env[key] for key in RUNTIME_KEYS}}
    (data_dir / RUNTIME_FILE).write_text(json.dumps(runtime, indent=2))


def read_runtime(data_dir: Path) -> dict[str, str] | None:
    """The running stack's environment, or None when no `up` is running on ``data_dir``."""
    import psutil

    path = data_dir / RUNTIME_FILE
    if not path.exists():
        return None
    runtime = json.loads(path.read_text())
    if not psutil.pid_exists(int(runtime["pid"])):
        return None
    return dict(runtime["env"])


def last_line(log: Path) -> str:
    """The most telling line of a log: the last error line, else the last line."""
    if not log.exists():
        return "no log written"
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("superset-review:") or "Error" in line.split(":")[0]:
            return line[:400]
    return lines[-1][:400] if lines else "empty log"


class Stopping(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stopping(signum: int, _frame: FrameType | None) -> None:
    raise Stopping(signal.Signals(signum).name)


@contextmanager
def handle_stop_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into ``Stopping`` for the duration of a ``with`` block."""
    previous = {sig: signal.signal(sig, _raise_stopping) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_stack(options: StackOptions, out: Callable[[str], None] = print) -> int:
    """Start, serve until Ctrl-C/SIGTERM or a child dies, stop everything. Returns the exit code."""
    stack = Stack(options, out=out)
    try:
        with handle_stop_signals():
            elapsed = stack.start()
            out(f"Superset with superset-review is up in {elapsed:.1f}s: {stack.url}")
            if options.mcp_port is not None:
                out(f"MCP (Superset's service, with the extension's tools): {stack.mcp_url}")
            out(f"Log in as {options.admin_user} / {options.admin_password}. Ctrl-C stops everything.")
            while True:
                stack.raise_if_child_died()
                time.sleep(0.5)
    except Stopping as ex:
        out(f"{ex}: stopping every process of the stack")
        return 0
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave processes behind.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if stack.pids():
                stack.stop()
                out("Stopped.")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
