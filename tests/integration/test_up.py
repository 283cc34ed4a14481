"""`superset-review up` as a user runs it: it comes up, answers, and Ctrl-C leaves nothing running; bad input
gets one line and a non-zero exit."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from superset_review.embedded.stack import free_port

UP_TIMEOUT = 240


def start_up(data_dir: Path, port: int, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET", "REVIEW_"))}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "superset_review.cli.main",
            "up",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**clean_env, **(env or {})},
    )


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float = UP_TIMEOUT) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line.rstrip())
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not seen; output:\n" + "\n".join(lines))


def processes_on(data_dir: Path) -> list[psutil.Process]:
    """PostgreSQL daemonizes, so it is found by its data directory rather than as a child."""
    return [
        process
        for process in psutil.process_iter(["cmdline"])
        if any(str(data_dir) in part for part in process.info["cmdline"] or [])
    ]


def stack_processes(root: psutil.Process, data_dir: Path) -> list[psutil.Process]:
    """`up`'s process tree plus what runs on its data directory."""
    return root.children(recursive=True) + processes_on(data_dir)


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    survivors = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                survivors.append(process)
        except psutil.NoSuchProcess:
            pass
    return survivors


def stop_and_check_nothing_left(process: subprocess.Popen[str], data_dir: Path, sig: signal.Signals) -> str:
    tree = stack_processes(psutil.Process(process.pid), data_dir)
    assert len(tree) >= 4, "postgres, redis, worker and web must have been running"
    process.send_signal(sig)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    assert alive(tree) == [], f"left running: {[p.info for p in alive(tree) if hasattr(p, 'info')]}"
    return output


@pytest.mark.timeout(600)
def test_up_cold_then_warm_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    up = start_up(data_dir, port, "--admin-user", "boss", "--admin-password", "s3cret-pw")
    try:
        lines = wait_for_line(up, "is up in")
        assert any("First start" in line for line in lines)
        assert any(line.strip().startswith("worker") and " ok " in line for line in lines)
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).text == "OK"
        login = requests.post(
            f"http://127.0.0.1:{port}/api/v1/security/login",
            json={"username": "boss", "password": "s3cret-pw", "provider": "db"},
            timeout=10,
        )
        assert login.status_code == 200, "the admin of --admin-user/--admin-password was created"
        token = {"Authorization": f"Bearer {login.json()['access_token']}"}
        datasets = requests.get(f"http://127.0.0.1:{port}/api/v1/dataset/", headers=token, timeout=10).json()
        names = {d["table_name"]: d["id"] for d in datasets["result"]}
        assert {"cleaned_sales_data", "sales_review_templated"} <= set(names), "the curated examples are loaded"
        dashboards = requests.get(f"http://127.0.0.1:{port}/api/v1/dashboard/", headers=token, timeout=10).json()
        assert [d["dashboard_title"] for d in dashboards["result"]] == ["Sales Dashboard"]

        exported = review_cli(data_dir, str(names["sales_review_templated"]), "--user", "boss")
        assert exported.returncode == 0, exported.stderr[-2000:]
        assert exported.stdout.startswith("# Review: sales_review_templated")
        assert "URL_PARAM_MISSING `deal_size`" in exported.stdout
        columns = exported.stdout.split("## Columns", 1)[1].split("## Findings", 1)[0]
        assert "| sales |" in columns and "| min_sales |" not in columns, "a template parameter is not a column"
        assert "| min_sales | template_param | 0 | dataset_params |" in exported.stdout

        output = stop_and_check_nothing_left(up, data_dir, signal.SIGINT)
        assert "Stopped." in output
    finally:
        terminate(up, data_dir)

    # With `up` stopped, the review starts the data directory's PostgreSQL and Redis itself and stops them.
    as_json = review_cli(data_dir, f"/superset/dashboard/{dashboards['result'][0]['id']}/", "--user", "boss",
                         "--format", "json")  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr[-2000:]
    body = json.loads(as_json.stdout)
    assert body["format"] == "superset-review/review@1" and body["dashboard_id"] == dashboards["result"][0]["id"]
    assert {f["name"] for f in body["context"]["filters"]} >= {"Country"}
    assert alive(processes_on(data_dir)) == [], "the review stopped what it started"

    # Warm, with Superset's MCP service beside the web server: it answers (401 without a token) and stops with the rest.
    mcp_port = free_port()
    warm = start_up(data_dir, port, "--admin-user", "boss", "--admin-password", "s3cret-pw", "--mcp", "--mcp-port",
                    str(mcp_port), env={"SUPERSET_MCP_JWT_SECRET": "up-test-secret-0123456789abcdefghijklmnop"})  # fmt: skip
    try:
        lines = wait_for_line(warm, "is up in")
        assert any("Reusing the data directory" in line for line in lines), lines
        assert (
            f"MCP (Superset's service, with the extension's tools): http://127.0.0.1:{mcp_port}/mcp"
            in (wait_for_line(warm, "MCP (Superset's service")[-1])
        )
        deadline, answer = time.monotonic() + 120, None
        while answer is None and time.monotonic() < deadline:
            try:
                answer = requests.post(f"http://127.0.0.1:{mcp_port}/mcp", json={"jsonrpc": "2.0", "id": 1,
                                       "method": "tools/list"}, timeout=5)  # fmt: skip
            except requests.ConnectionError:
                time.sleep(0.5)
        assert answer is not None and answer.status_code == 401, "the MCP service is up and wants a bearer token"
        stop_and_check_nothing_left(warm, data_dir, signal.SIGTERM)
    finally:
        terminate(warm, data_dir)


