"""Who may use the extension: the API, the page and the menu, against a real Superset on real PostgreSQL."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from superset_review.extension.constants import PERMISSIONS, VIEW_MENU
from tests.flags import flag_off
from tests.users import ADMIN, GAMMA, READER, READER_ROLE, login

HEALTH = "/api/v1/dataset_review/health"


def bootstrap(client: Any) -> dict[str, Any]:
    # Superset memoizes the bootstrap payload per user for 60 s (in Redis); each test wants the fresh one.
    from superset.extensions import cache_manager
    from superset.views.base import cached_common_bootstrap_data

    cache_manager.cache.delete_memoized(cached_common_bootstrap_data)
    page = client.get("/superset/welcome/")
    assert page.status_code == 200
    match = re.search(r'data-bootstrap="([^"]*)"', page.get_data(as_text=True))
    assert match, "Superset's page carries its bootstrap JSON in #app[data-bootstrap]"
    return json.loads(html.unescape(match.group(1)))


def bootstrap_menu(client: Any) -> list[dict[str, Any]]:
    return bootstrap(client)["common"]["menu_data"]["menu"]


def menu_labels(menu: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {
        item["name"]: [child["name"] for child in item.get("childs", []) if isinstance(child, dict)]
        for item in menu
        if isinstance(item, dict)
    }


def test_health_needs_login(client: Any) -> None:
    assert client.get(HEALTH).status_code == 401


@pytest.mark.parametrize(
    ("username", "expected"),
    [(GAMMA, 403), (ADMIN, 200), (READER, 200)],
    ids=["gamma-forbidden", "admin", "custom-role-with-can_read"],
)
def test_health_permission(client: Any, worker: Any, username: str, expected: int) -> None:
    login(client, username)
    response = client.get(HEALTH)
    assert response.status_code == expected
    if expected == 200:
        checks = response.json["checks"]
        assert {name: check["status"] for name, check in checks.items()} == {
            "metadata_db": "ok",
            "pgvector": "ok",
            "redis": "ok",
            "worker": "ok",
            "llm": "degraded",
        }
        assert "LLM not configured" in checks["llm"]["reason"]
        assert response.json["status"] == "degraded"


def test_role_sync_keeps_gamma_and_alpha_out(app: Any) -> None:
    from superset.extensions import security_manager

    with app.app_context():

        def held(role_name: str) -> set[str]:
            role = security_manager.find_role(role_name)
            return {pvm.permission.name for pvm in role.permissions if pvm.view_menu.name == VIEW_MENU}

        assert held("Admin") == {f"can_{permission}" for permission in PERMISSIONS}
        assert held("Gamma") == set()
        assert held("Alpha") == set()
        assert held(READER_ROLE) == {"can_read"}


def test_role_grant_survives_role_sync(app: Any) -> None:
    """`superset init` (sync_role_definitions) must not take back what an admin granted to a custom role."""
    from superset.extensions import security_manager

    with app.app_context():
        security_manager.sync_role_definitions()
        role = security_manager.find_role(READER_ROLE)
        assert ("can_read", VIEW_MENU) in {(p.permission.name, p.view_menu.name) for p in role.permissions}


def test_menu_in_bootstrap_data(client: Any) -> None:
    login(client, ADMIN)
    menu = menu_labels(bootstrap_menu(client))
    assert menu.get("Dataset Review") == ["Review Workspace", "Onboarding"]
    names = [item["name"] for item in bootstrap_menu(client) if isinstance(item, dict)]
    assert names.index("Dataset Review") > names.index("Dashboards"), "the extension's menu comes after Superset's"


@pytest.mark.parametrize(("username", "visible"), [(GAMMA, False), (READER, True)])
def test_menu_follows_can_read(client: Any, username: str, visible: bool) -> None:
    login(client, username)
    assert ("Dataset Review" in menu_labels(bootstrap_menu(client))) is visible


@pytest.mark.parametrize(("username", "allowed"), [(ADMIN, True), (READER, True), (GAMMA, False)])
def test_workspace_page(client: Any, username: str, allowed: bool) -> None:
    login(client, username)
    response = client.get("/dataset_review/")
    if allowed:
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="dataset-review-root"' in body
        assert re.search(r'<script type="module" nonce="[^"]*"\s+src="/dataset_review/static/dist/workspace\.js', body)
    else:
        assert response.status_code in (302, 403)
        assert 'id="dataset-review-root"' not in response.get_data(as_text=True)


def test_workspace_bundle_is_served(client: Any) -> None:
    response = client.get("/dataset_review/static/dist/workspace.js")
    assert response.status_code == 200
    assert b"dataset_review/health" in response.data


def test_feature_flag_off_hides_everything(client: Any) -> None:
    login(client, ADMIN)
    with flag_off("DATASET_REVIEW"):
        assert client.get(HEALTH).status_code == 404
        assert client.get("/dataset_review/").status_code == 404
        assert "Dataset Review" not in menu_labels(bootstrap_menu(client))
    assert client.get(HEALTH).status_code in (200, 503)


def test_flags_reach_the_frontend(client: Any) -> None:
    login(client, ADMIN)
    flags = bootstrap(client)["common"]["feature_flags"]
    assert flags["DATASET_REVIEW"] and flags["DATASET_REVIEW_CLARIFICATION"] and flags["DATASET_REVIEW_EXECUTION"]
