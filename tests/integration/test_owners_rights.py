"""Work on a review runs with its owner's rights: an admin acting on another user's review reads the rows the owner
may see (a real row-level security rule of Superset), in the request and in the worker; stored rows (the data
profile) are shown only to readers who may read the dataset now."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.datasets import CUSTOMERS, create_customers_table, register_dataset
from tests.services import Services
from tests.users import ADMIN, PASSWORD, login

SESSIONS = "/api/v1/dataset_review/sessions/"
OWNER = "review_rls_owner"  # may manage reviews and read the customers dataset, under a row-level security rule
SEEN_CUSTOMER = CUSTOMERS[0][0]


@pytest.fixture(scope="module")
def customers(app: Any, services: Services) -> int:
    create_customers_table(services)
    with app.app_context():
        return register_dataset(services, "review_customers")


@pytest.fixture(scope="module")
def owner_under_rls(app: Any, customers: int) -> Iterator[None]:
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.extensions import db, security_manager

    with app.app_context():
        dataset = db.session.get(SqlaTable, customers)
        role = security_manager.find_role(OWNER) or security_manager.add_role(OWNER)
        for permission, view in (("can_read", "DatasetReview"), ("can_manage", "DatasetReview"),
                                 ("datasource_access", dataset.perm)):  # fmt: skip
            pvm = security_manager.add_permission_view_menu(permission, view)
            security_manager.add_permission_role(role, pvm)
        if security_manager.find_user(username=OWNER) is None:
            security_manager.add_user(OWNER, OWNER, "Test", f"{OWNER}@example.com", role, password=PASSWORD)
        rule = RowLevelSecurityFilter(name="review owner sees one customer", filter_type="Regular",
                                      clause=f"customer_id = {SEEN_CUSTOMER}", roles=[role], tables=[dataset])  # fmt: skip
        db.session.add(rule)
        db.session.commit()
        rule_id = rule.id
    yield
    with app.app_context():
        db.session.delete(db.session.get(RowLevelSecurityFilter, rule_id))
        db.session.commit()


@pytest.fixture()
def data_mode(app: Any) -> Iterator[None]:
    from superset_review.policy.manifest import parse_policy

    saved = app.config["REVIEW_POLICY"]
    app.config["REVIEW_POLICY"] = parse_policy({"mode": "data_mode", "sample_caps": {"rows": 5}})
    yield
    app.config["REVIEW_POLICY"] = saved


def owners_review(client: Any, customers: int) -> dict[str, Any]:
    login(client, OWNER)
    started = client.post(SESSIONS, json={"source": str(customers)})
    assert started.status_code == 201, started.json
    return dict(started.json)


def test_an_admin_profiling_anothers_review_in_the_worker_reads_the_owners_rows(
    client: Any, customers: int, owner_under_rls: None, data_mode: None, worker: Any
) -> None:
    session = owners_review(client, customers)
    assert session["profile"]["data"]["statistics"]["rows"] == 10, "the owner sees one customer's 10 rows"
    login(client, ADMIN)
    queued = client.post(f"{SESSIONS}{session['id']}/profile")
    assert queued.status_code == 202, queued.json
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        task = client.get(f"{SESSIONS}{session['id']}/tasks/{queued.json['task_id']}").json
        if task["state"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert task["state"] == "done", task
    stored = client.get(f"{SESSIONS}{session['id']}").json["profile"]["data"]
    assert stored["statistics"]["rows"] == 10, "read with the owner's row-level security, not the admin's rights"
    assert {row["customer_id"] for row in stored["sample"]["data"]} == {SEEN_CUSTOMER}


def test_an_admin_importing_a_dictionary_table_reads_the_owners_rows(
    client: Any, customers: int, owner_under_rls: None, examples: dict[str, int]
) -> None:
    session = owners_review(client, customers)
    login(client, ADMIN)
    body = {"version": session["version"], "kind": "dictionary_table", "name_column": "contact_name",
            "description_column": "email"}  # fmt: skip
    imported = client.post(
        f"{SESSIONS}{session['id']}/semantics/dataset_source", json={**body, "dataset_id": customers}
    )
    assert imported.status_code == 200, imported.json
    [source] = imported.json["semantic_sources"]
    assert source["entries"] == 1, "only the one customer the owner may see became an entry"
    elsewhere = client.post(f"{SESSIONS}{session['id']}/semantics/dataset_source", json={
        **body, "version": imported.json["version"], "dataset_id": examples["sales"], "name_column": "country",
        "description_column": "city"})  # fmt: skip
    assert elsewhere.status_code == 403 and elsewhere.json["error_code"] == "DATASET_FORBIDDEN", (
        "a dataset the owner may not read is not read into their review"
    )


def test_stored_rows_are_shown_only_to_readers_of_the_dataset(
    app: Any, client: Any, customers: int, owner_under_rls: None, data_mode: None
) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db, security_manager

    session = owners_review(client, customers)
    assert session["profile"]["data"]["sample"]["rows"] > 0
    with app.app_context():
        pvm = security_manager.find_permission_view_menu("datasource_access", db.session.get(SqlaTable, customers).perm)
        role = security_manager.find_role(OWNER)
        security_manager.del_permission_role(role, pvm)
    try:
        body = client.get(f"{SESSIONS}{session['id']}").json
        assert "data" not in body["profile"] and body["profile"]["data_withheld"]
        exported = client.get(f"{SESSIONS}{session['id']}/export?format=json").json
        assert "data" not in exported["profile"], "the export withholds them too"
        assert str(CUSTOMERS[0][1]) not in str(body) and str(SEEN_CUSTOMER) not in str(body["profile"])
    finally:
        with app.app_context():
            security_manager.add_permission_role(security_manager.find_role(OWNER), pvm)
    assert client.get(f"{SESSIONS}{session['id']}").json["profile"]["data"]["sample"]["rows"] > 0


@pytest.fixture(scope="module")
def personal_dataset(app: Any, customers: int, owner_under_rls: None) -> int:
    """A virtual dataset whose SQL names the current user (Superset's ``current_username()``), readable by OWNER."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db, security_manager

    with app.app_context():
        database = db.session.get(SqlaTable, customers).database
        dataset = SqlaTable(table_name="review_personal", database=database, schema="public",
                            sql="SELECT customer_id FROM review_customers WHERE contact_name <> '{{ current_username() }}'")  # fmt: skip
        db.session.add(dataset)
        db.session.flush()
        dataset.fetch_metadata()
        pvm = security_manager.add_permission_view_menu("datasource_access", dataset.perm)
        security_manager.add_permission_role(security_manager.find_role(OWNER), pvm)
        db.session.commit()
        return int(dataset.id)


def test_an_admin_previewing_anothers_review_compiles_it_as_the_owner(client: Any, personal_dataset: int) -> None:
    session = owners_review(client, personal_dataset)
    login(client, ADMIN)
    previewed = client.post(f"{SESSIONS}{session['id']}/preview", json={"version": session["version"]})
    assert previewed.status_code == 200, previewed.json
    preview = previewed.json["execution"]["preview"]
    assert preview["status"] == "ready", preview
    assert f"'{OWNER}'" in preview["sql"] and ADMIN not in preview["sql"], "the SQL the owner's query would run"
    assert preview["by"] == ADMIN, "who asked is recorded as who asked"
