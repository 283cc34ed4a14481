"""A definition compiled against its base dataset as it is now: the base's columns, the database's dialect, the
per-database salt, the SQL (A1's compiler), and the description the Superset dataset carries."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from superset_review.safe_views.definition import ViewDefinition


@dataclass(frozen=True)
class BuiltView:
    definition: ViewDefinition
    dataset: Any  # the base SqlaTable
    base_columns: list[dict[str, str]]
    compiled: Any  # compiler.CompiledView
    description: str

    @property
    def database_id(self) -> int:
        return int(self.dataset.database_id)


def dialect_of(database: Any) -> str:
    """sqlglot's dialect of a Superset database, as Superset's own parser names it (its engine's dialect)."""
    from superset.sql.parse import SQLGLOT_DIALECTS

    dialect = SQLGLOT_DIALECTS.get(database.db_engine_spec.engine)
    return str(getattr(dialect, "value", dialect) or "")


def view_salt(database: Any) -> str:
    """The per-database salt of ``hash`` redactions: HMAC-SHA256(installation salt, "safe_view:<database uuid>"). Equal
    values hash equal in every view of one database (joins match), and differ across databases."""
    from flask import current_app

    from superset_review.pii.masking import installation_salt

    key = installation_salt(current_app.config).encode()
    return hmac.new(key, f"safe_view:{database.uuid}".encode(), hashlib.sha256).hexdigest()


def source_of(dataset: Any) -> Any:
    """Where the view reads from: the base's table, or its SQL for a virtual dataset."""
    from superset_review.safe_views.compiler import ViewSource

    if dataset.sql and str(dataset.sql).strip():
        return ViewSource(sql=str(dataset.sql))
    return ViewSource(catalog=dataset.catalog, schema=dataset.schema, table=dataset.table_name)


def build_view(definition: ViewDefinition, dataset: Any, reasons: dict[str, str] | None = None) -> BuiltView:
    """Compile ``definition`` against ``dataset`` (the base, which the caller checked the user may read). Raises the
    compiler's ReviewErrors (BAD_VIEW_DEFINITION, BAD_ROW_FILTER: 422 naming the field)."""
    from superset_review.safe_views.access import base_columns
    from superset_review.safe_views.compiler import compile_view, describe_removed

    columns = base_columns(dataset)
    database = dataset.database
    compiled = compile_view(
        definition,
        source_of(dataset),
        {column["name"]: column["type"] for column in columns},
        dialect=dialect_of(database),
        salt=view_salt(database),
    )
    description = describe_removed(compiled, reasons or {})
    return BuiltView(definition, dataset, columns, compiled, description)
