"""The users every integration test can log in as."""

from __future__ import annotations

from typing import Any

PASSWORD = "password-for-tests"
ADMIN = "review_admin"
GAMMA = "review_gamma"
READER = "review_reader"
READER_ROLE = "Dataset Reviewer"
MANAGER = "review_manager"
MANAGER_ROLE = "Dataset Review Manager"
RUNNER = "review_runner"
RUNNER_ROLE = "Dataset Review Runner"  # may preview and launch, may not approve


def create_test_users() -> None:
    """Admin, a Gamma user, and a user whose only role is a custom one granted ``can_read`` on DatasetReview
    the way an admin does it on Superset's Roles page."""
    from superset.extensions import db, security_manager

    role = security_manager.find_role(READER_ROLE) or security_manager.add_role(READER_ROLE)
    pvm = security_manager.find_permission_view_menu("can_read", "DatasetReview")
    assert pvm is not None, "can_read on DatasetReview must exist after superset-review init"
    security_manager.add_permission_role(role, pvm)
    manager = security_manager.find_role(MANAGER_ROLE) or security_manager.add_role(MANAGER_ROLE)
    for permission, view in (("can_read", "DatasetReview"), ("can_manage", "DatasetReview"),
                             ("all_datasource_access", "all_datasource_access")):  # fmt: skip
        security_manager.add_permission_role(manager, security_manager.find_permission_view_menu(permission, view))
    runner = security_manager.find_role(RUNNER_ROLE) or security_manager.add_role(RUNNER_ROLE)
    for permission, view in (("can_read", "DatasetReview"), ("can_manage", "DatasetReview"),
                             ("can_preview", "DatasetReview"), ("can_launch", "DatasetReview"),
                             ("all_datasource_access", "all_datasource_access")):  # fmt: skip
        security_manager.add_permission_role(runner, security_manager.find_permission_view_menu(permission, view))
    users = ((ADMIN, "Admin"), (GAMMA, "Gamma"), (READER, READER_ROLE), (MANAGER, MANAGER_ROLE), (RUNNER, RUNNER_ROLE))
    for username, role_name in users:
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
    """Log ``client`` in as ``username``, logging out whoever was logged in (FAB ignores a second login)."""
    client.get("/logout/")
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code in (200, 302), response.status_code
    with client.application.app_context():
        expected = str(user(username).id)
    with client.session_transaction() as session:
        assert str(session.get("_user_id")) == expected, f"login of {username} failed"


def user(username: str) -> Any:
    from superset.extensions import security_manager

    return security_manager.find_user(username=username)
