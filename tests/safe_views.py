"""AI-safe views for the tool tests, made directly: a Superset virtual dataset on ``review_customers`` whose SQL is
what a view compiles to, and its ``SafeView`` row with the base dataset's columns as recorded at compile time (the
create command, helper A2's, had not landed when these tests were written; switch to it when it has). The stale view
records a column the base dataset does not have, so ``require_usable_view`` finds the drift itself.
"""

from __future__ import annotations

from typing import Any

from tests.datasets import create_customers_table, register_dataset
from tests.services import Services
from tests.users import ADMIN, user

VIEW_SQL = (
    "SELECT customer_id, LEFT(email, 2) || '***' AS email, 'write to ' || email AS note, "
    "DATE_TRUNC('month', order_date)::date AS order_month FROM review_customers"
)
VIEW_COLUMNS = ["customer_id", "email", "note", "order_month"]


def _virtual_dataset(name: str, sql: str, database_id: int) -> int:
    from superset.connectors.sqla.models import SqlaTable
    from superset.extensions import db

    dataset = db.session.query(SqlaTable).filter_by(table_name=name).one_or_none()
    if dataset is None:
        dataset = SqlaTable(table_name=name, sql=sql, database_id=database_id, schema="public")
        db.session.add(dataset)
        db.session.flush()
        dataset.fetch_metadata()
        db.session.commit()
    return int(dataset.id)


def _safe_view(name: str, base: Any, dataset_id: int, recorded: list[dict[str, str]]) -> int:
    from superset.extensions import db

    from superset_review.safe_views.definition import Operator, Redaction, ViewDefinition
    from superset_review.safe_views.models import SafeView

    existing = db.session.query(SafeView).filter_by(dataset_id=dataset_id).one_or_none()
    if existing is not None:
        return int(existing.id)
    definition = ViewDefinition(base.id, name, tuple(VIEW_COLUMNS), None,
                                {"email": Redaction(Operator.MASK, keep_prefix=2)})  # fmt: skip
    view = SafeView(name=name, base_dataset_id=base.id, database_id=base.database_id, dataset_id=dataset_id,
                    version=1, content_hash=definition.content_hash, definition=definition.to_dict(), sql=VIEW_SQL,
                    base_columns=recorded, state="fresh", created_by=user(ADMIN).id)  # fmt: skip
    db.session.add(view)
    db.session.commit()
    return int(view.id)


def make_test_views(app: Any, services: Services) -> dict[str, int]:
    """The customers table, its dataset with a domain on email, a fresh AI-safe view of it and a stale one."""
    create_customers_table(services)
    with app.app_context():
        from superset.daos.dataset import DatasetDAO
        from superset.extensions import db

        from superset_review.domains.models import ColumnDomainAssignment
        from superset_review.safe_views.access import base_columns

        customers = register_dataset(services, "review_customers")
        base = DatasetDAO.find_by_id(customers, skip_base_filter=True)
        fresh = _virtual_dataset("review_customers_ai_safe", VIEW_SQL, base.database_id)
        stale = _virtual_dataset("review_customers_ai_safe_old", VIEW_SQL, base.database_id)
        recorded = base_columns(base)
        fresh_view = _safe_view("Customers, AI-safe", base, fresh, recorded)
        # Compiled when the base dataset had a column it no longer has: drift.
        stale_view = _safe_view("Customers, AI-safe (old)", base, stale, [*recorded, {"name": "fax", "type": "TEXT"}])
        if not db.session.query(ColumnDomainAssignment).filter_by(dataset_id=customers, column_name="email").count():
            db.session.add(ColumnDomainAssignment(dataset_id=customers, column_name="email", domain="contact.email",
                                                  confidence=0.99, band="high", pii="EMAIL", catalog_hash="x" * 64,
                                                  profile_id="tp_default_v1"))  # fmt: skip
            db.session.commit()
        return {"customers": customers, "fresh": fresh_view, "fresh_dataset": fresh, "stale": stale_view}
