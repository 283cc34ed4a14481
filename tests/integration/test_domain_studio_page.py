"""Domain Studio's page of a dataset, /dataset_review/domains/<id>: inside Superset's navbar like the workspace, for
users holding can_read on DatasetReview who may also read the dataset (Superset's dataset access), and telling the
page whether the user may promote catalog changes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.users import ADMIN, GAMMA, MANAGER, READER, login


def root_data(body: str) -> dict[str, str]:
    match = re.search(r'<main id="dataset-review-root"([^>]*)>', body)
    assert match, "the page has the extension's root"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))


def test_the_page_of_a_dataset(client: Any, examples: dict[str, int]) -> None:
    login(client, ADMIN)
    response = client.get(f"/dataset_review/domains/{examples['sales']}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    data = root_data(body)
    assert data["page"] == "domains"
    assert data["dataset-id"] == str(examples["sales"])
    assert data["dataset-name"] == "cleaned_sales_data"
    assert data["can-curate"] == "true", "Admin holds can_curate: the page shows Promote"
    assert re.search(r"<title>\s*Domain Studio: cleaned_sales_data\s*</title>", body)
    # Superset's navbar: its app's bundle, which renders the navbar into #app from the page's bootstrap data.
    assert re.search(r'<div id="app"[^>]*data-bootstrap="[^"]*menu_data', body)
    assert re.search(r'<script src="/static/assets/spa\.[0-9a-f]+\.entry\.js" async nonce="[^"]*"', body)


def test_the_workspace_says_it_is_the_workspace(client: Any) -> None:
    login(client, ADMIN)
    response = client.get("/dataset_review/")
    assert root_data(response.get_data(as_text=True))["page"] == "workspace"


def test_a_reviewer_who_may_not_curate_is_told_so(client: Any, examples: dict[str, int]) -> None:
    login(client, MANAGER)  # can_read and can_manage on DatasetReview, every dataset, no can_curate
    response = client.get(f"/dataset_review/domains/{examples['sales']}")
    assert response.status_code == 200
    assert root_data(response.get_data(as_text=True))["can-curate"] == "false"


def test_an_unknown_dataset_is_404(client: Any) -> None:
    login(client, ADMIN)
    assert client.get("/dataset_review/domains/987654").status_code == 404
    assert client.get("/dataset_review/domains/abc").status_code == 404


@pytest.mark.parametrize(("username", "status"), [(GAMMA, (302, 403)), (READER, (403,))])
def test_without_the_permission_or_the_dataset_access(
    client: Any, examples: dict[str, int], username: str, status: tuple[int, ...]
) -> None:
    login(client, username)
    response = client.get(f"/dataset_review/domains/{examples['sales']}")
    assert response.status_code in status
    assert 'id="dataset-review-root"' not in response.get_data(as_text=True)
