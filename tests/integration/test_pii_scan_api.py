"""PII scan of a Superset dataset through the API, on a sample within the policy's caps."""

from __future__ import annotations

from typing import Any

import pytest

from tests.datasets import create_customers_table, register_dataset
from tests.services import Services
from tests.users import ADMIN, GAMMA, READER, login


@pytest.fixture(scope="module")
def customers(app: Any, services: Services) -> int:
    create_customers_table(services)
    with app.app_context():
        return register_dataset(services, "review_customers")


def scan(client: Any, dataset_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/dataset_review/pii/scan/dataset/{dataset_id}", json=body)


def test_scan_finds_pii_columns_and_not_the_id(client: Any, customers: int) -> None:
    login(client, ADMIN)
    response = scan(client, customers)
    assert response.status_code == 200, response.json
    verdicts = {column["column"]: column["pii_type"] for column in response.json["columns"]}
    assert verdicts == {
        "customer_id": None,
        "contact_name": "PERSON",
        "email": "EMAIL",
        "phone": "PHONE",
        "card_number": "CREDIT_CARD",
        "order_date": None,
    }
    email = next(c for c in response.json["columns"] if c["column"] == "email")
    assert email["confidence"] >= 0.9 and email["evidence"][0]["matched"] > 0


def test_sample_stays_within_the_policy_caps(client: Any, customers: int) -> None:
    login(client, ADMIN)
    body = scan(client, customers, rows=1000).json
    assert body["sample_caps"]["rows"] == 20
    assert body["sampled_rows"] == 20, "40 rows in the table, capped at the policy's 20"


@pytest.mark.parametrize(
    ("username", "dataset", "status"),
    [(GAMMA, "customers", 403), (READER, "customers", 403), (ADMIN, 987654, 404)],
    ids=["no-can_read", "can_read-but-no-datasource-access", "missing"],
)
def test_access_and_missing_dataset(client: Any, customers: int, username: str, dataset: Any, status: int) -> None:
    login(client, username)
    target = customers if dataset == "customers" else dataset
    response = scan(client, target)
    assert response.status_code == status
    if username == READER:
        assert "you do not have access to dataset" in response.json["message"]


def test_bad_rows(client: Any, customers: int) -> None:
    login(client, ADMIN)
    response = scan(client, customers, rows=0)
    assert response.status_code == 400 and "rows" in response.json["message"]