def review_cli(data_dir: Path, source: str, *extra: str) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET", "REVIEW_"))}
    return subprocess.run(
        [sys.executable, "-m", "superset_review.cli.main", "review", source, "--data-dir", str(data_dir), *extra],
        capture_output=True, text=True, env=clean_env, timeout=180, check=False,
    )  # fmt: skip


def terminate(process: subprocess.Popen[str], data_dir: Path) -> None:
    """After a failed assertion: let `up` stop its children, then stop whatever still runs on data_dir."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(90)
        except subprocess.TimeoutExpired:
            process.kill()
    for leftover in alive(processes_on(data_dir)):
        leftover.kill()


def run_up_expecting_failure(data_dir: Path, port: int, env: dict[str, str] | None = None) -> str:
    up = start_up(data_dir, port, "--no-examples", env=env)
    output, _ = up.communicate(timeout=120)
    assert up.returncode == 2, output
    return output.strip().splitlines()[-1]


def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = run_up_expecting_failure(tmp_path / "data", port)
    assert line == f"superset-review: port {port} on 127.0.0.1 is already in use: stop what uses it or pass --port"
    assert not (tmp_path / "data" / "postgres").exists(), "nothing was started"


def test_data_dir_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    line = run_up_expecting_failure(blocker / "data", free_port())
    assert line.startswith(f"superset-review: data directory {blocker / 'data'} is not writable")
    assert line.endswith("choose another with --data-dir")


@pytest.mark.parametrize(
    ("key", "value", "accepts"),
    [
        ("REVIEW_WORKER_CONCURRENCY", "many", "an integer from 1 to 32"),
        ("REVIEW_HEALTH_TIMEOUT_SECONDS", "-1", "a number of seconds greater than 0"),
        ("REVIEW_REDIS_URL", "http://localhost", "a redis://, rediss:// or unix:// URL"),
    ],
)
def test_wrong_setting_stops_up_with_one_line(tmp_path: Path, key: str, value: str, accepts: str) -> None:
    line = run_up_expecting_failure(tmp_path / "data", free_port(), env={key: value})
    assert line.startswith(f"superset-review: {key} must be {accepts}")
    assert not (tmp_path / "data").exists()


LANE_NAMES = ("interactive_fast", "flex_bg", "batch_jobs")


def lane_workers(root: psutil.Process) -> dict[str, psutil.Process]:
    """`up`'s Celery workers by lane, from their command lines (--hostname=superset-review-<lane>@...)."""
    workers = {}
    for child in alive(root.children()):
        for part in child.cmdline():
            if part.startswith("--hostname=superset-review-"):
                workers[part.removeprefix("--hostname=superset-review-").split("@")[0]] = child
    return workers


