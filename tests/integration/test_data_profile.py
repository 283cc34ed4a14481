"""The data-mode profile: statistics computed in the database, a masked and capped sample, PII findings;
nothing of it in metadata_only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.datasets import CUSTOMERS, create_customers_table, register_dataset
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
    [(task_id, task)] = body["context"]["tasks"].items()
    assert task["kind"] == "profile" and task["state"] in ("queued", "running", "done")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        session = client.get(f"{SESSIONS}{body['id']}").json
        if session["context"]["tasks"][task_id]["state"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert session["context"]["tasks"][task_id]["state"] == "done", session["context"]["tasks"]
    assert session["profile"]["data"]["statistics"]["rows"] == len(CUSTOMERS) * 10
    assert "email" in {f["target"] for f in session["findings"] if f["code"] == "PII_EXPOSED"}
    assert session["state"] != "importing"
    assert [e["action"] for e in session["events"]] == ["session.started", "session.profiled"]


def test_metadata_only_reads_no_rows(client: Any, customers: int) -> None:
    login(client, ADMIN)
    body = client.post(SESSIONS, json={"source": str(customers)}).json
    assert "data" not in body["profile"]
    assert not any(f["code"] == "PII_EXPOSED" for f in body["findings"])
