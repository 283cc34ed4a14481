"""The data-mode profile: statistics computed in the database, a masked and capped sample, PII findings;
nothing of it in metadata_only."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest

from tests.datasets import CUSTOMERS, create_customers_table, register_dataset
from tests.leaks import register_sensitive
from tests.services import Services
from tests.users import ADMIN, login

SESSIONS = "/api/v1/dataset_review/sessions/"


@pytest.fixture(scope="module")
def customers(app: Any, services: Services) -> int:
    create_customers_table(services)
    with app.app_context():
        return register_dataset(services, "review_customers")


@pytest.fixture()
def data_mode(app: Any) -> Iterator[None]:
    from superset_review.policy.manifest import parse_policy

    saved = app.config["REVIEW_POLICY"]
    app.config["REVIEW_POLICY"] = parse_policy({"mode": "data_mode", "sample_caps": {"rows": 5}})
    yield
    app.config["REVIEW_POLICY"] = saved


def test_data_mode_profile(client: Any, customers: int, data_mode: None) -> None:
    login(client, ADMIN)
    body = client.post(SESSIONS, json={"source": str(customers)}).json
    data = body["profile"]["data"]
    assert data["statistics"]["rows"] == len(CUSTOMERS) * 10 == data["statistics"]["sampled_rows"]
    email = data["statistics"]["columns"]["email"]
    assert email["null_rate"] == 0.0 and email["distinct"] == len(CUSTOMERS)
    assert email["withheld"] and (email["min"], email["max"], email["top_values"]) == (None, None, None)
    ids = data["statistics"]["columns"]["customer_id"]
    assert (ids["min"], ids["max"]) == (1000001, 1000004)
    assert sorted(item["value"] for item in ids["top_values"]) == [1000001, 1000002, 1000003, 1000004]
    assert {item["count"] for item in ids["top_values"]} == {10}
    assert data["sample"]["rows"] == 5, "capped by the policy"
    assert {"email", "phone", "card_number"} <= set(data["sample"]["masked_columns"])
    sample_text = str(data["sample"]["data"])
    for _, _, email_value, phone, card, _ in CUSTOMERS:
        assert email_value not in sample_text and phone not in sample_text and card not in sample_text
    exposed = {f["target"] for f in body["findings"] if f["code"] == "PII_EXPOSED"}
    assert {"email", "phone", "card_number"} <= exposed and "customer_id" not in exposed


def test_background_start_reads_the_data_in_the_worker(
    client: Any, customers: int, data_mode: None, worker: Any
) -> None:
    login(client, ADMIN)
    body = client.post(SESSIONS, json={"source": str(customers), "background": True}).json
    assert body["state"] == "importing" and "data" not in body["profile"], "answered before the data was read"
    [task] = body["tasks"]
    assert task["kind"] == "profile" and task["state"] in ("queued", "running", "done")
    assert task["subject"] == f"session:{body['id']}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        session = client.get(f"{SESSIONS}{body['id']}").json
        if session["tasks"][0]["state"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert session["tasks"][0]["state"] == "done", session["tasks"]
    assert session["version"] == body["version"] + 1, "only the profile's result moved the version, not the task"
    assert session["profile"]["data"]["statistics"]["rows"] == len(CUSTOMERS) * 10
    assert "email" in {f["target"] for f in session["findings"] if f["code"] == "PII_EXPOSED"}
    assert session["state"] != "importing"
    assert [e["action"] for e in session["events"]] == ["session.started", "session.profiled"]


def test_metadata_only_reads_no_rows(client: Any, customers: int) -> None:
    login(client, ADMIN)
    body = client.post(SESSIONS, json={"source": str(customers)}).json
    assert "data" not in body["profile"]
    assert not any(f["code"] == "PII_EXPOSED" for f in body["findings"])


# --- one PII threshold, from the policy --------------------------------------------------------------------------

REMARKS = ["ann.lee@example.com", "bo.chen@example.org", "cy.park@example.net", "di.ross@example.com",
           "ed.fox@example.com", "fay.wu@example.org", "ok", "late", "n/a", "fine"]  # fmt: skip


@pytest.fixture(scope="module")
def remarks(app: Any, services: Services) -> int:
    """A column the scanner scores 0.57 (six e-mails in ten values, a name that says nothing): between the
    scanner's 0.5 and the 0.6 the profile used to mask from."""
    register_sensitive("review_remarks", {"remarks": [value for value in REMARKS if "@" in value]})
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS review_remarks (ticket integer, remarks text)")
        cursor.execute("TRUNCATE review_remarks")
        cursor.executemany("INSERT INTO review_remarks VALUES (%s, %s)", list(enumerate(REMARKS * 3)))
    connection.close()
    with app.app_context():
        return register_dataset(services, "review_remarks")


def _policy(app: Any, **policy: Any) -> Any:
    from superset_review.policy.manifest import parse_policy

    app.config["REVIEW_POLICY"] = parse_policy({"mode": "data_mode", **policy})


def test_a_column_the_scanner_flags_is_masked_in_the_profile(app: Any, client: Any, remarks: int) -> None:
    saved = app.config["REVIEW_POLICY"]
    try:
        _policy(app, sample_caps={"rows": 30})
        login(client, ADMIN)
        scanned = client.post(f"/api/v1/dataset_review/pii/scan/dataset/{remarks}", json={}).json
        flagged = {c["column"]: c["confidence"] for c in scanned["columns"] if c["pii_type"]}
        assert 0.5 <= flagged["remarks"] < 0.6, scanned
        body = client.post(SESSIONS, json={"source": str(remarks)}).json
        data = body["profile"]["data"]
        assert data["sample"]["masked_columns"] == ["remarks"]
        assert not any(value in str(data["sample"]["data"]) for value in REMARKS[:6])
        column = data["statistics"]["columns"]["remarks"]
        assert column["withheld"] and (column["min"], column["max"], column["top_values"]) == (None, None, None)
        assert "remarks" in {f["target"] for f in body["findings"] if f["code"] == "PII_EXPOSED"}

        _policy(app, sample_caps={"rows": 30}, pii_threshold=0.9)  # one score for both: neither flags it now
        scanned = client.post(f"/api/v1/dataset_review/pii/scan/dataset/{remarks}", json={}).json
        assert not [c for c in scanned["columns"] if c["pii_type"]]
        body = client.post(SESSIONS, json={"source": str(remarks)}).json
        assert body["profile"]["data"]["sample"]["masked_columns"] == []
    finally:
        app.config["REVIEW_POLICY"] = saved


def test_the_stored_sample_honours_the_policys_byte_cap(app: Any, client: Any, customers: int) -> None:
    saved = app.config["REVIEW_POLICY"]
    try:
        _policy(app, sample_caps={"rows": 20, "bytes": 600})
        login(client, ADMIN)
        sample = client.post(SESSIONS, json={"source": str(customers)}).json["profile"]["data"]["sample"]
        assert 0 < sample["rows"] == len(sample["data"]) < 20 and sample["cut_by_bytes"]
        assert len(json.dumps(sample["data"]).encode()) <= 600
    finally:
        app.config["REVIEW_POLICY"] = saved
