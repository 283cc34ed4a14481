"""Domaining of Superset datasets with a real Celery worker (data_mode, 5 rows): assignments stored with evidence,
progress to the end, Superset's dataset access on every read, decisions written back through Superset's own command
with their audit row and the staged alias they propose."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.datasets import create_customers_table, register_dataset
from tests.services import Services
from tests.users import ADMIN, GAMMA, MANAGER, READER, login

DOMAINS = "/api/v1/dataset_review/domains/datasets"


@pytest.fixture(scope="module")
def customers(app: Any, services: Services) -> int:
    create_customers_table(services)
    with app.app_context():
        return register_dataset(services, "review_customers")


def wait_for(client: Any, path: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    task: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(path)
        assert response.status_code == 200, response.json
        task = dict(response.json)
        if task["state"] in ("done", "failed"):
            return task
        time.sleep(0.1)
    raise AssertionError(f"task never ended: {task}")


def classified(client: Any, dataset_id: int) -> dict[str, Any]:
    queued = client.post(f"{DOMAINS}/{dataset_id}/classify")
    assert queued.status_code == 202, queued.json
    assert queued.json["kind"] == "domaining" and queued.json["subject"] == f"dataset:{dataset_id}"
    task = wait_for(client, f"{DOMAINS}/{dataset_id}/tasks/{queued.json['task_id']}")
    assert task["state"] == "done", task
    response = client.get(f"{DOMAINS}/{dataset_id}")
    assert response.status_code == 200, response.json
    return {"task": task, **response.json}


def by_column(document: dict[str, Any]) -> dict[str, Any]:
    return {column["column_name"]: column["assignment"] for column in document["columns"]}


def test_a_dataset_is_domained_in_the_worker_with_masked_evidence(client: Any, customers: int, worker: Any) -> None:
    login(client, ADMIN)
    document = classified(client, customers)
    task = document["task"]
    assert task["done"] == task["total"] == 6, "progress counted every column, to the end"
    assignments = by_column(document)
    assert {column: (a["domain"], a["band"], a["pii"]) for column, a in assignments.items()} == {
        "customer_id": ("identifier.customer_id", "high", None),
        "contact_name": ("person.full_name", "high", "PERSON"),
        "email": ("contact.email", "high", "EMAIL"),
        "phone": ("contact.phone", "high", "PHONE"),
        "card_number": ("money.credit_card", "high", "CREDIT_CARD"),
        "order_date": ("datetime.date", "high", None),
    }
    email = assignments["email"]
    assert email["status"] == "proposed" and email["decided_by"] is None
    assert email["catalog_hash"] and email["profile_id"] == "tp_default_v1"
    assert email["evidence"]["header_tokens"] == ["email"] and email["evidence"]["sampled"] == 5
    snippets = email["evidence"]["samples"]
    assert snippets and not any("@example" in snippet for snippet in snippets), snippets
    assert document["tasks"][0]["task_id"] == task["task_id"]


def test_domain_reads_follow_supersets_dataset_access(client: Any, customers: int) -> None:
    login(client, GAMMA)  # no can_read on DatasetReview
    assert client.get(f"{DOMAINS}/{customers}").status_code == 403
    assert client.post(f"{DOMAINS}/{customers}/classify").status_code == 403
    login(client, READER)  # can_read, but no access to the dataset
    response = client.get(f"{DOMAINS}/{customers}")
    assert response.status_code == 403 and response.json["error_code"] == "DATASET_FORBIDDEN"
    login(client, ADMIN)
    assert client.get(f"{DOMAINS}/987654").status_code == 404


def test_a_decision_is_written_back_audited_and_proposes_an_alias(
    app: Any, client: Any, customers: int, worker: Any
) -> None:
    from superset.extensions import db

    from superset_review.domains.models import DomainAuditEntry, DomainDelta

    login(client, ADMIN)
    classified(client, customers)
    # customer_id read as a customer id; the reviewer says it is an order id: the header becomes a staged alias.
    decided = client.post(
        f"{DOMAINS}/{customers}/columns/customer_id/decision",
        json={"action": "override", "domain": "identifier.order_id"},
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["assignment"]["status"] == "overridden"
    assert decided.json["written_back"]["domain"] == "identifier.order_id"
    dataset = client.get(f"/api/v1/dataset/{customers}").json["result"]
    columns = {column["column_name"]: column for column in dataset["columns"]}
    assert json.loads(columns["customer_id"]["extra"])["review_domain"]["domain"] == "identifier.order_id"
    assert columns["email"]["extra"] in (None, "", "{}"), "the other columns are untouched"
    approved = client.post(f"{DOMAINS}/{customers}/columns/email/decision", json={"action": "approve"})
    assert approved.status_code == 200 and approved.json["assignment"]["status"] == "accepted"
    with app.app_context():
        audit = (
            db.session.query(DomainAuditEntry)
            .filter(DomainAuditEntry.subject == f"dataset:{customers}:customer_id", DomainAuditEntry.action == "decide")
            .order_by(DomainAuditEntry.id.desc())
            .first()
        )
        assert audit is not None
        assert audit.before["domain"] == "identifier.customer_id" and audit.after["domain"] == "identifier.order_id"
        deltas = db.session.query(DomainDelta).filter(DomainDelta.domain == "identifier.order_id").all()
        assert any(delta.payload == {"alias": "customer id", "language": "en"} for delta in deltas)
        email_deltas = db.session.query(DomainDelta).filter(DomainDelta.domain == "contact.email").all()
        assert not [d for d in email_deltas if (d.origin or {}).get("dataset_id") == customers], (
            "email is an alias of contact.email already: nothing to stage"
        )
    # A new run keeps what people decided.
    again = by_column(classified(client, customers))
    assert again["customer_id"]["domain"] == "identifier.order_id" and again["customer_id"]["status"] == "overridden"
    assert again["email"]["status"] == "accepted"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action": "override", "domain": "no.such.domain"}, 400),
        ({"action": "override"}, 400),
        ({"action": "unknown", "domain": "contact.email"}, 400),
        ({"action": "explode"}, 400),
    ],
    ids=["unknown-domain", "override-without-domain", "unknown-with-domain", "bad-action"],
)
def test_bad_decisions_are_4xx_naming_the_problem(
    client: Any, customers: int, body: dict[str, Any], status: int
) -> None:
    login(client, ADMIN)
    response = client.post(f"{DOMAINS}/{customers}/columns/phone/decision", json=body)
    assert response.status_code == status, response.json
    assert response.json["message"]


def test_a_decision_on_a_missing_column_is_404(client: Any, customers: int) -> None:
    login(client, ADMIN)
    response = client.post(f"{DOMAINS}/{customers}/columns/nope/decision", json={"action": "unknown"})
    assert response.status_code == 404 and "nope" in response.json["message"]


def test_every_readable_dataset_of_a_database_is_domained(app: Any, client: Any, customers: int, worker: Any) -> None:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    with app.app_context():
        database_id = db.session.get(SqlaTable, customers).database_id
    login(client, READER)  # may read reviews, may not manage them
    assert client.post(f"{DOMAINS}/database/{database_id}/classify").status_code == 403
    login(client, ADMIN)
    assert client.post(f"{DOMAINS}/database/987654/classify").status_code == 404
    queued = client.post(f"{DOMAINS}/database/{database_id}/classify")
    assert queued.status_code == 202, queued.json
    assert queued.json["subject"] == f"database:{database_id}"
    task = wait_for(client, f"{DOMAINS}/database/{database_id}/tasks/{queued.json['task_id']}")
    assert task["state"] == "done" and task["done"] == task["total"] >= 1, task
    assert by_column(client.get(f"{DOMAINS}/{customers}").json)["phone"]["domain"] == "contact.phone"


def test_domains_become_candidates_in_the_reviews_semantics(client: Any, customers: int, worker: Any) -> None:
    login(client, ADMIN)
    classified(client, customers)
    started = client.post("/api/v1/dataset_review/sessions/", json={"source": str(customers)})
    assert started.status_code == 201, started.json
    session = started.json
    imported = client.post(
        f"/api/v1/dataset_review/sessions/{session['id']}/semantics/domains", json={"version": session["version"]}
    )
    assert imported.status_code == 200, imported.json
    phone = next(s for s in imported.json["semantics"] if s["column"] == "phone" and s["field"] == "verbose_name")
    [candidate] = [c for c in phone["candidates"] if c["source"] == "domains"]
    assert candidate["value"] and candidate["confidence"] == 1.0
    assert candidate["rationale"].startswith("contact.phone (high") and "sampled values match" in candidate["rationale"]
    assert phone["status"] == "proposed" and phone["chosen"]["source"] == "domains"


def test_the_pii_scan_answers_from_the_domains(client: Any, customers: int, worker: Any) -> None:
    login(client, ADMIN)
    classified(client, customers)
    scan = client.post(f"/api/v1/dataset_review/pii/scan/dataset/{customers}", json={}).json
    email = next(column for column in scan["columns"] if column["column"] == "email")
    assert email["pii_type"] == "EMAIL" and email["evidence"][0]["rule"] == "domain"
    assert "contact.email" in email["evidence"][0]["detail"]
    # A reviewer says the card numbers are test data, not personal data: the scan hears it.
    assert (
        client.post(f"{DOMAINS}/{customers}/columns/card_number/decision", json={"action": "unknown"}).status_code
        == 200
    )
    scan = client.post(f"/api/v1/dataset_review/pii/scan/dataset/{customers}", json={}).json
    card = next(column for column in scan["columns"] if column["column"] == "card_number")
    assert card["pii_type"] is None and any(e["rule"] == "overruled_by_domain" for e in card["evidence"])
    restored = client.post(
        f"{DOMAINS}/{customers}/columns/card_number/decision",
        json={"action": "override", "domain": "money.credit_card"},
    )
    assert restored.status_code == 200 and restored.json["assignment"]["pii"] == "CREDIT_CARD"


def test_a_decision_superset_refuses_changes_nothing(app: Any, client: Any, customers: int, worker: Any) -> None:
    """A manager who does not own the dataset may decide nothing: Superset refuses the write-back, and the
    assignment, its audit row and its staged alias roll back with it (one unit of work)."""
    from superset.extensions import db

    from superset_review.domains.models import DomainAuditEntry, DomainDelta

    login(client, ADMIN)
    classified(client, customers)
    before = by_column(client.get(f"{DOMAINS}/{customers}").json)["order_date"]
    with app.app_context():
        audits = db.session.query(DomainAuditEntry).count()
        deltas = db.session.query(DomainDelta).count()
    login(client, MANAGER)
    refused = client.post(
        f"{DOMAINS}/{customers}/columns/order_date/decision",
        json={"action": "override", "domain": "datetime.date_of_birth"},
    )
    assert refused.status_code == 403 and refused.json["error_code"] == "WRITE_BACK_REFUSED", refused.json
    login(client, ADMIN)
    assert by_column(client.get(f"{DOMAINS}/{customers}").json)["order_date"] == before
    with app.app_context():
        assert db.session.query(DomainAuditEntry).count() == audits
        assert db.session.query(DomainDelta).count() == deltas
