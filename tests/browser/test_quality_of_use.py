"""Quality of use in a real browser: the workspace passes axe's WCAG 2.1 AA audit in each state, is used with the
keyboard (Superset's menus included), lands on a finding's target, fits 1280 px without horizontal scrolling or
layout jumps, and speaks Russian (its own words and the server's) when the user picks Russian in Superset."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_menu_and_workspace import log_in
from tests.browser.test_review_flow import shot
from tests.services import REPO
from tests.users import ADMIN, login

AXE = REPO / "superset_frontend_plugin" / "node_modules" / "axe-core" / "axe.min.js"
SESSIONS = "/api/v1/dataset_review/sessions/"
# What layout shift a page may have and still count as stable (Web Vitals' "good" cumulative layout shift).
STABLE_LAYOUT = 0.1


def audit(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations inside the workspace (Superset's own navbar is not ours)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make build` (npm ci in superset_frontend_plugin/)")
    # Evaluated through the DevTools protocol, which Superset's CSP does not govern (a <script> tag it would block).
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    settle(page)
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document.querySelector('#dataset-review-root'), {
                runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + n.failureSummary),
            }));
        }"""
    )
    return violations


def settle(page: Any) -> None:
    """Wait until the workspace shows its state: no animation or transition running (a fading element is audited at
    the opacity it had in that frame) and no button or spinner still loading."""
    page.wait_for_function(
        """() => {
            const root = document.querySelector('#dataset-review-root');
            if (!root) return false;
            const moving = document.getAnimations().some((animation) =>
                animation.playState === 'running' && animation.effect?.getTiming().iterations !== Infinity
                && root.contains(animation.effect?.target ?? null));
            return !moving && !root.querySelector('.ant-btn-loading, .ant-spin-spinning, .ant-skeleton-active');
        }""",
        timeout=30_000,
    )


def review_as_admin(page: Any, live_server: str, client: Any, source: int) -> str:
    """A new review of ``source`` by the admin, who is logged in in the browser: the review's URL."""
    login(client, ADMIN)
    response = client.post(SESSIONS, json={"source": str(source)})
    assert response.status_code == 201, response.json
    log_in(page, live_server, ADMIN)
    return f"{live_server}/dataset_review/?session={response.json['id']}"


def show(page: Any, url: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=re.compile("sales_review_templated")).wait_for(timeout=60_000)


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=re.compile(name)).click()
    page.get_by_role("tabpanel").filter(visible=True).first.wait_for()


def test_every_state_passes_the_wcag_aa_audit(
    page: Any, live_server: str, examples: dict[str, int], client: Any, artifacts: Path
) -> None:
    review = review_as_admin(page, live_server, client, examples["templated"])
    page.goto(f"{live_server}/dataset_review/")
    page.get_by_role("table").filter(has_text="Metadata database").wait_for(timeout=60_000)
    found = {"home": audit(page)}
    show(page, review)
    found["summary"] = audit(page)
    for tab in ("Findings", "Semantics", "Clarification", "Mappings", "Preview", "Runs"):
        open_tab(page, tab)
        found[tab.lower()] = audit(page)
    page.get_by_role("tab", name=re.compile("Clarification")).click()
    page.get_by_role("button", name="Start clarification").click()
    page.get_by_text(re.compile("What value should")).wait_for(timeout=30_000)
    found["question"] = audit(page)
    open_tab(page, "Preview")
    page.get_by_role("button", name="Preview the SQL").click()
    page.get_by_label("SQL").wait_for(timeout=30_000)
    found["preview-done"] = audit(page)
    failing = {state: violations for state, violations in found.items() if violations}
    (artifacts / "axe-violations.json").write_text(json.dumps(failing, indent=2))
    assert failing == {}, f"see {artifacts / 'axe-violations.json'}"


def focus_lands(page: Any, item: str | None) -> None:
    """Wait until the focus is on our menu item ``item`` (None: on none of ours). The menu moves the focus in a later
    frame than the key press, so reading it at once raced the menu on a busy machine (and with every core taken by
    other test sessions, the move took more than 5 s once)."""
    ours = "document.activeElement?.closest('[data-dataset-review]')?.dataset.datasetReview ?? null"
    try:
        page.wait_for_function(f"(item) => ({ours}) === item", arg=item, timeout=20_000)
    except Exception as ex:  # re-raised with where the focus is
        raise AssertionError(f"the focus is on {page.evaluate(ours)!r}, not {item!r}") from ex


