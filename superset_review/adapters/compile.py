"""SQL as Superset compiles and parses it: its Jinja template processor and its SQL parser, never an imitation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from superset_review.execution.mappings import PROCESSOR_NAMES, CompileInputs
from superset_review.extension.i18n import Text, keep_texts
from superset_review.extension.linear_regex import compile_linear


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


@dataclass(frozen=True)
class CompiledSql:
    sql: str | None
    diagnostics: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return self.sql is not None and not any(d["severity"] == "error" for d in self.diagnostics)


def compile_with_inputs(dataset: Any, inputs: CompileInputs) -> CompiledSql:
    """The dataset's SQL compiled by Superset's template processor for its database, with ``inputs`` given the way
    a chart request gives them: URL parameters and adhoc WHERE filters in the form data (so ``url_param`` escapes
    and ``filter_values`` reads them as Superset does), template params and the time range as processor context."""
    import json

    from flask import current_app
    from jinja2 import TemplateError
    from superset.exceptions import SupersetTemplateException

    sql = dataset.sql or ""
    form_data: dict[str, Any] = {
        "url_params": inputs.url_params,
        "adhoc_filters": [
            {"expressionType": "SIMPLE", "clause": "WHERE", "subject": column, "operator": "IN", "comparator": values}
            for column, values in inputs.filters.items()
        ],
    }
    context: dict[str, Any] = {**(dataset.template_params_dict or {}), **inputs.template_params}
    # A parameter named like the processor's own arguments crashes it; one named like its macros (or a context
    # add-on of this Superset's configuration) is silently replaced by them.
    own = PROCESSOR_NAMES | set(current_app.config.get("JINJA_CONTEXT_ADDONS") or {})
    clashing = sorted(name for name in context if name in own)
    if clashing:
        message = Text(
            "The template parameter '%(name)s' is named like one of Superset's own template names (%(names)s): "
            "rename it in the dataset's SQL and template parameters.",
            name=clashing[0],
            names=", ".join(clashing),
        )
        return CompiledSql(None, [_diagnostic("error", "RESERVED_TEMPLATE_PARAM", message, clashing[0])])
    if inputs.time_range:
        from superset.utils.date_parser import get_since_until

        form_data["time_range"] = inputs.time_range
        try:
            context["from_dttm"], context["to_dttm"] = get_since_until(inputs.time_range)
        except ValueError as ex:
            message = Text("Time range: %(error)s", error=str(ex))
            return CompiledSql(None, [_diagnostic("error", "BAD_TIME_RANGE", message, "time_range")])
    try:
        with current_app.test_request_context("/", query_string={"form_data": json.dumps(form_data)}):
            processor = dataset.get_template_processor(**context)
            rendered = str(processor.process_template(sql))
    except (TemplateError, SupersetTemplateException) as ex:
        line = getattr(ex, "lineno", None)
        error = Text("Template error: %(error)s", error=getattr(ex, "message", None) or str(ex))
        return CompiledSql(None, [_diagnostic("error", "TEMPLATE_ERROR", error, None, line)])
    diagnostics = [
        _diagnostic("error", "UNRENDERED_VARIABLE",
                    Text("'{{ %(name)s }}' is left in the SQL: nothing supplies '%(name)s'. Map a value to it.",
                         name=name),
                    name, line)
        for name, line in _unrendered(rendered)
    ]  # fmt: skip
    checked = check_sql(rendered, dataset.database.db_engine_spec.engine)
    if checked.error:
        message = Text("Superset cannot parse the SQL: %(error)s", error=checked.error)
        diagnostics.append(_diagnostic("error", "SQL_UNPARSABLE", message))
    elif not checked.single_statement:
        message = Text("The SQL holds %(count)d statements; a run takes exactly one.", count=checked.statements)
        diagnostics.append(_diagnostic("error", "NOT_SINGLE_STATEMENT", message))
    elif not checked.read_only:
        message = Text("The SQL changes data; a review only runs reads.")
        diagnostics.append(_diagnostic("error", "NOT_READ_ONLY", message))
    return CompiledSql(rendered, diagnostics)


def _diagnostic(
    severity: str, code: str, message: str, variable: str | None = None, line: int | None = None
) -> dict[str, Any]:
    """A diagnostic as the preview stores it (in the session's execution): its message's Text kept beside it."""
    diagnostic: dict[str, Any] = {"severity": severity, "code": code, "message": message, "variable": variable,
                                  "line": line}  # fmt: skip
    keep_texts(diagnostic, message=message)
    return diagnostic


_LEFTOVER = compile_linear(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)?[^}]*\}\}")


def _unrendered(sql: str) -> list[tuple[str, int]]:
    found = []
    for match in _LEFTOVER.finditer(sql):
        found.append((match.group(1) or match.group(0), sql.count("\n", 0, match.start()) + 1))
    return found
