"""An AI-safe view's SQL, for the database's dialect, written by sqlglot from the definition: the whitelisted
columns in order (each as it is, or its redaction, aliased to its own name), from the base dataset (a physical table,
or a virtual dataset's SQL inlined as a subquery), where the row filter holds.

    SELECT "id", <redaction of "email"> AS "email", ... FROM "schema"."table" AS "base" WHERE <filter>

The row filter may use any column of the base dataset, one the view leaves out too: which rows the view keeps is its
owner's choice, and the left-out column's values never reach the view's output.

Pure: no database, no Flask. The caller (the view's commands) gives the base dataset's columns and types, the
dialect and the per-database salt (see :mod:`superset_review.safe_views.redactions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.safe_views.definition import Operator, Redaction, ViewDefinition
from superset_review.safe_views.filters import parse_row_filter
from superset_review.safe_views.redactions import redaction_sql
from superset_review.safe_views.types import resolve_dialect

BASE_ALIAS = "base"
JINJA_MARKERS = ("{{", "{%", "{#")  # what Superset's template processor reads in a virtual dataset's SQL
MAX_NAMED = 10  # columns a message names before "..."


@dataclass(frozen=True)
class ViewSource:
    """Where the view reads: a physical table (``table``, with its schema and catalog when it has them) or a virtual
    dataset's SQL (``sql``)."""

    table: str | None = None
    schema: str | None = None
    catalog: str | None = None
    sql: str | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.sql is None):
            raise ValueError("a ViewSource is a table or a SQL query, one of the two")


@dataclass(frozen=True)
class CompiledView:
    sql: str
    columns: list[str]  # the view's columns, in order
    removed: list[str]  # the base dataset's columns that are not in the view, in the base's order
    redacted: dict[str, dict[str, Any]] = field(default_factory=dict)  # column -> Redaction.to_dict()


def compile_view(
    definition: ViewDefinition, source: ViewSource, columns: Mapping[str, str], *, dialect: str, salt: str
) -> CompiledView:
    """The view's SQL; BAD_VIEW_DEFINITION naming the field for a column the base does not have, a redaction of a
    column not in the view, an empty whitelist; BAD_ROW_FILTER (RowFilterError) for a filter that is not allowed."""
    name = resolve_dialect(dialect)
    _check(definition, columns)
    _check_names(definition, source)
    projections: list[exp.Expression] = []
    for column in definition.columns:
        redaction = definition.redactions.get(column)
        if redaction is None:
            projections.append(exp.column(exp.to_identifier(column, quoted=True)))
            continue
        expression = redaction_sql(column, columns[column], redaction, salt=salt, dialect=name)
        projections.append(exp.alias_(expression, exp.to_identifier(column, quoted=True), copy=False))
    select = exp.Select(expressions=projections).from_(_source(source, name), copy=False)
    if definition.row_filter:
        select = select.where(parse_row_filter(definition.row_filter, columns, name), copy=False)
    sql = select.sql(dialect=name, pretty=True)
    if any(marker in sql for marker in JINJA_MARKERS):  # a last guard: every part was checked above
        raise ReviewError(
            Text("columns: the view's SQL would hold a Jinja marker, which Superset would render as a template"),
            ErrorCode.BAD_VIEW_DEFINITION,
            details={"field": "columns"},
        )
    return CompiledView(
        sql=sql,
        columns=list(definition.columns),
        removed=[column for column in columns if column not in set(definition.columns)],
        redacted={
            column: definition.redactions[column].to_dict()
            for column in definition.columns
            if column in definition.redactions
        },
    )


def _check(definition: ViewDefinition, columns: Mapping[str, str]) -> None:
    if not definition.columns:
        raise ReviewError(
            Text("columns: the view needs at least one column of the base dataset"),
            ErrorCode.BAD_VIEW_DEFINITION,
            details={"field": "columns"},
        )
    missing = [column for column in definition.columns if column not in columns]
    if missing:
        raise ReviewError(
            Text(
                "columns: the base dataset has no column %(missing)s; its columns are %(known)s",
                missing=_names(missing),
                known=_names(list(columns)),
            ),
            ErrorCode.BAD_VIEW_DEFINITION,
            details={"field": "columns", "missing": missing[:100]},
        )
    whitelist = set(definition.columns)
    for column in sorted(definition.redactions):
        if column not in columns:
            raise ReviewError(
                Text("redactions.%(column)s: the base dataset has no column %(column)s", column=column),
                ErrorCode.BAD_VIEW_DEFINITION,
                details={"field": f"redactions.{column}"},
            )
        if column not in whitelist:
            raise ReviewError(
                Text(
                    "redactions.%(column)s: the column %(column)s is not in the view's columns: add it to columns "
                    "or drop the redaction",
                    column=column,
                ),
                ErrorCode.BAD_VIEW_DEFINITION,
                details={"field": f"redactions.{column}"},
            )


