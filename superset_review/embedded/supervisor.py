"""A child of `superset-review up` that is restarted when it dies: the Celery workers of the lanes.

A worker can die under a laptop's run (the OOM killer, a segfault in a native library, a user's ``kill``): its task is
then taken over (a migration's chunk lease expires, a task's heartbeat stops), and what the run needs is a worker
on that lane again, without the user doing anything. The restart waits with exponential backoff (a worker that cannot
start at all must not spin), the reason (exit code or signal) goes to the worker's log and to `up`'s output, and a
worker that keeps dying right after it starts stops the stack with that reason instead of retrying forever.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from superset_review.embedded.errors import StackError
from superset_review.embedded.processes import kill_group, spawn, stop_process

# First wait before a restart, doubled after each death that came soon after a start, up to the ceiling.
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
# A process that lived this long was healthy: its death starts the backoff again from the first wait.
STABLE_SECONDS = 60.0
# This many deaths in a row, each soon after its start: it will not start; the stack stops and says why.
MAX_QUICK_DEATHS = 8


def exit_reason(returncode: int) -> str:
    """How a process ended, as Popen reports it (a negative code is the signal that killed it)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


@dataclass
class SupervisedProcess:
    name: str
    command: Sequence[str]
    log: Path
    env: Mapping[str, str]
    out: Callable[[str], None] = print
    backoff_first: float = BACKOFF_FIRST_SECONDS
    backoff_max: float = BACKOFF_MAX_SECONDS
    stable_after: float = STABLE_SECONDS
    max_quick_deaths: int = MAX_QUICK_DEATHS
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    quick_deaths: int = 0
    started_at: float = 0.0
    restart_at: float | None = None
    log_offset: int = 0  # where the current process's output starts in its log
    deaths: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        self.log_offset = self.log.stat().st_size if self.log.exists() else 0
        self.process = spawn(self.command, self.log, env=self.env)
        self.started_at = time.monotonic()
        self.restart_at = None

    def check(self) -> None:
        """Restart the process when it is due; note its death (and when to restart it) when it died. Called from
        `up`'s loop every half second; returns at once."""
        now = time.monotonic()
        if self.process is None:
            if self.restart_at is not None and now >= self.restart_at:
                self.restarts += 1
                self.start()
                self._say(f"{self.name} restarted (pid {self.pid}, restart {self.restarts})")
            return
        returncode = self.process.poll()
        if returncode is None:
            return
        lived = now - self.started_at
        reason = f"{self.name} (pid {self.process.pid}) {exit_reason(returncode)} after {lived:.0f}s"
        self.deaths.append(reason)
        kill_group(self.process.pid)  # what it forked dies with it, or the restart would run beside it
        self.process = None
        self.quick_deaths = self.quick_deaths + 1 if lived < self.stable_after else 1
        if self.quick_deaths >= self.max_quick_deaths:
            self._say(f"{reason}; it died {self.quick_deaths} times in a row soon after starting: not restarted")
            raise StackError(f"{reason}, {self.quick_deaths} times in a row soon after starting (log: {self.log})")
        delay = min(self.backoff_max, self.backoff_first * 2 ** (self.quick_deaths - 1))
        self.restart_at = now + delay
        self._say(f"{reason}; restarting in {delay:g}s")

    def said(self, marker: bytes) -> bool:
        """Whether the current process has written ``marker`` (Celery's " ready.") to its log since it started."""
        if self.process is None or not self.log.exists():
            return False
        with open(self.log, "rb") as log:
            log.seek(self.log_offset)
            return marker in log.read()

    def stop(self) -> None:
        self.restart_at = None
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def _say(self, line: str) -> None:
        """To `up`'s output and to the process's own log, where whoever reads why it stopped looks."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        with open(self.log, "a", encoding="utf-8") as log:
            log.write(f"[{stamp}] superset-review: {line}\n")
        self.out(line)
