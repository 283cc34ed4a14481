"""The mappings API: behind DATASET_REVIEW_EXECUTION like preview and launch, and open to an approver who is not the
review's owner but may read its dataset."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dashboards import country_mask
from tests.flags import flag_off
from tests.integration.test_execution import mapping, post
from tests.users import ADMIN, MANAGER, PASSWORD, RUNNER, login

SESSIONS = "/api/v1/dataset_review/sessions/"
APPROVER = "review_approver"  # can read and approve, may read every dataset
BLIND_APPROVER = "review_blind_approver"  # can read and approve, no dataset access


@pytest.fixture()
def session_from_dashboard(client: Any, examples: dict[str, int]) -> dict[str, Any]:
    """A review of the templated dataset owned by RUNNER, whose country filter (another dataset's) needs approval."""
    login(client, ADMIN)
    made = client.post(f"/api/v1/dashboard/{examples['dashboard']}/permalink",
                       json={"dataMask": country_mask(["USA", "France"]), "urlParams": [["deal_size", "Large"]]})  # fmt: skip
    login(client, RUNNER)
    started = client.post(SESSIONS, json={"source": made.json["url"], "dataset_id": examples["templated"]})
    assert started.status_code == 201, started.json
    return dict(started.json)


@pytest.fixture(scope="module")
def approvers(app: Any) -> None:
    from superset.extensions import db, security_manager

    with app.app_context():
        grants = {
            APPROVER: (("can_read", "DatasetReview"), ("can_approve", "DatasetReview"),
                       ("all_datasource_access", "all_datasource_access")),
            BLIND_APPROVER: (("can_read", "DatasetReview"), ("can_approve", "DatasetReview")),
        }  # fmt: skip
        for username, permissions in grants.items():
            role = security_manager.find_role(username) or security_manager.add_role(username)
            for permission, view in permissions:
                security_manager.add_permission_role(role, security_manager.find_permission_view_menu(permission, view))
            if security_manager.find_user(username=username) is None:
                security_manager.add_user(username, username, "Test", f"{username}@example.com", role,
                                          password=PASSWORD)  # fmt: skip
        db.session.commit()


def test_the_mappings_api_answers_404_with_the_execution_flag_off(
    client: Any, session_from_dashboard: dict[str, Any]
) -> None:
    session = session_from_dashboard
    change = {
        "version": session["version"],
        "changes": [{"variable": "deal_size", "value": "Small", "why": "smaller deals"}],
    }
    with flag_off("DATASET_REVIEW_EXECUTION"):
        assert client.put(f"{SESSIONS}{session['id']}/mappings", json=change).status_code == 404
        assert post(client, session, "mappings/approve").status_code == 404
        assert client.get(f"{SESSIONS}{session['id']}/runs").status_code == 404
    assert client.put(f"{SESSIONS}{session['id']}/mappings", json=change).status_code == 200


def test_an_approver_who_is_not_the_owner_approves_what_they_can_see(
    client: Any, session_from_dashboard: dict[str, Any], approvers: None
) -> None:
    session = session_from_dashboard  # owned by RUNNER
    pending = [m["variable"] for m in session["execution"]["mappings"] if m["approval"] == "pending"]
    assert pending, "the dashboard's filters of another dataset need approval"
    login(client, APPROVER)
    seen = client.get(f"{SESSIONS}{session['id']}")
    assert seen.status_code == 200, "the approver reads the review they are asked to approve"
    approved = post(client, seen.json, "mappings/approve", variables=pending)
    assert approved.status_code == 200, approved.json
    for variable in pending:
        assert mapping(approved.json, variable)["approved_by"] == APPROVER
    assert approved.json["events"][-1]["username"] == APPROVER
    changed = client.put(f"{SESSIONS}{session['id']}/mappings", json={
        "version": approved.json["version"], "changes": [{"variable": "deal_size", "value": "x", "why": "mine"}]})  # fmt: skip
    assert changed.status_code in (403, 404), "approving is all an approver may do on another's review"


def test_approvers_without_dataset_access_and_other_users_see_nothing(
    client: Any, session_from_dashboard: dict[str, Any], approvers: None
) -> None:
    session = session_from_dashboard
    for username in (BLIND_APPROVER, MANAGER):
        login(client, username)
        assert client.get(f"{SESSIONS}{session['id']}").status_code == 404
        assert post(client, session, "mappings/approve").status_code in (403, 404)
    login(client, RUNNER)
    assert client.get(f"{SESSIONS}{session['id']}").json["version"] == session["version"], "nothing changed"