def _check_names(definition: ViewDefinition, source: ViewSource) -> None:
    """No name the view's SQL quotes may carry a Jinja marker: Superset renders a virtual dataset's SQL as a Jinja
    template before it runs it, quoted names and string literals included."""
    for column in definition.columns:
        if any(marker in column for marker in JINJA_MARKERS):
            raise ReviewError(
                Text(
                    "columns: the column %(column)s has a Jinja marker ({{, {%% or {#) in its name, which Superset "
                    "would render as a template; rename the column in the base dataset or leave it out",
                    column=column,
                ),
                ErrorCode.BAD_VIEW_DEFINITION,
                details={"field": "columns", "column": column},
            )
    for part in (source.catalog, source.schema, source.table):
        if part and any(marker in part for marker in JINJA_MARKERS):
            raise _bad_source(Text("its table's name has a Jinja marker, which Superset would render as a template"))


def _source(source: ViewSource, dialect: str) -> exp.Expression:
    alias = exp.TableAlias(this=exp.to_identifier(BASE_ALIAS, quoted=True))
    if source.table is not None:
        return exp.Table(
            this=exp.to_identifier(source.table, quoted=True),
            db=exp.to_identifier(source.schema, quoted=True) if source.schema else None,
            catalog=exp.to_identifier(source.catalog, quoted=True) if source.catalog else None,
            alias=alias,
        )
    return exp.Subquery(this=_query(source.sql or "", dialect), alias=alias)


def _query(sql: str, dialect: str) -> exp.Expression:
    """A virtual dataset's SQL, read by sqlglot: one query (SELECT, WITH, UNION...), nothing else."""
    if any(marker in sql for marker in JINJA_MARKERS):
        raise _bad_source(Text("it is a Jinja template; a view needs a base dataset whose SQL is plain"))
    try:
        statements = [statement for statement in Dialect.get_or_raise(dialect).parse(sql) if statement is not None]
    except (SqlglotError, RecursionError) as ex:
        raise _bad_source(Text("sqlglot cannot read it (%(error)s)", error=str(ex)[:200])) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise _bad_source(Text("it is not one query (SELECT)"))
    return statements[0]


def _bad_source(why: str) -> ReviewError:
    return ReviewError(
        Text("base_dataset_id: the base dataset's SQL cannot be the source of a view: %(why)s", why=why),
        ErrorCode.BAD_VIEW_DEFINITION,
        details={"field": "base_dataset_id"},
    )


def describe_removed(compiled: CompiledView, reasons: Mapping[str, str]) -> str:
    """The Superset dataset's description: what the view leaves out and why, what it redacts and how."""
    lines = [str(Text("AI-safe view: only the columns and rows below may reach an LLM."))]
    if compiled.removed:
        removed = [
            str(Text("%(column)s (%(reason)s)", column=column, reason=reasons[column]))
            if reasons.get(column)
            else column
            for column in compiled.removed
        ]
        lines.append(str(Text("Removed: %(columns)s.", columns=", ".join(removed))))
    if compiled.redacted:
        said = []
        for column, data in compiled.redacted.items():
            how = _how(Redaction.from_dict(data))
            reason = reasons.get(column)
            said.append(
                str(Text("%(column)s %(how)s (%(reason)s)", column=column, how=how, reason=reason))
                if reason
                else str(Text("%(column)s %(how)s", column=column, how=how))
            )
        lines.append(str(Text("Redacted: %(columns)s.", columns="; ".join(said))))
    if not compiled.removed and not compiled.redacted:
        lines.append(str(Text("Every column of the base dataset is in the view, as it is.")))
    return "\n".join(lines)


def _how(redaction: Redaction) -> str:
    if redaction.operator is Operator.NULL:
        return Text("emptied (always NULL)")
    if redaction.operator is Operator.HASH:
        return Text("hashed (salted SHA-256: equal values stay equal and joinable)")
    if redaction.operator is Operator.MASK:
        return Text(
            "masked (keeps the first %(prefix)d and last %(suffix)d characters)",
            prefix=redaction.keep_prefix,
            suffix=redaction.keep_suffix,
        )
    if redaction.grain is not None:
        return Text("generalized to the %(grain)s", grain=redaction.grain.value)
    return Text("generalized to multiples of %(bucket)s", bucket=_number(redaction.bucket or 0))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (", ..." if len(names) > MAX_NAMED else "")


__all__ = ["CompiledView", "ViewSource", "compile_view", "describe_removed"]
