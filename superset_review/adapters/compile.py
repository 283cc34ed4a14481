"""SQL as Superset compiles and parses it: its Jinja template processor and its SQL parser, never an imitation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SqlCheck:
    single_statement: bool
    read_only: bool
    statements: int
    error: str | None = None


def render_dataset_sql(dataset: Any, url_params: dict[str, Any] | None = None) -> str:
    """The dataset's SQL rendered by Superset's template processor with its own template params."""
    from flask import current_app

    with current_app.test_request_context("/", query_string=url_params or {}):
        processor = dataset.get_template_processor(**(dataset.template_params_dict or {}))
        return str(processor.process_template(dataset.sql))


def check_sql(sql: str, engine: str) -> SqlCheck:
    """Whether ``sql`` is one read-only statement, by Superset's own parser for the database's dialect."""
    from superset.exceptions import SupersetParseError
    from superset.sql.parse import SQLScript

    try:
        script = SQLScript(sql, engine)
    except SupersetParseError as ex:
        return SqlCheck(single_statement=False, read_only=False, statements=0, error=str(ex.message or ex))
    count = len(script.statements)
    return SqlCheck(single_statement=count == 1, read_only=not script.has_mutation(), statements=count)
