"""A masked sample of an unsaved definition beside the same rows unredacted: both run through Superset's query path
(row-level security of the base table applies), on a transient virtual dataset that is never saved."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from superset.commands.base import BaseCommand

from superset_review.adapters.datasets import DatasetQueryError, may_read
from superset_review.extension.i18n import Text
from superset_review.safe_views.build import BuiltView, build_view
from superset_review.safe_views.commands.base import built
from superset_review.safe_views.definition import ViewDefinition

PREVIEW_ROWS = 20


def may_see_original(dataset: Any) -> bool:
    """Whether the current user may see the base dataset's raw values beside the masked ones: whoever may query the
    base dataset in Superset (the one place this is decided)."""
    return may_read(int(dataset.id))


def _transient_dataset(build: BuiltView, sql: str) -> Any:
    """An unsaved SqlaTable on ``sql`` in the base's database and schema. Its database is set without the backref
    (the Database's ``tables`` would cascade it into the session and a flush would save it)."""
    from sqlalchemy.orm.attributes import set_committed_value
    from superset.connectors.sqla.models import SqlaTable, TableColumn

    base = build.dataset
    types = {column["name"]: column["type"] for column in build.base_columns}
    table = SqlaTable(table_name=f"preview_{build.definition.name}"[:250], sql=sql, schema=base.schema,
                      catalog=base.catalog, database_id=base.database_id)  # fmt: skip
    set_committed_value(table, "database", base.database)
    redacted = build.compiled.redacted
    columns = [
        TableColumn(column_name=name, type=None if name in redacted else types.get(name))
        for name in build.compiled.columns
    ]
    set_committed_value(table, "columns", columns)
    for column in columns:
        set_committed_value(column, "table", table)
    return table


def _rows(table: Any, columns: list[str], order_by: str | None) -> list[list[Any]]:
    query_object: dict[str, Any] = {
        "columns": columns, "metrics": None, "row_limit": PREVIEW_ROWS, "is_timeseries": False, "filter": [],
        "extras": {}, "granularity": None, "from_dttm": None, "to_dttm": None,
        "orderby": [(order_by, True)] if order_by else [],
    }  # fmt: skip
    result = table.query(query_object)
    if result.status != "success" or result.df is None:
        raise DatasetQueryError(result.error_message or Text("the dataset's database did not answer"))
    frame = result.df.astype(object).where(result.df.notna(), None)
    return [[_jsonable(value) for value in row] for row in frame[columns].itertuples(index=False, name=None)]


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


class PreviewSafeViewCommand(BaseCommand):
    def __init__(self, definition: ViewDefinition) -> None:
        self._definition = definition
        self._build: BuiltView | None = None

    def validate(self) -> None:
        self._build = built(self._definition)

    def run(self) -> dict[str, Any]:
        self.validate()
        build = self._build
        assert build is not None
        columns = list(build.compiled.columns)
        # The same rows in both: ordered by the first column that is shown as it is, when there is one.
        plain = [name for name in columns if name not in build.compiled.redacted]
        order_by = plain[0] if plain else None
        masked = _rows(_transient_dataset(build, build.compiled.sql), columns, order_by)
        original = None
        if may_see_original(build.dataset):
            raw = build_view(replace(self._definition, redactions={}), build.dataset)
            original = _rows(_transient_dataset(raw, raw.compiled.sql), columns, order_by)
        return {"columns": columns, "masked": masked, "original": original, "row_limit": PREVIEW_ROWS}
