"""The pages of issue 13 inside Superset's navbar: the AI-safe view builder on a dataset (Superset's dataset access
decides: 404 or 403), an existing view's page, and the admins' tool audit and journal (can_admin on DatasetReview;
others get 403). The workspace is told whether to link the admin pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration.test_domain_studio_page import root_data
from tests.users import ADMIN, GAMMA, MANAGER, READER, login


def test_the_builder_on_a_dataset(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    response = client.get(f"/dataset_review/safe_views/new/{examples['sales']}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    data = root_data(body)
    assert data["page"] == "safe_view_new"
    assert data["dataset-id"] == str(examples["sales"])
    assert data["dataset-name"] == "cleaned_sales_data"
    assert re.search(r"<title>\s*New AI-safe view of cleaned_sales_data\s*</title>", body)
    assert re.search(r'<div id="app"[^>]*data-bootstrap="[^"]*menu_data', body), "inside Superset's navbar"


def test_the_builder_in_russian(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    client.get("/lang/ru")
    try:
        body = client.get(f"/dataset_review/safe_views/new/{examples['sales']}").get_data(as_text=True)
        assert re.search(r"<title>\s*Новое AI-безопасное представление датасета cleaned_sales_data\s*</title>", body)
    finally:
        client.get("/lang/en")


def test_an_unknown_dataset_or_view_is_404(client: Any) -> None:
    login(client, ADMIN)
    assert client.get("/dataset_review/safe_views/new/987654").status_code == 404
    assert client.get("/dataset_review/safe_views/987654").status_code == 404
    assert client.get("/dataset_review/safe_views/99999999999").status_code == 404


@pytest.mark.parametrize(("username", "status"), [(GAMMA, (302, 403)), (READER, (403,))])
def test_the_builder_without_the_permission_or_the_dataset_access(
    client: Any, examples: dict[str, int], username: str, status: tuple[int, ...]
) -> None:
    login(client, username)
    response = client.get(f"/dataset_review/safe_views/new/{examples['sales']}")
    assert response.status_code in status
    assert 'id="dataset-review-root"' not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "page", "title"), [("tools", "admin_tools", "Tool audit"), ("journal", "admin_journal", "Journal")]
)
def test_the_admin_pages(client: Any, path: str, page: str, title: str) -> None:
    login(client, ADMIN)
    response = client.get(f"/dataset_review/admin/{path}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert root_data(body)["page"] == page
    assert re.search(rf"<title>\s*{title}\s*</title>", body)


@pytest.mark.parametrize("path", ["tools", "journal"])
def test_the_admin_pages_refuse_others(client: Any, path: str) -> None:
    login(client, MANAGER)  # can_read and can_manage on DatasetReview, no can_admin
    response = client.get(f"/dataset_review/admin/{path}")
    assert response.status_code == 403
    assert 'id="dataset-review-root"' not in response.get_data(as_text=True)


def test_the_workspace_links_the_admin_pages_for_admins_only(client: Any) -> None:
    login(client, ADMIN)
    assert root_data(client.get("/dataset_review/").get_data(as_text=True))["can-admin"] == "true"
    login(client, MANAGER)
    assert root_data(client.get("/dataset_review/").get_data(as_text=True))["can-admin"] == "false"


def test_the_page_of_a_view(client: Any, app: Any, examples: dict[str, int]) -> None:
    from superset.extensions import db

    from superset_review.safe_views.models import SafeView

    definition = {"base_dataset_id": examples["sales"], "name": "sales for the LLM", "columns": ["country"],
                  "row_filter": None, "redactions": {}}  # fmt: skip
    with app.app_context():
        view = SafeView(name="sales for the LLM", base_dataset_id=examples["sales"], database_id=1, version=1,
                        content_hash="0" * 64, definition=definition, sql="SELECT country FROM t",
                        base_columns=[{"name": "country", "type": "TEXT"}])  # fmt: skip
        db.session.add(view)
        db.session.commit()
        view_id = view.id
    login(client, ADMIN)
    response = client.get(f"/dataset_review/safe_views/{view_id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    data = root_data(body)
    assert (data["page"], data["view-id"], data["view-name"]) == ("safe_view", str(view_id), "sales for the LLM")
    assert data["dataset-id"] == str(examples["sales"])
    assert re.search(r"<title>\s*AI-safe view: sales for the LLM\s*</title>", body)
    login(client, READER)  # can_read on DatasetReview, but may not read the base dataset
    assert client.get(f"/dataset_review/safe_views/{view_id}").status_code == 403
