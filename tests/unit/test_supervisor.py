"""The supervision of `up`'s workers with real child processes: the reason of a death in the log, the backoff
doubling while a process keeps dying right after it starts, the stack stopped once it will clearly not start, and
every process stopped by its PID."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from superset_review.embedded.errors import StackError
from superset_review.embedded.supervisor import SupervisedProcess, exit_reason


def supervised(tmp_path: Path, code: str, **options: float) -> SupervisedProcess:
    return SupervisedProcess(
        "worker-test", [sys.executable, "-c", code], tmp_path / "worker-test.log", {}, out=lambda _line: None,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def wait_for(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the bound"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("returncode", "reason"),
    [
        (-9, "was killed by SIGKILL"),
        (-15, "was killed by SIGTERM"),
        (3, "exited with code 3"),
        (0, "exited with code 0"),
    ],
)
def test_exit_reason(returncode: int, reason: str) -> None:
    assert exit_reason(returncode) == reason


def test_a_killed_process_is_restarted_with_the_reason_in_its_log(tmp_path: Path) -> None:
    worker = supervised(tmp_path, "import time; time.sleep(60)", backoff_first=0.2)
    worker.start()
    try:
        first = worker.pid
        assert first is not None
        psutil.Process(first).send_signal(signal.SIGKILL)
        wait_for(lambda: worker.check() or worker.pid not in (None, first))
        assert worker.restarts == 1 and psutil.Process(worker.pid).is_running()
        log = worker.log.read_text()
        assert f"superset-review: worker-test (pid {first}) was killed by SIGKILL" in log
        assert "restarting in 0.2s" in log and "worker-test restarted (pid" in log
    finally:
        pid = worker.pid
        worker.stop()
    assert pid is not None and not psutil.pid_exists(pid), "stopped by its PID"


def test_the_backoff_doubles_and_a_process_that_never_starts_stops_the_stack(tmp_path: Path) -> None:
    worker = supervised(tmp_path, "import sys; sys.exit(3)", backoff_first=0.05, max_quick_deaths=4)
    worker.start()
    with pytest.raises(StackError, match=r"worker-test \(pid \d+\) exited with code 3 after 0s, 4 times in a row"):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            worker.check()
            time.sleep(0.01)
    log = worker.log.read_text()
    waits = [line.rsplit("restarting in ", 1)[1] for line in log.splitlines() if "restarting in" in line]
    assert waits == ["0.05s", "0.1s", "0.2s"] and worker.restarts == 3, "doubled after each quick death"
    assert worker.restart_at is None and worker.pid is None, "not restarted after giving up"
    assert "not restarted" in log


def test_a_death_after_a_long_life_starts_the_backoff_again(tmp_path: Path) -> None:
    worker = supervised(tmp_path, "import sys; sys.exit(1)", backoff_first=0.05, stable_after=0.0)
    worker.start()
    for _ in range(3):
        wait_for(lambda: worker.check() or worker.restart_at is not None)
        assert worker.quick_deaths == 1, "each death counts as the first after a stable run"
        wait_for(lambda: worker.check() or worker.pid is not None)
    worker.stop()
