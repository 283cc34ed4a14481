"""The Superset dataset of an AI-safe view: a virtual dataset in the base's database and schema, created and updated
through Superset's own commands as the current user (its owner), certified by the extension, its columns computed
by Superset from the view's SQL. Called inside the view command's unit of work: Superset's nested ``@transaction``
runs in it, so the view, its version, its journal and this dataset commit together or not at all."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from superset.commands.exceptions import CommandException
from superset.exceptions import SupersetException

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text

CERTIFIED_BY = "superset-review"

# Superset's validation fields, as the view's request names them.
_FIELD_OF = {"table": "name", "table_name": "name", "sql": "sql", "database": "base_dataset_id", "owners": "owners"}


def certification(view_id: int, version: int, base_dataset_id: int) -> dict[str, str]:
    return {
        "certified_by": CERTIFIED_BY,
        "details": f"AI-safe view {view_id} v{version} of dataset {base_dataset_id}",
    }


def _extra(current: str | None, view_id: int, version: int, base_dataset_id: int) -> str:
    try:
        extra = json.loads(current) if current else {}
    except ValueError:
        extra = {}
    extra = extra if isinstance(extra, dict) else {}
    extra["certification"] = certification(view_id, version, base_dataset_id)
    return json.dumps(extra, sort_keys=True)


def _name_taken(name: str, schema: str | None) -> ReviewError:
    return ReviewError(
        Text("a dataset named %(name)s exists in schema %(schema)s already: choose another name for the view",
             name=repr(name[:250]), schema=schema or "(default)"),
        ErrorCode.BAD_VIEW_DEFINITION,
        details={"field": "name"},
    )  # fmt: skip


def _refused(error: Exception) -> ReviewError:
    """Superset's refusal as the view's 4xx, naming the field of the view's request."""
    from superset.commands.dataset.exceptions import DatasetDataAccessIsNotAllowed, DatasetForbiddenError
    from superset.commands.exceptions import CommandInvalidError

    if isinstance(error, CommandInvalidError):
        messages = error.normalized_messages()
        if any(isinstance(ex, DatasetDataAccessIsNotAllowed) for ex in error._exceptions):
            return ReviewError(
                Text("you may not query the base table of this view: %(error)s", error=str(messages)[:300]),
                ErrorCode.DATASET_FORBIDDEN,
            )
        field = next((_FIELD_OF.get(str(name), str(name)) for name in messages), "name")
        said = "; ".join(str(value[0] if isinstance(value, list) and value else value) for value in messages.values())
        return ReviewError(
            Text("Superset refused the view's dataset (%(field)s): %(error)s", field=field, error=said[:300]),
            ErrorCode.BAD_VIEW_DEFINITION,
            details={"field": field, "errors": {field: said[:300]}},
        )
    if isinstance(error, DatasetForbiddenError):
        return ReviewError(
            Text("only the view's owners (or an admin) may change its Superset dataset"), ErrorCode.FORBIDDEN
        )
    return ReviewError(
        Text("the database refused the view's SQL: %(error)s", error=str(getattr(error, "message", error))[:300]),
        ErrorCode.BAD_VIEW_DEFINITION,
        details={"field": "sql"},
    )


def create_view_dataset(
    *, name: str, base: Any, sql: str, description: str, owner_id: int, view_id: int, version: int
) -> Any:
    """A new virtual dataset (Superset's ``CreateDatasetCommand``, which computes its columns from ``sql``)."""
    from superset.commands.dataset.create import CreateDatasetCommand

    schema = base.schema  # read before the session may fail (a refused flush expires nothing, but forbids loads)
    properties = {
        "database": base.database_id,
        "catalog": base.catalog,
        "schema": schema,
        "table_name": name,
        "sql": sql,
        "owners": [owner_id],
        "description": description,
        "extra": _extra(None, view_id, version, int(base.id)),
    }
    try:
        return CreateDatasetCommand(properties).run()
    except (CommandException, SupersetException) as error:
        raise _refused(error) from error
    except IntegrityError as error:
        # Superset checks a name's uniqueness in the database's default catalog; a dataset registered without a
        # catalog escapes that check and the table's unique key (database, schema, name) refuses it instead.
        if "table_name" not in str(error.orig):
            raise
        raise _name_taken(name, schema) from error


def update_view_dataset(
    dataset_id: int, *, name: str, base: Any, sql: str, description: str, view_id: int, version: int
) -> Any:
    """The view's dataset on a new version: its SQL, description and certification (Superset's
    ``UpdateDatasetCommand``), then its columns recomputed from the SQL (Superset's ``RefreshDatasetCommand``)."""
    from superset.commands.dataset.refresh import RefreshDatasetCommand
    from superset.commands.dataset.update import UpdateDatasetCommand
    from superset.daos.dataset import DatasetDAO

    current = DatasetDAO.find_by_id(dataset_id, skip_base_filter=True)
    if current is None:
        raise ReviewError(
            Text("the view's Superset dataset %(dataset)s no longer exists: archive the view and create it again",
                 dataset=dataset_id),
            ErrorCode.CONFLICT,
        )  # fmt: skip
    properties = {
        "table_name": name,
        "sql": sql,
        "description": description,
        "extra": _extra(current.extra, view_id, version, int(base.id)),
    }
    try:
        UpdateDatasetCommand(dataset_id, properties).run()
        return RefreshDatasetCommand(dataset_id).run()
    except (CommandException, SupersetException) as error:
        raise _refused(error) from error
