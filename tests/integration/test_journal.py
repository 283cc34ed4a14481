"""The journal hooks on the real app and metadata database: catalog promotion and import, a column's domain decision
written back to Superset, a semantic write-back. Each change and its entries commit together (a refused write-back
leaves neither), history per entity through the API newest first with Superset's dataset access, the admin-only
list, and entries that the database refuses to update or delete."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa

from tests.conftest import run_cli
from tests.datasets import create_customers_table, register_dataset
from tests.integration.test_domain_catalog import CATALOG_API, LOYALTY, _restore_builtin, _stage
from tests.services import Services
from tests.users import ADMIN, GAMMA, MANAGER, READER, login, user

JOURNAL = "/api/v1/dataset_review/journal"
DOMAINS = "/api/v1/dataset_review/domains/datasets"
SESSIONS = "/api/v1/dataset_review/sessions/"


@pytest.fixture(scope="module")
def customers(app: Any, services: Services) -> int:
    """A copy of review_customers of this module's own: its decisions and write-backs (phone left 'unknown', email's
    meaning) would otherwise change what later modules' scans of review_customers find."""
    create_customers_table(services)
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS review_journal_customers")
        cursor.execute("CREATE TABLE review_journal_customers AS SELECT * FROM review_customers")
    connection.close()
    with app.app_context():
        return register_dataset(services, "review_journal_customers")


def entries(app: Any, entity_type: str, entity_id: str, since: int = 0) -> list[dict[str, Any]]:
    from superset.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT * FROM dataset_review_journal WHERE entity_type = :type AND entity_id = :id AND id > :since "
                "ORDER BY id"
            ),
            {"type": entity_type, "id": entity_id, "since": since},
        )
        return [dict(row._mapping) for row in rows]


def last_id(app: Any) -> int:
    from superset.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT coalesce(max(id), 0) FROM dataset_review_journal")).scalar())


def by_field(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, Any, str]]:
    return {row["field"]: (row["old_value"], row["new_value"], row["source"]) for row in rows}


def test_an_import_from_the_cli_journals_the_live_version_and_each_domain_added(
    app: Any, service_env: dict[str, str], tmp_path: Path
) -> None:
    from superset_review.domains.live import live_catalog

    _restore_builtin(app)
    try:
        with app.app_context():
            before = live_catalog()
        since = last_id(app)
        good = tmp_path / "acme.yaml"
        good.write_text(LOYALTY)
        imported = run_cli(["domains", "import", str(good)], service_env)
        assert imported.returncode == 0, imported.stderr
        with app.app_context():
            after = live_catalog()
        live = by_field(entries(app, "domain_catalog", "live", since))
        assert live["version"] == (before.version, after.version, "cli")
        assert live["content_hash"] == (before.content_hash, after.content_hash, "cli")
        [added] = entries(app, "domain", "identifier.loyalty_card", since)
        assert (added["field"], added["old_value"], added["source"]) == ("domain", None, "cli")
        assert added["new_value"]["name"] == "identifier.loyalty_card" and added["new_value"]["pattern_required"]
        # Restoring the built-in catalog (a replace) removes it again: journalled as a removal.
        since = last_id(app)
        _restore_builtin(app)
        [removed] = entries(app, "domain", "identifier.loyalty_card", since)
        assert removed["field"] == "domain" and removed["new_value"] is None
        assert removed["old_value"]["name"] == "identifier.loyalty_card"
    finally:
        _restore_builtin(app)


def test_a_promotion_through_the_api_journals_each_changed_key(app: Any, client: Any) -> None:
    from superset_review.domains.live import live_catalog

    _restore_builtin(app)
    try:
        with app.app_context():
            before = live_catalog()
            aliases_before = before.catalog.by_name["contact.email"].to_json()["aliases"]
        _stage(app, "add_alias", "contact.email", {"alias": "courriel", "language": "fr"})
        since = last_id(app)
        login(client, ADMIN)
        promoted = client.post(f"{CATALOG_API}/catalog/promote", json={"expected_version": before.version})
        assert promoted.status_code == 200, promoted.json
        live = by_field(entries(app, "domain_catalog", "live", since))
        assert live["version"][:2] == (before.version, before.version + 1) and live["version"][2] == "api"
        changed = entries(app, "domain", "contact.email", since)
        assert [(row["field"], row["source"]) for row in changed] == [("aliases", "api")], "only the changed key"
        assert changed[0]["old_value"] == aliases_before and "courriel" in changed[0]["new_value"]["fr"]
        with app.app_context():
            assert changed[0]["actor_id"] == user(ADMIN).id
        history = client.get(f"{JOURNAL}/domain/contact.email")
        assert history.status_code == 200 and history.json["result"][0]["id"] == changed[0]["id"]
    finally:
        _restore_builtin(app)


