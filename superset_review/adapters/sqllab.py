"""SQL Lab: a new tab for the user, as Superset's own SQL Lab permalink (SQL, database, schema and template
parameters under one key)."""

from __future__ import annotations

import json
from typing import Any


class SqlLabLaunchError(Exception):
    """Superset could not store the permalink; the launch's transaction is rolled back, so nothing was created."""


def create_sqllab_tab(dataset: Any, sql: str, template_params: dict[str, Any], name: str) -> str:
    """The URL that opens a new SQL Lab tab holding ``sql`` on the dataset's database and schema."""
    from flask import url_for
    from sqlalchemy.exc import SQLAlchemyError
    from superset.commands.sql_lab.permalink.create import CreateSqlLabPermalinkCommand
    from superset.key_value.exceptions import KeyValueCodecEncodeException, KeyValueCreateFailedError
    from superset.sqllab.permalink.exceptions import SqlLabPermalinkCreateFailedError

    state = {
        "dbId": dataset.database_id,
        "catalog": getattr(dataset, "catalog", None),
        "schema": dataset.schema,
        "name": name[:250],
        "sql": sql,
        "autorun": False,
        "templateParams": json.dumps(template_params, default=str),
    }
    try:
        key = CreateSqlLabPermalinkCommand(state=state).run()
    except SqlLabPermalinkCreateFailedError as ex:
        raise SqlLabLaunchError(str(ex.message or ex)) from ex
    except (KeyValueCodecEncodeException, KeyValueCreateFailedError, SQLAlchemyError) as ex:
        # Inside the launch's unit of work Superset's command is a pass-through: its errors arrive unconverted.
        raise SqlLabLaunchError(type(ex).__name__) from ex
    return str(url_for("SqllabView.permalink_view", permalink=key, _external=True))