def test_the_dashboard_menu_item_is_reached_with_the_keyboard(
    page: Any, live_server: str, examples: dict[str, int], artifacts: Path
) -> None:
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/superset/dashboard/{examples['dashboard']}/")
    trigger = page.locator('[data-test="actions-trigger"]')
    trigger.wait_for(timeout=60_000)
    # The dashboard still loading its charts re-renders the header and its menu: on a busy machine a key pressed
    # then was lost (the focus stayed where it was), so the menu is opened on a dashboard that finished loading.
    page.wait_for_load_state("networkidle", timeout=60_000)
    trigger.focus()
    page.keyboard.press("Enter")  # Superset's menu opens with the focus on one of its items
    page.locator('[data-dataset-review="dashboard-menu"]').wait_for(timeout=30_000)
    page.keyboard.press("End")
    focus_lands(page, "dashboard-menu")
    shot(page, artifacts, "30-dashboard-menu-keyboard")
    page.keyboard.press("ArrowDown")  # the ring goes on to the menu's first item ...
    focus_lands(page, None)
    assert page.evaluate("document.activeElement.getAttribute('role')") == "menuitem"
    page.keyboard.press("ArrowUp")  # ... and back to ours
    focus_lands(page, "dashboard-menu")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dataset_review/\?source=.*native_filters"), timeout=30_000)


def test_a_finding_jumps_to_its_target(
    page: Any, live_server: str, examples: dict[str, int], client: Any, artifacts: Path
) -> None:
    show(page, review_as_admin(page, live_server, client, examples["templated"]))
    open_tab(page, "Findings")
    finding = page.locator(".ant-list-item").filter(has_text="COLUMN_NO_DESCRIPTION").last
    column = finding.get_by_role("button").inner_text().strip()
    finding.get_by_role("button").click()
    # No dictionary yet: the column has no semantic row, and is shown in the summary's column table.
    page.wait_for_function(
        "(id) => document.activeElement && document.activeElement.id === id",
        arg=f"review-target-summary-column-{column}",
        timeout=10_000,
    )
    assert page.get_by_role("tab", name=re.compile("Summary")).get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") > 0, "scrolled into view"
    shot(page, artifacts, "31-finding-jumped-to-column")


def test_fits_1280_px_without_jumps(page: Any, live_server: str, examples: dict[str, int], client: Any) -> None:
    review = review_as_admin(page, live_server, client, examples["templated"])
    page.add_init_script(
        """window.__shift = 0;
        new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
        }).observe({ type: 'layout-shift', buffered: true });"""
    )
    show(page, review)
    # Late fonts and the first poll are what would shift the page: wait for them, not for a time.
    page.evaluate("document.fonts.ready.then(() => true)")
    settle(page)
    assert page.viewport_size["width"] == 1280
    for tab in ("Summary", "Semantics", "Mappings", "Preview"):
        open_tab(page, tab)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{tab} scrolls sideways by {overflow}px at 1280px"
    shift = page.evaluate("window.__shift")
    assert shift < STABLE_LAYOUT, f"cumulative layout shift {shift:.3f}"


def test_in_russian_when_the_user_picks_russian(
    page: Any, live_server: str, examples: dict[str, int], client: Any, artifacts: Path
) -> None:
    review = review_as_admin(page, live_server, client, examples["templated"])
    page.goto(f"{live_server}/lang/ru")  # Superset's language menu (LANGUAGES in superset_config.py)
    show(page, review)
    assert page.get_by_role("tab", name=re.compile("Замечания")).count() == 1
    body = page.locator("#dataset-review-root").inner_text()
    assert "has no value and no default" not in body
    open_tab(page, "Замечания")
    findings = page.locator("#dataset-review-root").inner_text()
    assert "не имеет описания" in findings or "нет описания" in findings, findings[:2000]
    assert "has no description" not in findings
    shot(page, artifacts, "32-workspace-in-russian")
    page.goto(f"{live_server}/lang/en")
