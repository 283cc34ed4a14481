"""Do values stay data? The SQL compiled with the real values must have the same shape as the SQL compiled with
inert placeholders of the same kind: literals may differ, nothing else. A value that became an identifier, an
operator or a statement has changed the query and is refused."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialects, DialectType
from sqlglot.errors import SqlglotError

from superset_review.extension.i18n import Text


@dataclass(frozen=True)
class ShapeCheck:
    same: bool
    verified: bool  # False when sqlglot could not read the SQL: only Superset's own checks applied
    detail: str | None = None  # a Text: the message of the preview's diagnostic


def dialect_of(engine: str) -> DialectType | None:
    """sqlglot's dialect for a Superset engine, from Superset's own table (what its SQL parser reads the engine
    as); None for an engine neither that table nor sqlglot knows (a third-party database driver)."""
    from superset.sql.parse import SQLGLOT_DIALECTS

    dialect: DialectType | None = SQLGLOT_DIALECTS.get(engine)
    if dialect is None and engine in {d.value for d in Dialects}:
        dialect = engine
    return dialect


def _shape(sql: str, dialect: DialectType) -> str:
    statements = sqlglot.parse(sql, read=dialect)
    shapes = []
    for statement in statements:
        if statement is None:
            continue
        shapes.append(
            statement.transform(lambda node: exp.Placeholder() if isinstance(node, exp.Literal) else node).sql(
                dialect=dialect
            )
        )
    return ";".join(shapes)


def same_shape(real_sql: str, inert_sql: str, engine: str) -> ShapeCheck:
    dialect = dialect_of(engine)
    if dialect is None:
        return ShapeCheck(
            same=True,
            verified=False,
            detail=Text(
                "sqlglot has no dialect for the database engine '%(engine)s': values are not checked to stay data, "
                "Superset's own checks still apply",
                engine=engine[:100],
            ),
        )
    try:
        inert = _shape(inert_sql, dialect)
    except SqlglotError as ex:
        return ShapeCheck(
            same=True, verified=False, detail=Text("sqlglot cannot read the template's SQL: %(error)s", error=str(ex))
        )
    try:
        real = _shape(real_sql, dialect)
    except SqlglotError:
        return ShapeCheck(same=False, verified=True, detail=Text("the values make the SQL unreadable"))
    if real != inert:
        return ShapeCheck(
            same=False, verified=True, detail=Text("a value changes the query's structure, not only data")
        )
    return ShapeCheck(same=True, verified=True)
