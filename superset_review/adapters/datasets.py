"""Superset datasets, read as the current user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from superset_review.extension.i18n import Text

if TYPE_CHECKING:
    import polars as pl


class _SaysText(Exception):
    """An error whose message is for people: ``str(error)`` is the message itself, a Text when it was given one
    (``Exception.__str__`` would copy it into a plain ``str``), so that callers' ``str(ex)`` stays translatable."""

    def __str__(self) -> str:
        first = self.args[0] if len(self.args) == 1 else None
        return first if isinstance(first, str) else super().__str__()


class DatasetNotFoundError(_SaysText):
    def __init__(self, dataset_id: int) -> None:
        self.message = Text("dataset %(dataset)s does not exist", dataset=dataset_id)
        super().__init__(self.message)
        self.dataset_id = dataset_id


class DatasetAccessError(_SaysText):
    def __init__(self, dataset_id: int) -> None:
        self.message = Text(
            "you do not have access to dataset %(dataset)s: ask its owner or an admin for access", dataset=dataset_id
        )
        super().__init__(self.message)
        self.dataset_id = dataset_id


class DatasetQueryError(_SaysText):
    """The dataset's database could not answer (unreachable, bad SQL, template error)."""


# When the database gives no message of its own.
_NO_ANSWER = Text("the dataset's database did not answer")


def get_dataset(dataset_id: int) -> Any:
    """The dataset, when it exists and the current user may query it."""
    from superset.daos.dataset import DatasetDAO
    from superset.exceptions import SupersetSecurityException
    from superset.extensions import security_manager

    dataset = DatasetDAO.find_by_id(dataset_id, skip_base_filter=True)
    if dataset is None:
        raise DatasetNotFoundError(dataset_id)
    try:
        security_manager.raise_for_access(datasource=dataset)
    except SupersetSecurityException as ex:
        raise DatasetAccessError(dataset_id) from ex
    return dataset


def may_read(dataset_id: int | None) -> bool:
    """Whether the current user may query the dataset (Superset's own check), asked once per request and user."""
    from flask import g

    if dataset_id is None:
        return False
    asked: dict[tuple[int, int], bool] = g.setdefault("review_dataset_access", {})
    key = (getattr(getattr(g, "user", None), "id", None) or 0, dataset_id)
    if key not in asked:
        try:
            get_dataset(dataset_id)
        except (DatasetAccessError, DatasetNotFoundError):
            asked[key] = False
        else:
            asked[key] = True
    return asked[key]


def _query_object(columns: list[str], metrics: list[dict[str, Any]] | None, row_limit: int) -> dict[str, Any]:
    """Superset's query object for a table-like query with no time range and no filter."""
    return {
        "columns": columns, "metrics": metrics, "row_limit": row_limit, "is_timeseries": False, "filter": [],
        "extras": {}, "granularity": None, "from_dttm": None, "to_dttm": None, "orderby": [],
    }  # fmt: skip


def sample_rows(dataset: Any, limit: int, columns: list[str] | None = None) -> pl.DataFrame:
    """Up to ``limit`` raw rows (of ``columns``, default every physical column), through Superset's own query path
    for the dataset.

    Superset builds the SQL (virtual datasets and their Jinja included) and applies row-level security, so
    the sample is exactly what this user could see in a table chart; LIMIT is in the SQL, nothing more is read.
    """
    query_object = _query_object(
        columns=columns or [column.column_name for column in dataset.columns if not column.expression],
        metrics=None,  # None, not []: an empty list makes Superset GROUP BY every column
        row_limit=limit,
    )
    import polars as pl  # not at import: Superset's start-up should not pay for it

    result = dataset.query(query_object)
    if result.status != "success" or result.df is None:
        raise DatasetQueryError(result.error_message or _NO_ANSWER)
    return pl.from_pandas(result.df)


def update_column_meanings(
    dataset_id: int, meanings: dict[str, dict[str, str]]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Set columns' verbose names and descriptions with Superset's ``UpdateDatasetCommand``, as the current user
    (who must own the dataset or be an admin). Every column is sent, with its id: a column left out of the
    payload would be deleted. Returns (before, after) of the changed columns."""
    from superset.commands.dataset.update import UpdateDatasetCommand

    dataset = get_dataset(dataset_id)
    before: dict[str, dict[str, Any]] = {}
    after: dict[str, dict[str, Any]] = {}
    columns = []
    for column in dataset.columns:
        values = {"id": column.id, "column_name": column.column_name}
        wanted = meanings.get(column.column_name, {})
        current = {"verbose_name": column.verbose_name, "description": column.description}
        values.update({key: wanted.get(key, current[key]) for key in current})
        if any(values[key] != current[key] for key in current):
            before[column.column_name] = current
            after[column.column_name] = {key: values[key] for key in current}
        columns.append(values)
    if after:
        UpdateDatasetCommand(dataset_id, {"columns": columns}).run()
    return before, after


def update_column_extra(dataset_id: int, column_name: str, key: str, value: Any) -> tuple[Any, Any]:
    """Set (or, for None, remove) ``key`` in one column's ``extra`` JSON with Superset's ``UpdateDatasetCommand``, as
    the current user (an owner of the dataset or an admin), in the caller's transaction. The column's other fields
    and the other keys of its ``extra`` stay as they are; every column is sent with its id (one left out would be
    deleted). Returns the key's value before and after."""
    import json

    from superset.commands.dataset.update import UpdateDatasetCommand

    dataset = get_dataset(dataset_id)
    columns: list[dict[str, Any]] = []
    before: Any = None
    for column in dataset.columns:
        values: dict[str, Any] = {"id": column.id, "column_name": column.column_name}
        if column.column_name == column_name:
            try:
                extra = json.loads(column.extra) if column.extra else {}
            except ValueError:
                extra = {}
            extra = extra if isinstance(extra, dict) else {}
            before = extra.get(key)
            if value is None:
                extra.pop(key, None)
            else:
                extra[key] = value
            values["extra"] = json.dumps(extra, sort_keys=True) if extra else None
        columns.append(values)
    if before != value:
        UpdateDatasetCommand(dataset_id, {"columns": columns}).run()
    return before, value


def row_count(dataset: Any) -> int:
    """COUNT(*) of the dataset, in its database, through Superset's query path (row-level security applies)."""
    metric = {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "__rows"}
    result = dataset.query(_query_object(columns=[], metrics=[metric], row_limit=1))
    if result.status != "success" or result.df is None or result.df.empty:
        raise DatasetQueryError(result.error_message or _NO_ANSWER)
    return int(result.df.iloc[0]["__rows"] or 0)


def may_write(dataset: Any) -> bool:
    """Whether the current user may change the dataset: one of its owners, or an admin (Superset's
    ``raise_for_ownership``, the check its own dataset update runs)."""
    from superset.exceptions import SupersetSecurityException
    from superset.extensions import security_manager

    try:
        security_manager.raise_for_ownership(dataset)
    except SupersetSecurityException:
        return False
    return True
