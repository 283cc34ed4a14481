"""What a view needs to know of a column's type and of the database's dialect, in one table each.

A column's type is the string Superset keeps (``VARCHAR(255)``, ``BIGINT``, ``TIMESTAMP WITHOUT TIME ZONE``,
``NUMERIC(10,2)``...), read by sqlglot's ``DataType.build`` in the database's dialect and put in one of the classes of
:class:`TypeClass`; a type sqlglot cannot read counts as text (what every engine can cast a value to).
"""

from __future__ import annotations

import functools
import sys
from enum import StrEnum

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, Dialects
from sqlglot.errors import SqlglotError

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text


class TypeClass(StrEnum):
    INTEGER = "integer"
    NUMERIC = "numeric"  # decimals and floating point
    DATE = "date"
    TIMESTAMP = "timestamp"  # date and time, with or without a time zone
    TEXT = "text"
    BOOLEAN = "boolean"
    OTHER = "other"  # arrays, structs, JSON, binary...: kept as they are, cast to text by hash and mask


_T = exp.DataType.Type
CLASS_OF: dict[exp.DataType.Type, TypeClass] = {
    **{t: TypeClass.INTEGER for t in exp.DataType.INTEGER_TYPES},
    **{t: TypeClass.NUMERIC for t in exp.DataType.REAL_TYPES},
    _T.DATE: TypeClass.DATE,
    _T.DATE32: TypeClass.DATE,
    **{
        t: TypeClass.TIMESTAMP for t in exp.DataType.TEMPORAL_TYPES if t not in {_T.DATE, _T.DATE32, _T.TIME, _T.TIMETZ}
    },
    **{t: TypeClass.TEXT for t in exp.DataType.TEXT_TYPES},
    _T.CHAR: TypeClass.TEXT,
    _T.NCHAR: TypeClass.TEXT,
    _T.UUID: TypeClass.TEXT,
    _T.BOOLEAN: TypeClass.BOOLEAN,
}
for _integer in (_T.BIT,):  # BIT is a bit string in PostgreSQL, not a number
    CLASS_OF.pop(_integer, None)

# Superset engine names (``sqlalchemy_uri`` backends) whose sqlglot dialect has another name; the rest are looked up
# in Superset's own table when it is importable.
_ENGINE_DIALECTS = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "duckdb": "duckdb",
    "sqlite": "sqlite",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "tsql",
    "oracle": "oracle",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "clickhouse": "clickhouse",
    "clickhousedb": "clickhouse",
    "trino": "trino",
    "presto": "presto",
    "redshift": "redshift",
    "hive": "hive",
    "databricks": "databricks",
}


def resolve_dialect(name: str) -> str:
    """sqlglot's dialect for a sqlglot dialect name or a Superset engine name; BAD_VIEW_DEFINITION for one neither
    knows (the view's SQL could not be written for it)."""
    key = (name or "").lower()
    if key in _ENGINE_DIALECTS:
        return _ENGINE_DIALECTS[key]
    if key in {d.value for d in Dialects if d.value}:
        return key
    # Superset's own table (what its SQL parser reads each engine as), when Superset is loaded: always in the app;
    # not imported here for it (a pure caller, a unit test, gives a sqlglot name or one of the table above).
    parse = sys.modules.get("superset.sql.parse")
    found = getattr(parse, "SQLGLOT_DIALECTS", {}).get(key) if parse is not None else None
    if isinstance(found, str):
        return found
    if found is not None:
        return str(found.value if isinstance(found, Dialects) else found)
    raise ReviewError(
        Text(
            "AI-safe views are not available for the database engine '%(engine)s': sqlglot has no dialect for it",
            engine=name[:60],
        ),
        ErrorCode.BAD_VIEW_DEFINITION,
        details={"field": "base_dataset_id", "engine": name[:60]},
    )


def data_type(type_string: str, dialect: str) -> exp.DataType:
    """The column's type as sqlglot reads it in ``dialect``; TEXT when sqlglot cannot read it."""
    return _data_type(type_string, dialect).copy()


@functools.lru_cache(maxsize=1024)
def _data_type(type_string: str, dialect: str) -> exp.DataType:
    try:
        built = exp.DataType.build(type_string or "TEXT", dialect=Dialect.get_or_raise(dialect), udt=False)
    except (SqlglotError, ValueError, TypeError, RecursionError):
        return exp.DataType.build("TEXT")
    return built


def column_class(type_: str | exp.DataType, dialect: str = "postgres") -> TypeClass:
    """The class of a Superset type string (read in ``dialect``) or of a sqlglot type."""
    built = type_ if isinstance(type_, exp.DataType) else _data_type(type_, dialect)
    if isinstance(type_, str) and not type_.strip():
        return TypeClass.TEXT
    kind = built.this
    if built.expressions and kind not in CLASS_OF:  # nested types: ARRAY<INT>, STRUCT<...>
        return TypeClass.OTHER
    if kind is _T.USERDEFINED:
        return TypeClass.TEXT if isinstance(type_, str) else TypeClass.OTHER
    return CLASS_OF.get(kind, TypeClass.OTHER)


__all__ = ["CLASS_OF", "TypeClass", "column_class", "data_type", "resolve_dialect"]
