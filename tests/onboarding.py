"""What the onboarding tests share: the API's base, a CSV, the target dataset they onboard into (owned by the manager),
uploads and contracts, SQL on the examples and metadata databases."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import psycopg2

from tests.datasets import register_dataset
from tests.services import Services
from tests.users import MANAGER, user

BASE = "/api/v1/dataset_review/onboarding"
TABLE = "review_onboard_target"
CSV = (
    b"Customer ID,Full Name,E-mail,Signup Date,Weight (lb)\n"
    b"1,Ann Lee,ann@example.com,2024-01-05,150\n"
    b"2,Bo Chen,bo@example.org,2024-02-11,172.5\n"
    b"3,Cy Park,cy@example.net,2024-03-20,131\n"
)


def examples_sql(services: Services, sql: str) -> None:
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def metadata_sql(services: Services, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(services.postgres.dsn("superset"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
    finally:
        connection.close()


def create_target(app: Any, services: Services, table: str = TABLE) -> int:
    """A dataset of the onboarding tests' own, owned by the manager (who may write it), not by the runner. A module
    whose assertions depend on which runs went into the target (the previous run, say) names a table of its own."""
    examples_sql(services, f"DROP TABLE IF EXISTS {table}")
    examples_sql(
        services,
        f"CREATE TABLE {table} (customer_id bigint, full_name text, email text, signup_date date, weight_kg double "
        "precision)",
    )
    examples_sql(services, f"INSERT INTO {table} VALUES (9, 'Di Ross', 'di@example.com', '2023-12-01', 70.5)")
    with app.app_context():
        from superset.connectors.sqla.models import SqlaTable
        from superset.extensions import db

        dataset_id = register_dataset(services, table)
        dataset = db.session.get(SqlaTable, dataset_id)
        dataset.owners = [user(MANAGER)]
        db.session.commit()
        return dataset_id


def upload(client: Any, data: bytes = CSV, filename: str = "customers.csv") -> Any:
    return client.post(
        f"{BASE}/uploads/", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def contract(upload_id: str, dataset_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "lhs": {"source": {"type": "file"}, "location": upload_id},
        "rhs": {"source": {"type": "sql"}, "location": f"dataset:{dataset_id}"},
        **overrides,
    }


def onboarding_dir(app: Any) -> Path:
    return Path(app.config["REVIEW_ONBOARDING_DIR"])
