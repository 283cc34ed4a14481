"""Test data in the examples database, registered as Superset datasets."""

from __future__ import annotations

from typing import Any

import psycopg2

from tests.leaks import register_sensitive
from tests.services import Services

CUSTOMERS = [
    (1000001, "Ann Lee", "ann.lee@example.com", "+1 (415) 555-0132", "4111 1111 1111 1111", "2003-02-24"),
    (1000002, "Bo Chen", "bo.chen@example.org", "+44 20 7946 0958", "5500 0000 0000 0004", "2003-05-07"),
    (1000003, "Cy Park", "cy.park@example.net", "+49 30 1234567", "4012 8888 8888 1881", "2004-01-15"),
    (1000004, "Di Ross", "di.ross@example.com", "(212) 555-0188", "3782 822463 10005", "2004-07-02"),
]


def create_customers_table(services: Services) -> None:
    register_sensitive(
        "review_customers",
        {name: [row[index] for row in CUSTOMERS] for index, name in ((1, "contact_name"), (2, "email"), (3, "phone"),
                                                                     (4, "card_number"))},
    )  # fmt: skip
    connection = psycopg2.connect(services.postgres.dsn("examples"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS review_customers (customer_id bigint, contact_name text, email text, "
            "phone text, card_number text, order_date date)"
        )
        cursor.execute("TRUNCATE review_customers")
        cursor.executemany("INSERT INTO review_customers VALUES (%s, %s, %s, %s, %s, %s)", CUSTOMERS * 10)
    connection.close()


def register_dataset(services: Services, table_name: str) -> int:
    """The examples database (created once) and a physical dataset on ``table_name``; returns its id."""
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db
    from superset.models.core import Database

    database = db.session.query(Database).filter_by(database_name="review_examples").one_or_none()
    if database is None:
        database = Database(database_name="review_examples", sqlalchemy_uri=services.postgres.uri("examples"))
        db.session.add(database)
        db.session.flush()
    dataset: Any = db.session.query(SqlaTable).filter_by(table_name=table_name, database_id=database.id).one_or_none()
    if dataset is None:
        dataset = SqlaTable(table_name=table_name, database=database, schema="public")
        db.session.add(dataset)
        db.session.flush()
        dataset.fetch_metadata()
    db.session.commit()
    return int(dataset.id)
