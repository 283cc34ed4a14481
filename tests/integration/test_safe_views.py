"""AI-safe views end to end against the real Superset, PostgreSQL and Superset's own query paths: created as a certified
virtual dataset its author owns, hiding, masking, hashing and filtering what the definition says (through Superset's
chart-data API, row-level security of the base table still applying), proposed from the domains, refused with the
field named and nothing created, stale on drift until reviewed, versioned and journaled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg2
import pytest

from tests.datasets import CUSTOMERS, create_customers_table, register_dataset
from tests.services import Services
from tests.users import ADMIN, MANAGER, PASSWORD, READER, RUNNER, login

VIEWS = "/api/v1/dataset_review/safe_views/"
DOMAINS = "/api/v1/dataset_review/domains/datasets"
MAKER = "review_view_maker"  # may manage reviews, has no access to any dataset
RLS_USER = "review_view_rls"  # reads every dataset, under a row-level security rule on the drift table
RLS_CUSTOMER = CUSTOMERS[1][0]


def examples_sql(services: Services, sql: str) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []
    finally:
        connection.close()


@pytest.fixture(scope="module")
def customers(app: Any, services: Services) -> int:
    create_customers_table(services)
    with app.app_context():
        return register_dataset(services, "review_customers")


@pytest.fixture(scope="module")
def orders(app: Any, services: Services) -> int:
    """A table of this module only (its columns change in the drift test): orders of the customers."""
    examples_sql(services, "DROP TABLE IF EXISTS review_view_orders")
    examples_sql(services, "CREATE TABLE review_view_orders (order_id bigint, customer_id bigint, amount numeric(10,2), "
                           "note text)")  # fmt: skip
    rows = ", ".join(f"({n}, {customer[0]}, {10 * n}.50, 'note {n}')" for n, customer in enumerate(CUSTOMERS * 3))
    examples_sql(services, f"INSERT INTO review_view_orders VALUES {rows}")
    with app.app_context():
        return register_dataset(services, "review_view_orders")


@pytest.fixture(scope="module")
def maker(app: Any) -> None:
    from superset.extensions import db, security_manager

    with app.app_context():
        role = security_manager.find_role(MAKER) or security_manager.add_role(MAKER)
        for permission in ("can_read", "can_manage"):
            security_manager.add_permission_role(role, security_manager.find_permission_view_menu(permission,
                                                                                                    "DatasetReview"))  # fmt: skip
        if security_manager.find_user(username=MAKER) is None:
            security_manager.add_user(MAKER, MAKER, "Test", f"{MAKER}@example.com", role, password=PASSWORD)
        db.session.commit()


def definition(base: int, name: str, **changes: Any) -> dict[str, Any]:
    body = {
        "base_dataset_id": base,
        "name": name,
        "columns": ["customer_id", "contact_name", "phone", "order_date"],
        "row_filter": "order_date >= DATE '2003-05-01'",
        "redactions": {
            "customer_id": {"operator": "hash"},
            "contact_name": {"operator": "hash"},
            "phone": {"operator": "mask", "keep_prefix": 0, "keep_suffix": 2},
            "order_date": {"operator": "generalize", "grain": "year"},
        },
    }
    body.update(changes)
    return body


def created(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(VIEWS, json=body)
    assert response.status_code == 201, response.json
    return dict(response.json)


def chart_rows(client: Any, dataset_id: int, columns: list[str], row_limit: int = 1000) -> Any:
    return client.post("/api/v1/chart/data", json={
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": columns, "metrics": None, "row_limit": row_limit, "orderby": []}],
        "form_data": {"query_mode": "raw"}, "result_type": "full",
    })  # fmt: skip


def table_rows(client: Any, dataset_id: int, columns: list[str]) -> list[dict[str, Any]]:
    response = client.post("/api/v1/chart/data", json={
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": columns, "metrics": None, "row_limit": 1000,
                     "extras": {}, "is_timeseries": False}],
        "form_data": {"query_mode": "raw"}, "result_type": "full",
    })  # fmt: skip
    assert response.status_code == 200, response.json
    return list(response.json["result"][0]["data"])


def counts(app: Any) -> tuple[int, int, int]:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    from superset_review.safe_views.models import SafeView, SafeViewVersion

    with app.app_context():
        return (
            db.session.query(SafeView).count(),
            db.session.query(SafeViewVersion).count(),
            db.session.query(SqlaTable).count(),
        )


def test_a_view_is_a_certified_virtual_dataset_its_author_owns(app: Any, client: Any, customers: int) -> None:
    login(client, ADMIN)
    view = created(client, definition(customers, "customers_safe_e2e"))
    assert view["version"] == 1 and view["dataset_id"] and "email" not in view["sql"]
    dataset = client.get(f"/api/v1/dataset/{view['dataset_id']}").json["result"]
    assert dataset["table_name"] == "customers_safe_e2e" and dataset["sql"] == view["sql"]
    assert dataset["schema"] == "public" and [owner["first_name"] for owner in dataset["owners"]] == [ADMIN]
    certification = json.loads(dataset["extra"])["certification"]
    assert certification["certified_by"] == "superset-review"
    assert certification["details"] == f"AI-safe view {view['id']} v1 of dataset {customers}"
    assert "email" in dataset["description"] and "card_number" in dataset["description"]
    assert "phone" in dataset["description"], "the redacted columns are described too"
    assert [column["column_name"] for column in dataset["columns"]] == [
        "customer_id",
        "contact_name",
        "phone",
        "order_date",
    ], "Superset computed the view's columns from its SQL"

    rows = table_rows(client, view["dataset_id"], ["customer_id", "contact_name", "phone", "order_date"])
    raw = [customer for customer in CUSTOMERS if customer[5] >= "2003-05-01"] * 10
    assert len(rows) == len(raw) == 30, "the row filter applied"
    by_phone = {row["phone"] for row in rows}
    assert by_phone == {"*" * (len(c[3]) - 2) + c[3][-2:] for c in raw}, "phones masked but the last 2 characters"
    assert all(isinstance(row["customer_id"], int) and row["customer_id"] not in {c[0] for c in CUSTOMERS}
               for row in rows), "customer ids hashed to other integers"  # fmt: skip
    assert len({row["customer_id"] for row in rows}) == 3, "equal ids hash equal"
    assert not {row["contact_name"] for row in rows} & {c[1] for c in CUSTOMERS}, "names hashed"
    assert all(len(row["contact_name"]) == 64 for row in rows)
    years = {str(datetime.fromtimestamp(row["order_date"] / 1000, tz=UTC).date()) for row in rows}
    assert years <= {"2003-01-01", "2004-01-01"} and len(years) == 2, f"dates generalized to the year: {years}"

    hidden = chart_rows(client, view["dataset_id"], ["email"])
    assert hidden.status_code == 400, hidden.json
    detail = client.get(f"{VIEWS}{view['id']}").json["result"]
    assert detail["state"] == "fresh" and set(detail["removed"]) == {"email", "card_number"}
    assert detail["redacted"]["phone"] == {"operator": "mask", "keep_prefix": 0, "keep_suffix": 2}
    assert detail["explore_url"].endswith(f"datasource_id={view['dataset_id']}")
    listed = client.get(f"{VIEWS}?base_dataset_id={customers}").json
    assert view["id"] in [summary["id"] for summary in listed["result"]] and listed["count"] >= 1


def test_a_hidden_column_does_not_exist_in_the_database_either(client: Any, services: Services, customers: int) -> None:
    login(client, ADMIN)
    view = created(client, definition(customers, "customers_safe_hidden"))
    with pytest.raises(psycopg2.errors.UndefinedColumn):
        examples_sql(services, f"SELECT email FROM ({view['sql']}) v")
    assert examples_sql(services, f"SELECT count(*) FROM ({view['sql']}) v") == [(30,)]


def test_views_hashing_the_same_key_join_as_the_raw_tables_do(
    client: Any, services: Services, customers: int, orders: int
) -> None:
    login(client, ADMIN)
    people = created(client, definition(customers, "customers_safe_join", row_filter=None))
    bought = created(client, {
        "base_dataset_id": orders, "name": "orders_safe_join", "columns": ["order_id", "customer_id", "amount"],
        "redactions": {"customer_id": {"operator": "hash"}, "amount": {"operator": "generalize", "bucket": 100}},
    })  # fmt: skip
    joined = examples_sql(
        services, f"SELECT count(*) FROM ({people['sql']}) p JOIN ({bought['sql']}) o ON p.customer_id = o.customer_id"
    )
    raw = examples_sql(
        services, "SELECT count(*) FROM review_customers p JOIN review_view_orders o ON p.customer_id = o.customer_id"
    )
    assert joined == raw and raw[0][0] == 40 * 3, (joined, raw)
    amounts = {row["amount"] for row in table_rows(client, bought["dataset_id"], ["amount"])}
    assert amounts and all(float(amount) % 100 == 0 for amount in amounts), amounts


@pytest.fixture(scope="module")
def rls_user(app: Any, customers: int) -> Iterator[None]:
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.extensions import db, security_manager

    with app.app_context():
        base = db.session.get(SqlaTable, customers)
        role = security_manager.find_role(RLS_USER) or security_manager.add_role(RLS_USER)
        security_manager.add_permission_role(
            role, security_manager.find_permission_view_menu("all_datasource_access", "all_datasource_access")
        )
        if security_manager.find_user(username=RLS_USER) is None:
            gamma = security_manager.find_role("Gamma")
            security_manager.add_user(RLS_USER, RLS_USER, "Test", f"{RLS_USER}@example.com", [gamma, role],
                                      password=PASSWORD)  # fmt: skip
        rule = RowLevelSecurityFilter(name="view rls sees one customer", filter_type="Regular",
                                      clause=f"customer_id = {RLS_CUSTOMER}", roles=[role], tables=[base])  # fmt: skip
        db.session.add(rule)
        db.session.commit()
        rule_id = rule.id
    yield
    with app.app_context():
        db.session.delete(db.session.get(RowLevelSecurityFilter, rule_id))
        db.session.commit()


def test_row_level_security_of_the_base_table_applies_through_the_view(
    client: Any, customers: int, rls_user: None
) -> None:
    login(client, ADMIN)
    view = created(client, definition(customers, "customers_safe_rls", row_filter=None))
    assert len(table_rows(client, view["dataset_id"], ["phone"])) == 40
    login(client, RLS_USER)
    rows = table_rows(client, view["dataset_id"], ["phone", "order_date"])
    seen = next(customer for customer in CUSTOMERS if customer[0] == RLS_CUSTOMER)
    assert len(rows) == 10, "only the customer the rule allows"
    assert {row["phone"] for row in rows} == {"*" * (len(seen[3]) - 2) + seen[3][-2:]}


def test_refused_definitions_name_the_field_and_create_nothing(
    app: Any, client: Any, customers: int, maker: None
) -> None:
    login(client, ADMIN)
    before = counts(app)
    injected = client.post(
        VIEWS, json=definition(customers, "refused_1", row_filter="phone = '1' OR 1=1; DROP TABLE x")
    )
    assert injected.status_code == 422, injected.json
    assert injected.json["error_code"] == "BAD_ROW_FILTER" and injected.json["field"] == "row_filter"
    assert isinstance(injected.json["position"], int) and injected.json["fragment"]
    subquery = client.post(VIEWS, json=definition(customers, "refused_2",
                                                  row_filter="customer_id IN (SELECT 1)"))  # fmt: skip
    assert subquery.status_code == 422 and subquery.json["position"] == len("customer_id IN (")
    missing = client.post(VIEWS, json=definition(customers, "refused_3", redactions={"ssn": {"operator": "hash"}}))
    assert missing.status_code == 422 and missing.json["error_code"] == "BAD_VIEW_DEFINITION", missing.json
    assert missing.json["field"] == "redactions.ssn" and "ssn" in missing.json["message"]
    unknown = client.post(VIEWS, json=definition(customers, "refused_4", columns=["customer_id", "password"],
                                                 redactions={}))  # fmt: skip
    assert unknown.status_code == 422 and unknown.json["field"] == "columns" and "password" in unknown.json["message"]
    empty = client.post(VIEWS, json=definition(customers, "refused_5", columns=[], redactions={}))
    assert empty.status_code == 400 and "columns" in empty.json["errors"]
    taken = client.post(VIEWS, json=definition(customers, "review_customers"))  # the base dataset's own name
    assert taken.status_code == 422, taken.json
    assert taken.json["error_code"] == "BAD_VIEW_DEFINITION" and taken.json["field"] == "name"
    assert client.post(VIEWS, json=definition(987654, "refused_6")).status_code == 404
    login(client, MAKER)  # may manage, may not read the customers dataset
    forbidden = client.post(VIEWS, json=definition(customers, "refused_7"))
    assert forbidden.status_code == 403 and forbidden.json["error_code"] == "DATASET_FORBIDDEN"
    login(client, READER)  # may read reviews, may not manage
    assert client.post(VIEWS, json=definition(customers, "refused_8")).status_code == 403
    assert counts(app) == before, "no view, no version, no Superset dataset"


def test_the_filter_is_validated_as_it_is_typed(client: Any, customers: int, maker: None) -> None:
    login(client, ADMIN)
    valid = client.post(f"{VIEWS}validate_filter", json={"base_dataset_id": customers,
                                                         "row_filter": "lower(email) LIKE '%@example.com'"})  # fmt: skip
    assert valid.status_code == 200 and valid.json["valid"] is True and "LIKE" in valid.json["sql"], valid.json
    refused = client.post(f"{VIEWS}validate_filter", json={"base_dataset_id": customers,
                                                           "row_filter": "phone = '1' -- hidden"})  # fmt: skip
    assert refused.status_code == 422 and refused.json["position"] == len("phone = '1' "), refused.json
    login(client, MAKER)
    assert client.post(f"{VIEWS}validate_filter", json={"base_dataset_id": customers,
                                                        "row_filter": "phone = '1'"}).status_code == 403  # fmt: skip


@pytest.fixture(scope="module")
def people(app: Any, services: Services, customers: int) -> int:
    """A copy of the customers of this module only, domained by a person's decisions (Superset's write-back
    included) except order_date: other modules domain review_customers whole."""
    examples_sql(services, "DROP TABLE IF EXISTS review_view_people")
    examples_sql(services, "CREATE TABLE review_view_people AS SELECT * FROM review_customers")
    with app.app_context():
        dataset = register_dataset(services, "review_view_people")
    client = app.test_client()
    login(client, ADMIN)
    decisions = {"customer_id": "identifier.customer_id", "contact_name": "person.full_name",
                 "email": "contact.email", "phone": "contact.phone", "card_number": "money.credit_card"}  # fmt: skip
    for column, domain in decisions.items():
        decided = client.post(f"{DOMAINS}/{dataset}/columns/{column}/decision",
                              json={"action": "override", "domain": domain})  # fmt: skip
        assert decided.status_code == 200, decided.json
    return dataset


def test_a_view_is_proposed_from_the_domains(client: Any, people: int, orders: int) -> None:
    login(client, ADMIN)
    proposal = client.get(f"{VIEWS}propose/{people}").json["result"]
    assert proposal["name"] == "review_view_people_ai_safe" and proposal["domained"] is False
    columns = {column["name"]: column for column in proposal["columns"]}
    assert list(columns) == ["customer_id", "contact_name", "email", "phone", "card_number", "order_date"]
    assert columns["card_number"]["included"] is False and "high-risk" in columns["card_number"]["reason"]
    assert columns["card_number"]["pii"] == "CREDIT_CARD" and columns["card_number"]["redaction"] is None
    assert columns["customer_id"]["redaction"] == {"operator": "hash"} and columns["customer_id"]["included"]
    assert columns["email"]["redaction"] == {"operator": "hash"} and columns["email"]["pii"] == "EMAIL"
    assert columns["contact_name"]["redaction"] == {"operator": "hash"}
    assert columns["phone"]["redaction"] == {"operator": "mask", "keep_prefix": 0, "keep_suffix": 2}
    assert columns["order_date"]["included"] and columns["order_date"]["redaction"] is None
    assert "not domained yet" in columns["order_date"]["reason"] and columns["order_date"]["domain"] is None
    untouched = client.get(f"{VIEWS}propose/{orders}").json["result"]
    assert untouched["domained"] is False and all(c["included"] for c in untouched["columns"])
    assert client.get(f"{VIEWS}propose/987654").status_code == 404
    login(client, READER)  # may read reviews, not the dataset
    assert client.get(f"{VIEWS}propose/{people}").status_code == 403
    assert client.get(f"{VIEWS}?base_dataset_id={people}").json == {"result": [], "count": 0}
    assert client.get(f"{VIEWS}987654").status_code == 404


def test_a_confirmed_proposal_is_a_view_described_by_its_reasons(client: Any, people: int) -> None:
    login(client, ADMIN)
    proposal = client.get(f"{VIEWS}propose/{people}").json["result"]
    columns = {column["name"]: column for column in proposal["columns"]}
    # The proposal, as the author confirms it, is a definition the API takes.
    body = {"base_dataset_id": people, "name": "customers_proposed",
            "columns": [name for name, column in columns.items() if column["included"]],
            "redactions": {name: column["redaction"] for name, column in columns.items() if column["redaction"]}}  # fmt: skip
    view = created(client, body)
    description = client.get(f"/api/v1/dataset/{view['dataset_id']}").json["result"]["description"]
    assert "high-risk" in description, description


def test_a_preview_shows_the_masked_sample_beside_the_original(
    app: Any, client: Any, customers: int, maker: None
) -> None:
    login(client, ADMIN)
    before = counts(app)
    preview = client.post(f"{VIEWS}preview", json=definition(customers, "customers_preview", row_filter=None))
    assert preview.status_code == 200, preview.json
    body = preview.json
    assert body["columns"] == ["customer_id", "contact_name", "phone", "order_date"] and body["row_limit"] == 20
    assert len(body["masked"]) == len(body["original"]) == 20
    for masked, original in zip(body["masked"], body["original"], strict=True):
        assert masked[2] == "*" * (len(original[2]) - 2) + original[2][-2:], (masked, original)
        assert original[1] in {c[1] for c in CUSTOMERS} and masked[1] not in {c[1] for c in CUSTOMERS}
    assert counts(app) == before, "nothing saved: no view, no version, no Superset dataset"
    login(client, MAKER)
    assert client.post(f"{VIEWS}preview", json=definition(customers, "customers_preview")).status_code == 403


def test_drift_marks_a_view_stale_until_it_is_reviewed(app: Any, client: Any, services: Services, orders: int) -> None:
    from superset_review.safe_views.access import SafeViewUnusable, require_usable_view

    login(client, ADMIN)
    body = {"base_dataset_id": orders, "name": "orders_safe_drift", "columns": ["order_id", "amount", "note"],
            "redactions": {"note": {"operator": "null"}}}  # fmt: skip
    view = created(client, body)
    examples_sql(services, "ALTER TABLE review_view_orders ADD COLUMN secret_code text")
    examples_sql(services, "ALTER TABLE review_view_orders ALTER COLUMN amount TYPE double precision")
    refreshed = client.put(f"/api/v1/dataset/{orders}/refresh")
    assert refreshed.status_code == 200, refreshed.json
    detail = client.get(f"{VIEWS}{view['id']}").json["result"]
    assert detail["state"] == "stale", detail
    assert detail["stale_reason"]["added"] == ["secret_code"]
    assert [r["column"] for r in detail["stale_reason"]["retyped"]] == ["amount"]
    with app.test_request_context(), app.app_context():
        from flask import g

        from tests.users import user

        g.user = user(ADMIN)
        with pytest.raises(SafeViewUnusable) as refused:
            require_usable_view(view["id"])
        assert refused.value.status == 409 and refused.value.code == "SAFE_VIEW_STALE"
    changed = client.put(f"{VIEWS}{view['id']}", json={**body, "version": view["version"]})
    assert changed.status_code == 409 and changed.json["error_code"] == "SAFE_VIEW_STALE", changed.json
    stale_version = client.post(f"{VIEWS}{view['id']}/review", json={"version": view["version"] + 5})
    assert stale_version.status_code == 409 and stale_version.json["error_code"] == "SAFE_VIEW_CHANGED"

    reviewed = client.post(f"{VIEWS}{view['id']}/review", json={"version": view["version"], "note": "amount float"})
    assert reviewed.status_code == 200 and reviewed.json["version"] == 2 and reviewed.json["state"] == "fresh"
    detail = client.get(f"{VIEWS}{view['id']}").json["result"]
    assert detail["state"] == "fresh" and detail["reviewed_by"] and detail["stale_reason"] is None
    assert "secret_code" in detail["removed"], "a new column never enters the view by itself"
    dataset = client.get(f"/api/v1/dataset/{view['dataset_id']}").json["result"]
    assert [column["column_name"] for column in dataset["columns"]] == ["order_id", "amount", "note"]
    assert json.loads(dataset["extra"])["certification"]["details"].endswith(f"v2 of dataset {orders}")
    with app.test_request_context(), app.app_context():
        from flask import g

        g.user = user(ADMIN)
        assert require_usable_view(view["id"]).version == 2

    versions = client.get(f"{VIEWS}{view['id']}/versions").json
    assert [v["version"] for v in versions["result"]] == [2, 1] and versions["result"][0]["note"] == "amount float"
    journal = client.get(f"/api/v1/dataset_review/journal/safe_view/{view['id']}").json["result"]
    fields = {(entry["field"], json.dumps(entry["new_value"])) for entry in journal}
    assert (
        ("state", '"fresh"') in fields
        and ("version", "2") in fields
        and ("dataset_id", str(view["dataset_id"])) in fields
    )


def test_changes_need_the_version_read_and_the_author_or_an_admin(app: Any, client: Any, customers: int) -> None:
    from superset_review.safe_views.access import SafeViewUnusable, require_usable_view

    login(client, MANAGER)
    body = definition(customers, "customers_safe_changes")
    view = created(client, body)
    wider = {**body, "columns": [*body["columns"], "email"], "redactions": {**body["redactions"],
                                                                             "email": {"operator": "hash"}}}  # fmt: skip
    updated = client.put(f"{VIEWS}{view['id']}", json={**wider, "version": 1})
    assert updated.status_code == 200 and updated.json["version"] == 2, updated.json
    stale = client.put(f"{VIEWS}{view['id']}", json={**body, "version": 1})
    assert stale.status_code == 409 and stale.json["error_code"] == "SAFE_VIEW_CHANGED" and stale.json["version"] == 2
    other_base = client.put(f"{VIEWS}{view['id']}", json={**body, "base_dataset_id": customers + 1000, "version": 2})
    assert other_base.status_code == 422 and other_base.json["field"] == "base_dataset_id"
    login(client, ADMIN)
    rows = table_rows(client, updated.json["dataset_id"], ["email"])
    assert rows and not {row["email"] for row in rows} & {c[2] for c in CUSTOMERS}, "the new column, hashed"
    login(client, RUNNER)  # may manage and read every dataset, but is not the author
    others = client.post(f"{VIEWS}{view['id']}/archive")
    assert others.status_code == 403 and others.json["error_code"] == "SAFE_VIEW_FORBIDDEN", others.json
    login(client, MANAGER)
    archived = client.post(f"{VIEWS}{view['id']}/archive")
    assert archived.status_code == 200 and archived.json == {"id": view["id"], "state": "archived"}
    again = client.post(f"{VIEWS}{view['id']}/archive")
    assert again.status_code == 409 and again.json["error_code"] == "SAFE_VIEW_ARCHIVED"
    with app.test_request_context(), app.app_context():
        from flask import g

        from tests.users import user

        g.user = user(MANAGER)
        with pytest.raises(SafeViewUnusable) as refused:
            require_usable_view(view["id"])
        assert refused.value.code == "SAFE_VIEW_ARCHIVED"
    login(client, ADMIN)
    assert client.get(f"{VIEWS}{view['id']}").json["result"]["state"] == "archived"
    assert client.get(f"{VIEWS}987654").status_code == 404
