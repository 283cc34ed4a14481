"""Who may call what, for every operation of the extension's OpenAPI spec (an endpoint added later is in the matrix
without a new test): anonymous, Gamma, a role with only can_read, the review's owner, another user who may manage
reviews, and an admin, each on a review they own and on a review someone else owns.

Expected per cell: anonymous 401; a user without the permission the endpoint declares 403; a user with it on a review
they may not see 404 (a foreign review is not leaked); otherwise the endpoint's own answer, 2xx or a 4xx about the
request (never 401/403/404, never an undocumented 5xx). The matrix is written to test-artifacts/rbac-matrix.json.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from superset_review.extension.constants import VIEW_MENU
from tests.users import ADMIN, GAMMA, PASSWORD, READER, RUNNER, RUNNER_ROLE, login

PREFIX = "/api/v1/dataset_review/"
OTHER = "review_other_runner"
ANONYMOUS = "anonymous"
USERS = (ANONYMOUS, GAMMA, READER, RUNNER, OTHER, ADMIN)
OWNERS = {"own": RUNNER, "foreign": OTHER}


@pytest.fixture(scope="module")
def other_user(app: Any) -> str:
    """A second user with the owner's role: may manage reviews, but not the owner's."""
    from superset.extensions import db, security_manager

    with app.app_context():
        if security_manager.find_user(username=OTHER) is None:
            security_manager.add_user(OTHER, OTHER, "Test", f"{OTHER}@example.com",
                                      security_manager.find_role(RUNNER_ROLE), password=PASSWORD)  # fmt: skip
            db.session.commit()
    return OTHER


def operations(app: Any, client: Any) -> list[tuple[str, str, str, set[str]]]:
    """(method, spec path, permission the endpoint declares, documented statuses) of every extension operation."""
    login(client, ADMIN)
    spec = client.get("/api/v1/_openapi").json
    rules = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            rules[(method, path)] = app.view_functions[rule.endpoint]
    found = []
    for path, item in spec["paths"].items():
        if not path.startswith(PREFIX):
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            view = rules.get((method.upper(), path)) or rules.get((method.upper(), path.rstrip("/")))
            assert view is not None, f"{method} {path} of the spec is served"
            # FAB's protect() checks can_<method_permission_name[method]> on the API's class permission.
            permission = getattr(view.__self__, "method_permission_name", {}).get(view.__name__)
            assert permission, f"{method} {path} declares a permission (method_permission_name)"
            found.append((method.upper(), path, permission, {str(code) for code in operation.get("responses", {})}))
    return found


def held(app: Any, username: str) -> set[str]:
    from superset.extensions import security_manager

    if username == ANONYMOUS:
        return set()
    with app.app_context():
        user = security_manager.find_user(username=username)
        return {pvm.permission.name.removeprefix("can_") for role in user.roles for pvm in role.permissions
                if pvm.view_menu.name == VIEW_MENU}  # fmt: skip


def expected(username: str, owner: str, permission: str, permissions: set[str], has_review: bool) -> str:
    if username == ANONYMOUS:
        return "401"
    if permission not in permissions:
        return "403"
    if has_review and username not in (owner, ADMIN):
        return "404"
    return "answered"


def test_every_operation_for_every_role_and_review(
    app: Any, client: Any, examples: dict[str, int], other_user: str, artifacts: Path
) -> None:
    from superset.extensions import db

    from superset_review.sessions.models import ReviewSession

    ops = operations(app, client)
    assert len(ops) >= 25
    permissions = {username: held(app, username) for username in USERS}
    reviews: dict[str, int] = {}

    def review(kind: str) -> int:
        """The review of that kind, made again when a cell deleted it."""
        with app.app_context():
            if kind in reviews and db.session.get(ReviewSession, reviews[kind]) is not None:
                return reviews[kind]
        login(client, OWNERS[kind])
        started = client.post(f"{PREFIX}sessions/", json={"source": str(examples["templated"])})
        assert started.status_code == 201, started.json
        reviews[kind] = int(started.json["id"])
        return reviews[kind]

    def version(pk: int) -> int:
        with app.app_context():
            session = db.session.get(ReviewSession, pk)
            return int(session.version) if session is not None else 1

    def database_of(dataset_id: int) -> int:
        from superset.connectors.sqla.models import SqlaTable

        with app.app_context():
            return int(db.session.get(SqlaTable, dataset_id).database_id)

    views: list[int] = []

    def view() -> int:
        """An AI-safe view of the sales dataset, made by the admin (once: an archived view still answers)."""
        from superset.connectors.sqla.models import SqlaTable

        if not views:
            with app.app_context():
                sales = db.session.get(SqlaTable, examples["sales"])
                columns = [column.column_name for column in sales.columns if not column.expression][:2]
            login(client, ADMIN)
            made = client.post(f"{PREFIX}safe_views/", json={"base_dataset_id": examples["sales"],
                                                             "name": "rbac_matrix_view", "columns": columns})  # fmt: skip
            assert made.status_code == 201, made.json
            views.append(int(made.json["id"]))
        return views[0]

    matrix: list[dict[str, Any]] = []
    wrong: list[dict[str, Any]] = []
    for method, path, permission, documented in ops:
        # A review's id, or another object's (the PII scan's dataset), which no one owns.
        of_review = path.startswith(f"{PREFIX}sessions/{{pk}}")
        of_view = path.startswith(f"{PREFIX}safe_views/{{pk}}")
        kinds = ("own", "foreign") if of_review else (None,)
        for kind in kinds:
            for username in USERS:
                pk = review(kind) if kind else examples["templated"] if "{pk}" in path else None
                pk = view() if of_view else pk
                if "/database/{pk}" in path:
                    pk = database_of(examples["templated"])  # a database's id: that of the templated dataset
                if username == ANONYMOUS:
                    client.get("/logout/")
                else:
                    login(client, username)
                url = path.replace("{pk}", str(pk)) if pk else path
                # Another object under the review (a task): one that does not exist, its 404 is the endpoint's own.
                url, inner = re.subn(r"\{\w+\}", "00000000-0000-0000-0000-000000000000", url)
                body = {"version": version(pk)} if kind else {}
                response = client.open(url, method=method, json=body if method in ("POST", "PUT") else None)
                owner = OWNERS[kind] if kind else ""
                want = expected(username, owner, permission, permissions[username], kind is not None)
                status = response.status_code
                code = (response.json or {}).get("error_code") if response.is_json else None
                if want == "answered":
                    found = status != 404 or (inner > 0 and code != "SESSION_NOT_FOUND")
                    ok = status not in (401, 403) and found and (status < 500 or str(status) in documented)
                    # A domain refusal the endpoint documents (a production database, a gate) is an answer too.
                    ok = ok or (status == 403 and code not in (None, "FORBIDDEN"))
                    # A view whose dataset the user may not read is not found for them (ids are not probed).
                    ok = ok or (of_view and username == READER and code == "SAFE_VIEW_NOT_FOUND")
                else:
                    ok = str(status) == want and (want != "404" or code == "SESSION_NOT_FOUND")
                cell = {"operation": f"{method} {path}", "permission": permission, "user": username,
                        "review": kind, "expected": want, "status": status}  # fmt: skip
                matrix.append(cell)
                if not ok:
                    wrong.append({**cell, "body": response.get_data(as_text=True)[:200]})
    (artifacts / "rbac-matrix.json").write_text(json.dumps({"cells": len(matrix), "wrong": wrong, "matrix": matrix},
                                                           indent=1))  # fmt: skip
    assert {cell["user"] for cell in matrix} == set(USERS)
    assert wrong == [], f"{len(wrong)} of {len(matrix)} cells: {wrong[:8]}"


@pytest.mark.parametrize("permission", ["can_curate", "can_migrate"])
def test_curate_and_migrate_are_held_by_admin_and_no_other_built_in_role(app: Any, permission: str) -> None:
    """Promoting the domain catalog, and promoting, rolling back or changing the quarantine of a migration, are an
    admin's by default: Superset's role sync gives Alpha and Gamma nothing on DatasetReview, and the matrix above then
    expects 403 for every curate and migrate endpoint from everyone but the admin (an admin may grant them)."""
    from superset.extensions import security_manager

    with app.app_context():
        holders = {
            role.name
            for role in security_manager.get_all_roles()
            if any(pvm.permission.name == permission and pvm.view_menu.name == VIEW_MENU for pvm in role.permissions)
        }
    assert holders == {"Admin"}
