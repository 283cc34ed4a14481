"""A live Superset (gunicorn, the reference superset_config.py with CSP and CSRF on) and Debian's Chromium."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from superset_review.embedded.processes import spawn, stop_process
from superset_review.embedded.stack import free_port
from tests.browser.live import WEB_LOG
from tests.services import REPO, Services

CHROMIUM = os.environ.get("REVIEW_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(services: Services, service_env: dict[str, str], app: Any, worker: Any) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, **service_env, "SUPERSET_CONFIG_PATH": str(REPO / "superset_config.py")}
    log = services.root / "logs" / "web.log"
    WEB_LOG[:] = [log]  # quoted by log_in when a login fails
    process = spawn(
        [
            sys.executable,
            "-m",
            "gunicorn",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--worker-class=gthread",
            "--threads=4",
            "--timeout=120",
            # Every request with its status and duration in web.log: a slow or refused login can be read there.
            "--access-logfile=-",
            '--access-logformat=%(t)s "%(r)s" %(s)s %(D)sus',
            "superset.app:create_app()",
        ],
        log,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Superset did not start: see {log}")
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass  # still starting
            time.sleep(0.3)
        yield url
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
