"""In a real browser: the admin finds the Dataset Review menu in Superset's navbar and opens the workspace, which
runs under Superset's CSP and keeps Superset's own navbar (its menus lead back into Superset); a Gamma user has no
such menu."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.live import WEB_LOG
from tests.users import ADMIN, GAMMA, PASSWORD

EVENT_LOG = "**/superset/log/**"


def refuse(route: Any) -> None:
    route.abort()


def log_in(page: Any, live_server: str, username: str) -> None:
    # Superset's login page posts its event log (/superset/log/) as the form submits, with the session cookie of
    # before the login. Refused, that request redirects to /login/, whose answer sets that old, anonymous session
    # cookie again; when it lands after the login's answer, the user is logged out before the welcome page (seen in
    # the live server's log: POST /login/ 302, then GET /login/?next=/superset/log/... 200, then the welcome page
    # sent back to /login/). Not sending the log while logging in removes the race; it is the page's, not ours.
    page.route(EVENT_LOG, refuse)
    try:
        page.goto(f"{live_server}/login/")
        page.get_by_label(re.compile("username", re.I)).fill(username)
        page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("sign in|log in", re.I)).click()
        # Wherever Superset lands the user (welcome page, dashboard list), it is no longer the login page. "commit":
        # the redirect is what logging in is; waiting for the landing page's every asset only measured the machine.
        page.wait_for_url(lambda url: "/login" not in url, timeout=90_000, wait_until="commit")
    except Exception as ex:  # re-raised with what the page said, so a failed login can be told apart
        said = page.locator(".alert, [role=alert], .ant-message, [data-test=toast-container]").all_inner_texts()
        body = page.locator("body").inner_text()[:400]
        cookies = sorted(cookie["name"] for cookie in page.context.cookies())
        raise AssertionError(
            f"{username} is still at {page.url}: the page says {said} / {body!r}, cookies {cookies}; "
            f"the server's last login lines: {server_login_lines()}"
        ) from ex
    finally:
        page.unroute(EVENT_LOG, refuse)


def server_login_lines() -> list[str]:
    """The live server's log lines about /login/ and errors (tests/browser/conftest.py names the log)."""
    if not WEB_LOG or not WEB_LOG[0].exists():
        return []
    lines = WEB_LOG[0].read_text(encoding="utf-8", errors="replace").splitlines()
    return [line[:300] for line in lines if "login" in line.lower() or "error" in line.lower()][-15:]


def test_admin_opens_the_workspace_from_the_menu(page: Any, live_server: str, artifacts: Path) -> None:
    csp_errors: list[str] = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/superset/welcome/")
    menu = page.get_by_text("Dataset Review", exact=True).first
    menu.wait_for(timeout=60_000)
    menu.hover()
    entry = page.get_by_role("menuitem", name=re.compile("Review Workspace"))
    entry.wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "01-superset-menu-dataset-review.png"))
    entry.click()
    page.wait_for_url(f"{live_server}/dataset_review/", timeout=30_000)

    table = page.get_by_role("table").filter(has_text="Metadata database")
    table.wait_for(timeout=30_000)
    rows = {
        row.get_by_role("rowheader").inner_text().strip(): row.inner_text()
        for row in table.get_by_role("row").all()[1:]
    }
    assert set(rows) >= {"Metadata database", "pgvector", "Redis", "Celery worker", "LLM"}
    assert "OK" in rows["Metadata database"].upper() and "OK" in rows["Celery worker"].upper()
    assert "LLM not configured" in rows["LLM"]
    page.screenshot(path=str(artifacts / "02-workspace-health.png"), full_page=True)
    assert csp_errors == [], "the bundle loads under Superset's CSP (nonce)"


def test_the_workspace_keeps_supersets_navbar(
    page: Any, live_server: str, artifacts: Path, examples: dict[str, int]
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/dataset_review/")
    # Superset's own navbar (its app, rendered from the page's bootstrap data), not a copy of it.
    navbar = page.locator("#app #main-menu")
    dashboards = navbar.get_by_role("menuitem", name="Dashboards", exact=True)
    dashboards.wait_for(timeout=60_000)
    items = navbar.get_by_role("menuitem").all_inner_texts()
    assert {"Charts", "Datasets", "SQL", "Settings"} <= set(items), items
    assert "Dataset Review" in items, "the extension's own menu is there too"
    # The navbar sits above the workspace, which still renders below it.
    page.get_by_role("table").filter(has_text="Metadata database").wait_for(timeout=30_000)
    navbar_box = navbar.bounding_box()
    root_box = page.locator("#dataset-review-root").bounding_box()
    assert navbar_box and root_box and navbar_box["height"] > 20
    assert root_box["y"] >= navbar_box["y"] + navbar_box["height"] - 1
    page.screenshot(path=str(artifacts / "03-workspace-inside-superset-navbar.png"))
    # Superset moves among its pages inside its app: from here, that is a whole page of Superset's.
    dashboards.click()
    page.wait_for_url(re.compile(r"/dashboard/list"), timeout=30_000)
    page.get_by_text("Sales Dashboard").first.wait_for(timeout=60_000)
    assert page.locator("#dataset-review-root").count() == 0, "Superset's own page, not the workspace"
    assert errors == [], errors


def test_gamma_sees_no_menu_and_no_workspace(page: Any, live_server: str) -> None:
    log_in(page, live_server, GAMMA)
    page.goto(f"{live_server}/superset/welcome/")
    page.get_by_text("Dashboards", exact=True).first.wait_for(timeout=60_000)
    assert page.get_by_text("Dataset Review", exact=True).count() == 0
    page.goto(f"{live_server}/dataset_review/")
    assert page.locator("#dataset-review-root").count() == 0
