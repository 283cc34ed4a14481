"""The users every integration test can log in as."""

from __future__ import annotations

from typing import Any

PASSWORD = "password-for-tests"
ADMIN = "review_admin"
GAMMA = "review_gamma"
READER = "review_reader"
READER_ROLE = "Dataset Reviewer"


def create_test_users() -> None:
    """Admin, a Gamma user, and a user whose only role is a custom one granted ``can_read`` on DatasetReview
    the way an admin does it on Superset's Roles page."""
    from superset.extensions import db, security_manager

    role = security_manager.find_role(READER_ROLE) or security_manager.add_role(READER_ROLE)
    pvm = security_manager.find_permission_view_menu("can_read", "DatasetReview")
    assert pvm is not None, "can_read on DatasetReview must exist after superset-review init"
    security_manager.add_permission_role(role, pvm)
    for username, role_name in ((ADMIN, "Admin"), (GAMMA, "Gamma"), (READER, READER_ROLE)):
        if security_manager.find_user(username=username) is None:
            security_manager.add_user(
                username,
                username,
                "Test",
                f"{username}@example.com",
                security_manager.find_role(role_name),
                password=PASSWORD,
            )
    db.session.commit()


def login(client: Any, username: str) -> None:
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code in (200, 302), response.status_code
    with client.session_transaction() as session:
        assert session.get("_user_id"), f"login of {username} failed"


def user(username: str) -> Any:
    from superset.extensions import security_manager

    return security_manager.find_user(username=username)