def test_a_decision_written_back_is_journalled_and_a_refused_one_leaves_nothing(
    app: Any, client: Any, customers: int
) -> None:
    entity = f"{customers}:phone"
    login(client, ADMIN)
    assert client.post(f"{DOMAINS}/{customers}/columns/phone/decision", json={"action": "unknown"}).status_code == 200
    since = last_id(app)
    decided = client.post(
        f"{DOMAINS}/{customers}/columns/phone/decision", json={"action": "override", "domain": "contact.phone"}
    )
    assert decided.status_code == 200, decided.json
    [entry] = entries(app, "dataset_column", entity, since)
    assert (entry["field"], entry["old_value"], entry["source"]) == ("extra.review_domain", None, "api")
    assert entry["new_value"] == decided.json["written_back"] and entry["new_value"]["domain"] == "contact.phone"
    unknown = client.post(f"{DOMAINS}/{customers}/columns/phone/decision", json={"action": "unknown"})
    assert unknown.status_code == 200
    history = client.get(f"{JOURNAL}/dataset_column/{entity}")
    assert history.status_code == 200, history.json
    newest, previous = history.json["result"][:2]
    assert newest["id"] > previous["id"], "newest first"
    assert (newest["old_value"]["domain"], newest["new_value"]) == ("contact.phone", None)
    assert previous["id"] == entry["id"]

    # Superset refuses the manager's write-back (not an owner): neither the decision nor an entry is kept.
    since = last_id(app)
    login(client, MANAGER)
    refused = client.post(
        f"{DOMAINS}/{customers}/columns/phone/decision", json={"action": "override", "domain": "contact.phone"}
    )
    assert refused.status_code == 403 and refused.json["error_code"] == "WRITE_BACK_REFUSED", refused.json
    assert entries(app, "dataset_column", entity, since) == []
    login(client, ADMIN)
    document = client.get(f"{DOMAINS}/{customers}").json
    phone = next(column for column in document["columns"] if column["column_name"] == "phone")
    assert phone["assignment"]["status"] == "unknown", "the refused decision rolled back with its entry"

    # A user who may not read the dataset does not learn its columns' history.
    login(client, READER)
    hidden = client.get(f"{JOURNAL}/dataset_column/{entity}")
    assert hidden.status_code == 404 and "may not read it" in hidden.json["message"]


def test_a_semantic_write_back_journals_old_and_new_values(app: Any, client: Any, customers: int) -> None:
    login(client, ADMIN)
    session = client.post(SESSIONS, json={"source": str(customers)})
    assert session.status_code == 201, session.json
    body = session.json
    columns = {column["column_name"]: column for column in body["profile"]["columns"]}
    assert "email" in columns
    label = f"Contact e-mail {uuid.uuid4().hex[:6]}"
    content = f"column,verbose_name,description\nemail,{label},Where we write to\n"
    data = {"version": str(body["version"]), "file": (io.BytesIO(content.encode()), "dictionary.csv")}
    imported = client.post(
        f"{SESSIONS}{body['id']}/semantics/dictionary", data=data, content_type="multipart/form-data"
    )
    assert imported.status_code == 200, imported.json
    with app.app_context():
        from superset.connectors.sqla.models import SqlaTable
        from superset.extensions import db

        column = next(c for c in db.session.get(SqlaTable, customers).columns if c.column_name == "email")
        old = (column.verbose_name, column.description)
    decisions = [
        {"column": "email", "field": "verbose_name", "action": "accept"},
        {"column": "email", "field": "description", "action": "accept"},
    ]
    decided = client.post(
        f"{SESSIONS}{body['id']}/semantics/decisions",
        json={"version": imported.json["version"], "decisions": decisions},
    )
    assert decided.status_code == 200, decided.json
    since = last_id(app)
    applied = client.post(f"{SESSIONS}{body['id']}/semantics/apply", json={"version": decided.json["version"]})
    assert applied.status_code == 200, applied.json
    written = by_field(entries(app, "dataset_column", f"{customers}:email", since))
    assert written["verbose_name"] == (old[0], label, "api")
    if old[1] != "Where we write to":
        assert written["description"] == (old[1], "Where we write to", "api")
    assert set(written) <= {"verbose_name", "description"}


@pytest.mark.parametrize(("username", "status"), [(ADMIN, 200), (READER, 403), (GAMMA, 403), (MANAGER, 403)])
def test_the_journal_list_is_admin_only(client: Any, username: str, status: int) -> None:
    login(client, username)
    response = client.get(f"{JOURNAL}/")
    assert response.status_code == status
    if status == 200:
        assert all(entry["source"] in ("api", "cli", "worker", "mcp") for entry in response.json["result"])


def test_entries_cannot_be_updated_or_deleted(app: Any, client: Any, customers: int) -> None:
    from superset.extensions import db

    login(client, ADMIN)
    client.post(f"{DOMAINS}/{customers}/columns/email/decision", json={"action": "unknown"})
    client.post(f"{DOMAINS}/{customers}/columns/email/decision", json={"action": "override", "domain": "contact.email"})
    newest = last_id(app)
    assert newest > 0
    for statement in (
        "UPDATE dataset_review_journal SET new_value = '\"forged\"' WHERE id = :id",
        "DELETE FROM dataset_review_journal WHERE id = :id",
    ):
        with app.app_context(), db.engine.connect() as connection, pytest.raises(sa.exc.DBAPIError):
            connection.execute(sa.text(statement), {"id": newest})
    with app.app_context(), db.engine.connect() as connection:
        kept = connection.execute(
            sa.text("SELECT new_value FROM dataset_review_journal WHERE id = :id"), {"id": newest}
        )
        assert kept.scalar() != "forged"


def test_the_source_says_where_the_change_was_made(app: Any) -> None:
    """api in a request, worker in a Celery task (Celery's own eager run of a task), cli elsewhere."""
    from celery import Celery

    from superset_review.journal.source import current_source

    probe = Celery("journal-source-probe")

    @probe.task(name="journal_source_probe")
    def where() -> str:
        return current_source()

    with app.app_context():
        assert current_source() == "cli"
        assert where.apply().get() == "worker"
    with app.test_request_context("/"):
        assert current_source() == "api"
