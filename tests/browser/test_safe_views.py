"""The AI-safe view builder, the tool audit and the journal in a real browser, against the real APIs and worker: from
Superset's dataset list to the builder on review_customers (domained first), the proposals pre-ticked (the card
number left out, the email masked), a refused row filter with its part marked, fixed, the masked sample beside the
original, Create, and "Open in Superset" landing in Explore on the new dataset; the tool audit and the journal show
what was done; a user without can_admin gets 403 on the admin pages; the builder and the admin pages in Russian; the
WCAG audit on each page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_menu_and_workspace import log_in
from tests.browser.test_quality_of_use import audit
from tests.browser.test_review_flow import shot
from tests.datasets import create_customers_table, register_dataset
from tests.integration.test_dataset_domains import classified
from tests.services import Services
from tests.users import ADMIN, MANAGER, login

VIEW_NAME = "customers for the LLM"
BUILDER_SHOT = "50-safe-view-builder"
SAMPLE_SHOT = "51-safe-view-masked-sample"
AUDIT_SHOT = "52-tool-audit"
JOURNAL_SHOT = "53-journal"


@pytest.fixture(scope="module")
def customers(app: Any, services: Services, worker: Any) -> int:
    """review_customers as a Superset dataset, domained by the worker (its proposals come from the domains)."""
    create_customers_table(services)
    with app.app_context():
        dataset_id = register_dataset(services, "review_customers")
    client = app.test_client()
    login(client, ADMIN)
    classified(client, dataset_id)
    return dataset_id


def row_of(page: Any, column: str) -> Any:
    return page.get_by_role("table", name="Columns of the view").locator(f'tr[data-column="{column}"]')


def included(page: Any, column: str) -> bool:
    return bool(row_of(page, column).get_attribute("data-included") == "true")


def test_build_a_view_from_the_dataset_list_and_open_it_in_superset(
    page: Any, live_server: str, customers: int, artifacts: Path
) -> None:
    violations: dict[str, list[dict[str, Any]]] = {}
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/tablemodelview/list/")
    entry = page.locator(f'a[data-dataset-review="dataset-safe-view"][href$="/safe_views/new/{customers}"]')
    entry.wait_for(timeout=60_000)
    assert entry.inner_text() == "AI-safe view"
    entry.click()
    page.wait_for_url(re.compile(rf"/dataset_review/safe_views/new/{customers}$"), timeout=30_000)
    page.get_by_role("heading", name="New AI-safe view of review_customers").wait_for(timeout=60_000)

    # The proposals from the domains: personal columns ticked with their redaction, the card number left out.
    row_of(page, "email").wait_for(timeout=30_000)
    assert included(page, "customer_id") and included(page, "email") and included(page, "order_date")
    assert not included(page, "card_number"), row_of(page, "card_number").inner_text()
    assert row_of(page, "email").get_by_text("contact.email").count() == 1
    assert row_of(page, "email").get_by_text("EMAIL", exact=True).count() == 1
    # The email's redaction, chosen by the proposal (the chooser shows the operator's name).
    chosen = row_of(page, "email").locator(".ant-select-selection-item").first.inner_text()
    assert chosen in ("mask", "hash", "NULL"), chosen
    removed = page.get_by_test_id("count-removed").inner_text()
    assert re.fullmatch(r"[1-9]\d* left out", removed), removed
    page.get_by_label("Name", exact=True).fill(VIEW_NAME)

    # A row filter with a subquery: refused as it is typed, the refused part marked.
    box = page.get_by_label("Row filter (optional)", exact=True)
    box.fill("order_date >= '2003-01-01' AND customer_id IN (SELECT 1)")
    page.get_by_test_id("filter-error").wait_for(timeout=30_000)
    mark = page.get_by_test_id("filter-mark").locator("mark").inner_text()
    assert "SELECT" in mark.upper(), mark
    assert page.get_by_role("button", name="Create the view").is_disabled()
    violations["builder with a refused filter"] = audit(page)
    shot(page, artifacts, BUILDER_SHOT)
    box.fill("order_date >= '2003-01-01'")
    page.get_by_test_id("filter-valid").wait_for(timeout=30_000)
    assert page.get_by_test_id("filter-mark").count() == 0

    # The masked sample beside the original (the admin may see it).
    page.get_by_role("button", name="Show the masked sample").click()
    masked = page.get_by_test_id("sample-masked")
    masked.wait_for(timeout=60_000)
    original = page.get_by_test_id("sample-original")
    assert "ann.lee@example.com" in original.inner_text()
    assert "@example.com" not in masked.inner_text()
    assert "4111 1111 1111 1111" not in masked.inner_text()
    violations["masked sample"] = audit(page)
    shot(page, artifacts, SAMPLE_SHOT)

    # Create, then Superset's Explore on the new dataset.
    page.get_by_role("button", name="Create the view").click()
    created = page.get_by_test_id("safe-view-created")
    created.wait_for(timeout=60_000)
    assert "version 1" in created.inner_text()
    link = created.get_by_role("link", name="Open in Superset")
    href = link.get_attribute("href") or ""
    match = re.search(r"datasource_id=(\d+)", href)
    assert match, href
    dataset_id = int(match.group(1))
    assert dataset_id != customers
    link.click()
    page.wait_for_url(re.compile(r"/explore/"), timeout=60_000)
    page.get_by_text(VIEW_NAME).first.wait_for(timeout=90_000)
    assert "Not found" not in page.locator("body").inner_text()[:2000]
    assert {state: found for state, found in violations.items() if found} == {}


def test_the_admin_pages_show_what_was_done(
    page: Any, live_server: str, customers: int, client: Any, artifacts: Path
) -> None:
    # Tool calls as the admin: a sample of the view built above, and a refused one of the raw dataset.
    login(client, ADMIN)
    views = client.get(f"/api/v1/dataset_review/safe_views/?base_dataset_id={customers}")
    assert views.status_code == 200, views.json
    view = next(v for v in views.json["result"] if v["name"] == VIEW_NAME)
    sampled = client.post(
        "/api/v1/dataset_review/tools/sample_safe_view/invoke", json={"view_id": view["id"], "rows": 3}
    )
    assert sampled.status_code == 200, sampled.json
    raw = client.post("/api/v1/dataset_review/tools/sample_safe_view/invoke", json={"dataset_id": customers, "rows": 3})
    assert raw.status_code >= 400, raw.json

    violations: dict[str, list[dict[str, Any]]] = {}
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/dataset_review/admin/journal")
    page.get_by_role("heading", name="Journal").wait_for(timeout=60_000)
    table = page.get_by_role("table", name="Journal entries")
    table.locator("tbody tr.ant-table-row").first.wait_for(timeout=30_000)
    # The view created above, and the domains the fixture's classification wrote.
    entity = table.get_by_role("button", name=re.compile(r"^History of AI-safe view \d+$")).first
    entity.wait_for(timeout=30_000)
    violations["journal"] = audit(page)
    shot(page, artifacts, JOURNAL_SHOT)
    entity.click()
    history = page.get_by_test_id("journal-history")
    history.locator("tbody tr.ant-table-row").first.wait_for(timeout=30_000)
    assert history.locator("tbody tr.ant-table-row").count() >= 1
    page.get_by_label("Close the history").click()

    page.goto(f"{live_server}/dataset_review/admin/tools")
    page.get_by_role("heading", name="Tool audit").wait_for(timeout=60_000)
    calls = page.get_by_role("table", name="Tool calls")
    calls.locator("tbody tr[data-call]").first.wait_for(timeout=30_000)
    assert calls.get_by_text(ADMIN).count() >= 2
    assert calls.locator('[data-outcome="ok"]').count() >= 1
    assert calls.locator('[data-outcome="refused"]').count() >= 1
    chart = page.get_by_role("img", name="Calls per tool and outcome")
    bar = chart.locator('[data-testid="calls-bar"][data-tool="sample_safe_view"]')
    assert bar.count() == 1
    assert int(bar.locator('[data-outcome="ok"]').get_attribute("data-count") or 0) >= 1
    assert int(bar.locator('[data-outcome="refused"]').get_attribute("data-count") or 0) >= 1
    violations["tool audit"] = audit(page)
    # The outcome filter asks the API again: only the refused calls remain.
    page.get_by_role("combobox", name="Filter by outcome").click()
    page.locator(".ant-select-item-option[title='refused']").click()  # the visible item, not the a11y copy
    page.wait_for_function(
        """() => { const rows = document.querySelectorAll('table[aria-label="Tool calls"] tbody tr[data-call]');
                   return rows.length > 0 && [...rows].every((r) => r.querySelector('[data-outcome="refused"]')); }""",
        timeout=30_000,
    )
    assert {state: found for state, found in violations.items() if found} == {}
    shot(page, artifacts, AUDIT_SHOT)


def test_the_admin_pages_refuse_a_user_without_can_admin(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, live_server, MANAGER)
        for path in ("tools", "journal"):
            response = page.goto(f"{live_server}/dataset_review/admin/{path}")
            assert response is not None and response.status == 403, path
            assert page.locator("#dataset-review-root").count() == 0
        page.goto(f"{live_server}/dataset_review/")
        page.get_by_role("heading", name="Dataset Review").wait_for(timeout=60_000)
        assert page.get_by_role("link", name="Tool audit").count() == 0
    finally:
        context.close()


def test_in_russian(page: Any, live_server: str, customers: int) -> None:
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/lang/ru")
    try:
        page.goto(f"{live_server}/dataset_review/safe_views/new/{customers}")
        page.get_by_role("heading", name="Новое AI-безопасное представление датасета review_customers").wait_for(
            timeout=60_000
        )
        page.get_by_role("table", name="Колонки представления").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Создать представление").count() == 1
        assert "Create the view" not in page.locator("#dataset-review-root").inner_text()
        page.goto(f"{live_server}/dataset_review/admin/journal")
        page.get_by_role("heading", name="Журнал").wait_for(timeout=60_000)
        page.get_by_role("table", name="Записи журнала").wait_for(timeout=30_000)
        page.goto(f"{live_server}/dataset_review/")
        page.get_by_role("link", name="Аудит инструментов").wait_for(timeout=60_000)
    finally:
        page.goto(f"{live_server}/lang/en")
