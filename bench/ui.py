"""The workspace in a real browser (Debian's Chromium through Playwright) against a running `superset-review up`:
time to interactive of the workspace, gzipped JavaScript shipped, and the time the entry-point script spends on a
page of Superset's own."""

from __future__ import annotations

import gzip
import os
import re
import statistics
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "superset_review" / "static" / "dist"
CHROMIUM = os.environ.get("REVIEW_TEST_CHROMIUM", "/usr/bin/chromium")
RUNS = 10


def gzipped_kb() -> tuple[float, dict[str, float]]:
    sizes = {path.name: len(gzip.compress(path.read_bytes(), 9)) / 1024 for path in sorted(DIST.glob("*.js"))}
    return sum(sizes.values()), sizes


def rows(base: str, username: str, password: str) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.goto(f"{base}/login/")
            page.get_by_label(re.compile("username", re.I)).fill(username)
            page.get_by_label(re.compile("password", re.I)).fill(password)
            page.get_by_role("button", name=re.compile("sign in|log in", re.I)).click()
            page.wait_for_url(lambda url: "/login" not in url, timeout=90_000)
            interactive = []
            for _ in range(RUNS + 1):
                page.goto(f"{base}/dataset_review/")
                page.locator("#review-source:not([disabled])").wait_for(timeout=60_000)
                page.get_by_role("table").first.wait_for(timeout=60_000)
                interactive.append(page.evaluate("performance.now()"))
            interactive = interactive[1:]  # the first visit fills the browser's cache, as any first visit does
            spent = []
            for _ in range(RUNS):
                page.goto(f"{base}/tablemodelview/list/")
                page.locator('a[data-dataset-review="dataset-row"]').first.wait_for(timeout=60_000)
                page.wait_for_timeout(500)  # let Superset finish rendering: every mutation runs our observer
                spent.append(page.evaluate("window.__datasetReviewEntry.ms"))
        finally:
            browser.close()
    total, sizes = gzipped_kb()
    tti, extra = statistics.median(interactive), statistics.median(spent)
    return [
        {"name": "workspace time to interactive, localhost (median, warm cache)", "value": tti / 1000, "unit": "s",
         "target": "< 1.5 s", "met": tti < 1500,
         "note": f"navigation start to the start form enabled and the session list shown, {RUNS} visits; "
         f"max {max(interactive) / 1000:.2f} s"},
        {"name": "JavaScript shipped, gzipped", "value": total, "unit": "KB", "target": "< 600 KB", "met": total < 600,
         "note": ", ".join(f"{name} {size:.0f} KB" for name, size in sizes.items())},
        {"name": "entry-point script time on Superset's dataset list (median)", "value": extra, "unit": "ms",
         "target": "< 50 ms", "met": extra < 50,
         "note": f"all its work on the page (first run and every DOM-mutation run), {RUNS} loads; the module is "
         "deferred and never blocks Superset's own rendering"},
    ]  # fmt: skip
