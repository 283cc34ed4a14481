"""Domain Studio in a real browser, against the real APIs and the real worker (data_mode, 5 sample rows): classify
the examples' dataset and see the grid fill, open a column's evidence, approve a column, stage an alias, run the
auto-test and promote as Admin (the live version moves); a reviewer without can_curate sees no Promote; the page
passes the WCAG audit and speaks Russian; the review's Domains tab is the same studio."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.test_menu_and_workspace import log_in
from tests.browser.test_quality_of_use import audit, review_as_admin
from tests.browser.test_review_flow import shot
from tests.users import ADMIN, MANAGER

# The screenshots the README shows come from this test.
STUDIO_SHOT = "40-domain-studio"
EVIDENCE_SHOT = "41-domain-evidence"


def open_studio(page: Any, live_server: str, dataset_id: int) -> None:
    page.goto(f"{live_server}/dataset_review/domains/{dataset_id}")
    page.get_by_role("heading", name=re.compile("Domain Studio")).wait_for(timeout=60_000)


def row_of(page: Any, column: str) -> Any:
    grid = page.get_by_role("table", name="Domains of the columns")
    return grid.locator("tr").filter(has=page.get_by_text(column, exact=True))


def live_version(page: Any) -> int:
    version = page.get_by_test_id("catalog-version")
    version.wait_for(timeout=30_000)
    return int(version.inner_text().rsplit(" ", 1)[1])


def test_classify_decide_stage_and_promote(
    page: Any, live_server: str, examples: dict[str, int], artifacts: Path
) -> None:
    log_in(page, live_server, ADMIN)
    open_studio(page, live_server, examples["sales"])
    before = live_version(page)
    page.get_by_role("button", name="Classify columns").click()
    # The worker domains all 25 columns; the grid fills as the task ends.
    page.wait_for_function("() => document.querySelectorAll('[data-band]').length >= 25", timeout=120_000)
    page.get_by_text(re.compile(r"^Domaining: ")).wait_for(state="detached", timeout=60_000)
    bands = page.locator("[data-band]").evaluate_all("(pills) => pills.map((pill) => pill.dataset.band)")
    high = bands.count("high")
    assert high >= len(bands) // 2, f"high-confidence domains: {high} of {len(bands)} ({bands})"
    phone = row_of(page, "phone")
    assert phone.get_by_text("contact.phone").count() == 1
    assert phone.locator('[data-band="high"]').count() == 1, phone.inner_text()
    assert phone.get_by_text("PHONE", exact=True).count() == 1
    # The reliability curve of tp_default_v1 (its calibration's bins), with the diagonal to read it against.
    chart = page.get_by_role("img", name=re.compile("Reliability of the confidence"))
    chart.wait_for(timeout=30_000)
    assert chart.get_by_test_id("bin").count() >= 3
    assert chart.get_by_test_id("diagonal").count() == 1
    assert page.get_by_role("table", name="Reliability bins").locator("tbody tr").count() >= 3
    assert audit(page) == []
    shot(page, artifacts, STUDIO_SHOT)

    # The evidence behind the phone column: its header token, the regex hits, masked samples, the score's parts.
    page.get_by_role("button", name="Evidence for phone").click()
    drawer = page.get_by_test_id("evidence-drawer")
    drawer.wait_for(timeout=10_000)
    assert drawer.get_by_role("region", name="Header tokens").get_by_text("phone", exact=True).count() == 1
    samples = drawer.get_by_role("region", name="Sample values (masked)").locator("li").all_inner_texts()
    assert samples, "data_mode keeps a few masked snippets"
    assert not any(re.search(r"\d{3}.?\d{3}.?\d{4}", sample) for sample in samples), samples
    hits = drawer.get_by_role("region", name="Regular expression hits").inner_text()
    assert re.search(r"\d+ / \d+", hits), hits
    assert drawer.get_by_role("progressbar", name="Regular expressions").count() == 1
    assert audit(page) == []
    page.screenshot(path=str(artifacts / f"{EVIDENCE_SHOT}.png"))
    page.get_by_label("Close the evidence").click()
    drawer.wait_for(state="detached", timeout=10_000)

    # Approve: the decision is stored (and written back to Superset's column).
    page.get_by_role("button", name="Approve the domain of phone").click()
    row_of(page, "phone").get_by_text("approved", exact=True).wait_for(timeout=30_000)

    # Add an alias to the domain of territory: a staged delta, listed with the catalog.
    page.get_by_role("button", name="More actions for territory").click()
    page.get_by_role("menuitem", name="Add alias").click()
    dialog = page.get_by_role("dialog")
    alias = dialog.get_by_label(re.compile("^Alias"))
    alias.fill("sales territory code")
    dialog.get_by_role("button", name="Add alias").click()
    dialog.wait_for(state="detached", timeout=30_000)
    deltas = page.get_by_role("table", name=re.compile(r"Staged changes \(\d+\)"))
    deltas.get_by_text("sales territory code").wait_for(timeout=30_000)

    # Promote as Admin (can_curate): the auto-test, then the next live version.
    page.get_by_role("button", name="Run the auto-test").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Run the auto-test'
                && !b.classList.contains('ant-btn-loading'))""",
        timeout=60_000,
    )
    promote = page.get_by_role("button", name="Promote staged changes")
    assert promote.is_enabled(), page.locator("#promote-blocker").all_inner_texts()
    promote.click()
    page.get_by_text(f"Catalog version {before + 1} is live").wait_for(timeout=30_000)
    # The panel reloads the catalog after the answer.
    page.get_by_test_id("catalog-version").filter(has_text=f"Live version {before + 1}").wait_for(timeout=30_000)
    assert page.get_by_text("No staged changes.").count() == 1


def test_a_reviewer_without_can_curate_sees_no_promote(
    browser: Any, live_server: str, examples: dict[str, int]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, live_server, MANAGER)
        open_studio(page, live_server, examples["sales"])
        live_version(page)
        assert page.get_by_role("button", name="Classify columns").count() == 1
        assert page.get_by_role("button", name="Promote staged changes").count() == 0
        assert page.get_by_role("button", name="Run the auto-test").count() == 0
    finally:
        context.close()


def test_in_russian(page: Any, live_server: str, examples: dict[str, int]) -> None:
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/lang/ru")
    open_studio_ru = f"{live_server}/dataset_review/domains/{examples['sales']}"
    page.goto(open_studio_ru)
    page.get_by_role("heading", name=re.compile("Студия доменов: cleaned_sales_data")).wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Определить домены").count() == 1
    assert page.get_by_role("region", name="Каталог доменов").count() == 1
    assert page.get_by_role("region", name="Надёжность уверенности").count() == 1
    page.get_by_role("columnheader", name="Уверенность", exact=True).wait_for(
        timeout=30_000
    )  # the grid, once its GET answered
    assert "Classify columns" not in page.locator("#dataset-review-root").inner_text()
    page.goto(f"{live_server}/lang/en")


def test_the_reviews_domains_tab(page: Any, live_server: str, examples: dict[str, int], client: Any) -> None:
    review = review_as_admin(page, live_server, client, examples["sales"])
    page.goto(review)
    page.get_by_role("tab", name="Domains").click(timeout=60_000)
    panel = page.get_by_role("tabpanel").filter(visible=True).first
    panel.get_by_role("table", name="Domains of the columns").wait_for(timeout=30_000)
    assert panel.get_by_role("button", name="Classify columns").count() == 1
    link = panel.get_by_role("link", name="Open Domain Studio page")
    assert link.get_attribute("href") == f"/dataset_review/domains/{examples['sales']}"
