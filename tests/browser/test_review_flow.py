"""The whole review in a real browser, from Superset's own pages: the dataset list's "Review dataset" link, the
summary, a semantic candidate accepted, a clarification answered, preview, launch, and SQL Lab with the SQL; from a
dashboard with a filter set, "Review" carries the filter value; a mapping approved. Screenshots of each state."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.browser.test_menu_and_workspace import log_in
from tests.dashboards import country_mask
from tests.users import ADMIN, login


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_from_the_dataset_list_to_sql_lab(
    page: Any, live_server: str, artifacts: Path, examples: dict[str, int], tmp_path: Path
) -> None:
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/tablemodelview/list/")
    review = page.locator(f'a[data-dataset-review="dataset-row"][href$="source={examples["templated"]}"]')
    review.wait_for(timeout=60_000)
    shot(page, artifacts, "10-dataset-list-review-link")
    review.click()
    page.wait_for_url(re.compile(r"/dataset_review/\?source="), timeout=30_000)
    source = page.get_by_label("Superset link or dataset id")
    assert source.input_value() == str(examples["templated"]), "the link carries the dataset into the form"
    page.get_by_role("button", name="Start review").click()

    page.get_by_role("heading", name=re.compile("sales_review_templated")).wait_for(timeout=60_000)
    page.get_by_text("Next action").first.wait_for()
    shot(page, artifacts, "11-session-summary")

    page.get_by_role("tab", name=re.compile("Semantics")).click()
    dictionary = tmp_path / "dictionary.csv"
    dictionary.write_text("column,verbose_name,description\nsales,Sales amount,Order line total in USD\n")
    page.locator('input[type="file"]').set_input_files(str(dictionary))
    page.get_by_role("button", name="Accept", exact=True).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Accept", exact=True).first.click()
    page.get_by_text("accepted", exact=True).first.wait_for(timeout=30_000)
    shot(page, artifacts, "12-semantics-accepted")

    page.get_by_role("tab", name=re.compile("Clarification")).click()
    page.get_by_role("button", name="Start clarification").click()
    question = page.get_by_text(re.compile("What value should url_param 'deal_size' take"))
    question.wait_for(timeout=30_000)
    shot(page, artifacts, "13-clarification-question")
    page.get_by_label("Your answer").fill("Large")
    page.get_by_role("button", name="Answer").click()
    question.wait_for(state="detached", timeout=30_000)

    page.get_by_role("tab", name=re.compile("Preview")).click()
    page.get_by_role("button", name="Preview the SQL").click()
    page.get_by_label("SQL").get_by_text("deal_size = 'Large'").wait_for(timeout=30_000)
    shot(page, artifacts, "14-compiled-preview")
    page.get_by_role("button", name="Launch in SQL Lab").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Launch in SQL Lab").click()
    opened = page.get_by_role("link", name="Open SQL Lab")
    opened.wait_for(timeout=30_000)
    shot(page, artifacts, "15-launched")
    opened.click()
    page.wait_for_url(re.compile(r"/sqllab"), timeout=60_000)
    page.locator(".ace_content").get_by_text(re.compile("cleaned_sales_data")).first.wait_for(timeout=60_000)
    editor = page.locator(".ace_content").first.inner_text()
    assert "deal_size = 'Large'" in editor
    shot(page, artifacts, "16-sql-lab-with-the-sql")


def test_from_a_dashboard_with_a_filter_set(
    page: Any, live_server: str, artifacts: Path, examples: dict[str, int], client: Any
) -> None:
    login(client, ADMIN)
    mask = country_mask(["Japan"])
    key = client.post(f"/api/v1/dashboard/{examples['dashboard']}/filter_state", json={"value": json.dumps(mask)}).json[
        "key"
    ]
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/superset/dashboard/{examples['dashboard']}/?native_filters_key={key}")
    page.locator('[data-test="actions-trigger"]').click(timeout=60_000)
    item = page.locator('[data-dataset-review="dashboard-menu"]').get_by_role("link", name="Review")
    item.wait_for(timeout=30_000)
    shot(page, artifacts, "20-dashboard-review-menu")
    item.click()
    page.wait_for_url(re.compile(r"/dataset_review/\?source="), timeout=30_000)
    source = page.url.split("source=", 1)[1]
    assert "native_filters_key" in source
    page.get_by_role("button", name="Start review").click()
    filters = page.get_by_role("table").filter(has_text="Provenance").first
    filters.get_by_text('["Japan"]').wait_for(timeout=60_000)
    assert "filter_state" in filters.inner_text()
    shot(page, artifacts, "21-dashboard-filter-carried")

    # The templated dataset of the same dashboard: the filter reaches it by column name, which needs approval.
    page.goto(f"{live_server}/dataset_review/?source={source}&dataset={examples['templated']}")
    page.get_by_role("button", name="Start review").click()
    page.get_by_role("tab", name=re.compile("Mappings")).click()
    page.get_by_text("pending", exact=True).wait_for(timeout=60_000)
    shot(page, artifacts, "22-mapping-pending")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("approved", exact=True).wait_for(timeout=30_000)
    shot(page, artifacts, "23-mapping-approved")


def test_explore_and_sql_lab_entries(page: Any, live_server: str, examples: dict[str, int], artifacts: Path) -> None:
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/explore/?datasource_type=table&datasource_id={examples['sales']}")
    page.locator('[data-test="datasource-menu-trigger"]').click(timeout=60_000)
    item = page.locator('[data-dataset-review="explore-menu"]').get_by_role("link", name="Review dataset")
    item.wait_for(timeout=30_000)
    shot(page, artifacts, "24-explore-dataset-menu")
    item.click()
    page.wait_for_url(re.compile(r"/dataset_review/\?source=.*explore"), timeout=30_000)
    page.get_by_role("button", name="Start review").click()
    page.get_by_role("heading", name=re.compile("cleaned_sales_data")).wait_for(timeout=60_000)

    page.goto(f"{live_server}/sqllab/")
    button = page.locator('a[data-dataset-review="page"]')
    button.wait_for(timeout=60_000)
    assert "/dataset_review/?source=" in (button.get_attribute("href") or "")


def test_a_page_of_superset_keeps_working_without_the_entry_script(
    page: Any, live_server: str, examples: dict[str, int]
) -> None:
    page.route("**/dataset_review/static/dist/entry.js", lambda route: route.fulfill(status=500, body="broken"))
    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/tablemodelview/list/")
    page.get_by_text("sales_review_templated").first.wait_for(timeout=60_000)
    assert page.locator("[data-dataset-review]").count() == 0