def inspect_queues(data_dir: Path, destination: str) -> dict[str, Any]:
    """``celery inspect active_queues`` against the running stack: which queues a worker really consumes."""
    runtime = json.loads((data_dir / "runtime.json").read_text())["env"]
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET", "REVIEW_"))}
    env = {**clean_env, **runtime, "SUPERSET_SECRET_KEY": (data_dir / "secret_key").read_text().strip()}
    result = subprocess.run(
        [sys.executable, "-m", "celery", "--app=superset.tasks.celery_app:app", "inspect", "active_queues",
         "--timeout=10", "-d", destination, "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.timeout(600)
def test_up_serves_every_lane_and_restarts_a_killed_worker_by_itself(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    up = start_up(data_dir, free_port(), "--no-examples", env={"REVIEW_LANE_CONCURRENCY": '{"batch_jobs": 2}'})
    try:
        wait_for_line(up, "is up in")
        root = psutil.Process(up.pid)
        workers = lane_workers(root)
        assert sorted(workers) == sorted(LANE_NAMES), "one worker per lane"
        for lane in LANE_NAMES:  # `up` said it was up once every lane was served
            assert " ready." in (data_dir / "logs" / f"worker-{lane}.log").read_text(errors="replace"), lane
        commands = {lane: " ".join(process.cmdline()) for lane, process in workers.items()}
        assert "--queues=interactive_fast " in commands["interactive_fast"] and "--concurrency=2" in commands[
            "interactive_fast"]  # fmt: skip
        assert "--queues=flex_bg,celery " in commands["flex_bg"], "flex_bg serves Superset's default queue too"
        assert "--concurrency=2" in commands["batch_jobs"], "REVIEW_LANE_CONCURRENCY reached the batch lane's worker"

        victim = workers["batch_jobs"]
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        lines = wait_for_line(up, "worker-batch_jobs restarted", timeout=60)
        assert any(f"worker-batch_jobs (pid {victim.pid}) was killed by SIGKILL" in line for line in lines), lines
        log = data_dir / "logs" / "worker-batch_jobs.log"
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text(errors="replace").rsplit("worker-batch_jobs restarted", 1)[-1]:
            assert time.monotonic() < deadline, "the restarted worker never said it was ready"
            time.sleep(0.5)
        assert time.monotonic() - killed_at < 120, "back within the bound"
        text = log.read_text(errors="replace")
        assert f"superset-review: worker-batch_jobs (pid {victim.pid}) was killed by SIGKILL" in text
        assert "restarting in 1s" in text, "the first wait of the backoff"
        after = lane_workers(root)
        assert after["batch_jobs"].pid != victim.pid and not victim.is_running()
        assert after["flex_bg"].pid == workers["flex_bg"].pid, "the other lanes' workers were not touched"
        hostname = next(p for p in after["batch_jobs"].cmdline() if p.startswith("--hostname=")).split("@")[1]
        replies = inspect_queues(
            data_dir, f"superset-review-batch_jobs@{socket.gethostname() if hostname == '%h' else hostname}"
        )
        assert [queue["name"] for reply in replies.values() for queue in reply] == ["batch_jobs"], replies

        stop_and_check_nothing_left(up, data_dir, signal.SIGINT)
        assert alive(list(after.values())) == [], "every worker stopped by its PID"
    finally:
        terminate(up, data_dir)


@pytest.mark.timeout(400)
def test_up_one_worker_serves_every_lane_in_one_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    up = start_up(data_dir, free_port(), "--no-examples", "--one-worker", env={"REVIEW_WORKER_CONCURRENCY": "3"})
    try:
        wait_for_line(up, "is up in")
        workers = [c for c in alive(psutil.Process(up.pid).children()) if "celery" in " ".join(c.cmdline())]
        assert len(workers) == 1, [w.cmdline() for w in workers]
        command = workers[0].cmdline()
        assert "--queues=interactive_fast,flex_bg,celery,batch_jobs" in command and "--concurrency=3" in command
        assert " ready." in (data_dir / "logs" / "worker.log").read_text(errors="replace")
        stop_and_check_nothing_left(up, data_dir, signal.SIGTERM)
    finally:
        terminate(up, data_dir)
