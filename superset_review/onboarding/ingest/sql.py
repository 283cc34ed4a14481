"""A table or a query of a database registered in Superset, read into the catalog through Superset's own connection.

``lhs.location`` is ``"<database_id>:<schema>.<table>"`` (schema optional: the database's default) or
``"<database_id>:query"`` with the SQL in ``lhs.schema_ref``. Nothing here stores or sees a credential: the engine is
Superset's ``Database.get_sqla_engine()``.

- **Access** is Superset's: ``security_manager.raise_for_access(database=..., table=...)`` for a table, and
  ``raise_for_access(database=..., sql=...)`` for a query (which checks every table it reads), as the current user
  (the stage runs as the run's owner).
- **Read only.** A query must parse with sqlglot, in the database's dialect, as exactly one SELECT (a UNION of them
  included) that writes nothing (no ``SELECT ... INTO``, no data-modifying CTE) and has no Jinja; on PostgreSQL the
  transaction is also ``READ ONLY``.
- **Introspection** with SQLAlchemy's inspector (a table) or the cursor's description (a query).
- **Statistics** in one aggregate query built with sqlglot (``COUNT``, ``COUNT(DISTINCT)``, ``MIN``/``MAX`` for
  ordered types), never a string of SQL with a value in it. The table's content hash is that of this fingerprint.
- **Rows for the Sample Pack** (data_mode): at most :data:`SAMPLE_SOURCE_ROWS` rows, fetched once, sampled like a
  file's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.onboarding.contract import canonical_json
from superset_review.onboarding.ingest import catalog, shim
from superset_review.onboarding.ingest.exceptions import (
    SourceForbiddenError,
    SourceInvalidError,
    SourceNotFoundError,
)

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

SAMPLE_SOURCE_ROWS = 20_000
NAME_MAX = 255
_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Into, exp.Command,
           exp.TruncateTable)  # fmt: skip
# psycopg2 reports a query's column types as PostgreSQL type OIDs.
_PG_TYPES = {16: "BOOLEAN", 20: "BIGINT", 21: "SMALLINT", 23: "INTEGER", 25: "TEXT", 700: "REAL",
             701: "DOUBLE PRECISION", 1043: "VARCHAR", 1042: "CHAR", 1082: "DATE", 1114: "TIMESTAMP",
             1184: "TIMESTAMPTZ", 1700: "NUMERIC", 2950: "UUID", 114: "JSON", 3802: "JSONB", 1083: "TIME"}  # fmt: skip


@dataclass(frozen=True)
class SqlSource:
    database_id: int
    schema: str | None
    table: str | None  # None: a query
    query: str | None


def parse_location(location: str, schema_ref: str | None) -> SqlSource:
    """``"<database_id>:<schema>.<table>"``, ``"<database_id>:<table>"`` or ``"<database_id>:query"``."""
    database, sep, rest = location.partition(":")
    if not sep or not database.isdigit() or len(database) > 18 or not rest:
        raise SourceInvalidError(Text('lhs.location is "<database_id>:<schema>.<table>" or "<database_id>:query"'),
                                 details={"field": "lhs.location"})  # fmt: skip
    if rest == "query":
        if not schema_ref or not schema_ref.strip():
            raise SourceInvalidError(Text("a query source needs its SQL in lhs.schema_ref"),
                                     details={"field": "lhs.schema_ref"})  # fmt: skip
        return SqlSource(int(database), None, None, schema_ref)
    schema, dot, table = rest.partition(".")
    if not dot:
        schema, table = "", rest
    if not table or len(table) > NAME_MAX or len(schema) > NAME_MAX or not (table + schema).isprintable():
        raise SourceInvalidError(Text("lhs.location names no table"), details={"field": "lhs.location"})
    return SqlSource(int(database), schema or None, table, None)


def dialect_of(database: Any) -> str | None:
    from superset.sql.parse import SQLGLOT_DIALECTS

    dialect = SQLGLOT_DIALECTS.get(database.db_engine_spec.engine)
    return dialect if isinstance(dialect, str) or dialect is None else str(dialect.__name__).lower()


def checked_select(sql: str, dialect: str | None) -> exp.Query:
    """The query as one read-only SELECT, or SourceInvalidError saying why not."""
    if any(marker in sql for marker in ("{{", "{%", "{#")):
        raise SourceInvalidError(Text("the source query may not contain Jinja templating"),
                                 details={"field": "lhs.schema_ref"})  # fmt: skip
    try:
        statements = [statement for statement in sqlglot.parse(sql, read=dialect) if statement is not None]
    except sqlglot.errors.SqlglotError as ex:
        raise SourceInvalidError(Text("the source query does not parse: %(reason)s", reason=str(ex)[:200]),
                                 details={"field": "lhs.schema_ref"}) from ex  # fmt: skip
    if len(statements) != 1:
        raise SourceInvalidError(Text("the source query must be exactly one SELECT (found %(count)d statements)",
                                      count=len(statements)), details={"field": "lhs.schema_ref"})  # fmt: skip
    statement = statements[0]
    if not isinstance(statement, exp.Query) or statement.find(*_WRITES) is not None:
        raise SourceInvalidError(Text("the source query must be a SELECT that writes nothing"),
                                 details={"field": "lhs.schema_ref"})  # fmt: skip
    return statement


def _database(database_id: int) -> Any:
    from superset.daos.database import DatabaseDAO

    database = DatabaseDAO.find_by_id(database_id, skip_base_filter=True)
    if database is None:
        raise SourceNotFoundError(Text("database %(database)d is not registered in Superset", database=database_id))
    return database


def check_access(database: Any, source: SqlSource) -> None:
    """Superset's own check, as the current user: the table, or every table the query reads."""
    from superset.exceptions import SupersetSecurityException
    from superset.extensions import security_manager
    from superset.sql.parse import Table

    try:
        if source.table is not None:
            security_manager.raise_for_access(database=database, table=Table(source.table, source.schema))
        else:
            security_manager.raise_for_access(database=database, sql=source.query, schema=source.schema)
    except SupersetSecurityException as ex:
        what = source.table if source.table is not None else "the tables of the query"
        raise SourceForbiddenError(
            Text("you do not have access to %(what)s in database %(database)d", what=what, database=source.database_id)
        ) from ex


@contextmanager
def read_only(database: Any, schema: str | None) -> Iterator[Any]:
    """A connection of Superset's engine for the database, in a read-only transaction where the engine has one."""
    with database.get_sqla_engine(schema=schema) as engine, engine.connect() as connection:
        transaction = connection.begin()
        try:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection
        finally:
            transaction.rollback()  # nothing to keep: the source is only read


def _relation(source: SqlSource, parsed: exp.Query | None) -> exp.Expression:
    if parsed is not None:
        return exp.Subquery(this=parsed.copy(), alias=exp.TableAlias(this=exp.to_identifier("q")))
    return exp.Table(this=exp.to_identifier(source.table, quoted=True),
                     db=exp.to_identifier(source.schema, quoted=True) if source.schema else None)  # fmt: skip


def statistics_sql(source: SqlSource, parsed: exp.Query | None, columns: Mapping[str, str], dialect: str | None) -> str:
    """One aggregate over the source: the row count, then per column its non-null count, distinct count and, for
    ordered types, its min and max (in ``columns``' order; ``columns``: name -> logical type)."""
    selects: list[exp.Expression] = [exp.alias_(exp.Count(this=exp.Star()), "n")]
    for index, (name, dtype) in enumerate(columns.items()):
        column = exp.column(name, quoted=True)
        selects.append(exp.alias_(exp.Count(this=column.copy()), f"c{index}_n"))
        selects.append(exp.alias_(exp.Count(this=exp.Distinct(expressions=[column.copy()])), f"c{index}_d"))
        if dtype in catalog.ORDERED_TYPES and dtype != "boolean":
            selects.append(exp.alias_(exp.Min(this=column.copy()), f"c{index}_min"))
            selects.append(exp.alias_(exp.Max(this=column.copy()), f"c{index}_max"))
    return exp.select(*selects).from_(_relation(source, parsed)).sql(dialect=dialect)


def sample_sql(source: SqlSource, parsed: exp.Query | None, limit: int, dialect: str | None) -> str:
    return exp.select(exp.Star()).from_(_relation(source, parsed)).limit(limit).sql(dialect=dialect)


def _described(connection: Any, source: SqlSource, parsed: exp.Query | None, dialect: str | None) -> list[
    dict[str, Any]
]:  # fmt: skip
    """The source's columns: name, type text, nullability."""
    import sqlalchemy as sa

    if source.table is not None:
        inspector = sa.inspect(connection)
        try:
            described = inspector.get_columns(source.table, schema=source.schema)
        except sa.exc.NoSuchTableError as ex:
            raise SourceNotFoundError(Text("table %(table)s does not exist in database %(database)d",
                                           table=source.table, database=source.database_id)) from ex  # fmt: skip
        if not described:
            raise SourceNotFoundError(Text("table %(table)s does not exist in database %(database)d",
                                           table=source.table, database=source.database_id))  # fmt: skip
        return [{"name": str(c["name"]), "type": str(c["type"]), "nullable": bool(c.get("nullable", True))}
                for c in described]  # fmt: skip
    result = connection.exec_driver_sql(sample_sql(source, parsed, 0, dialect))
    columns = []
    for entry in result.cursor.description or []:
        code = entry[1]
        type_name = _PG_TYPES.get(code, str(code)) if isinstance(code, int) else str(code)
        columns.append({"name": str(entry[0]), "type": type_name, "nullable": True})
    result.close()
    return columns


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return (value.isoformat() if hasattr(value, "isoformat") else str(value))[: catalog.VALUE_CHARS]


@dataclass(frozen=True)
class SqlRead:
    table_name: str
    columns: list[dict[str, Any]]  # name, type, nullable (as the database says)
    types: dict[str, str]  # original column -> logical type
    row_count: int
    stats: dict[str, catalog.ColumnStats]
    content_hash: str
    sample: pl.DataFrame | None  # data_mode: up to SAMPLE_SOURCE_ROWS rows as read
    dialect: str | None


def read_sql_source(location: str, schema_ref: str | None, with_rows: int) -> SqlRead:
    """Check access, introspect, compute the statistics and fetch up to ``with_rows`` rows to sample from (none in
    metadata_only)."""
    import sqlalchemy as sa

    source = parse_location(location, schema_ref)
    database = _database(source.database_id)
    dialect = dialect_of(database)
    parsed = checked_select(source.query, dialect) if source.query is not None else None
    check_access(database, source)
    try:
        with read_only(database, source.schema) as connection:
            described = _described(connection, source, parsed, dialect)
            types = {column["name"]: catalog.logical_of_sql(column["type"]) for column in described}
            row = connection.exec_driver_sql(statistics_sql(source, parsed, types, dialect)).one()._mapping
            sample = None
            if with_rows:
                fetched = connection.exec_driver_sql(sample_sql(source, parsed, with_rows, dialect))
                names = list(fetched.keys())
                records = fetched.fetchall()
                sample = pl.DataFrame([tuple(record) for record in records], schema=names, orient="row",
                                      infer_schema_length=None)  # fmt: skip
    except sa.exc.DBAPIError as ex:
        raise SourceInvalidError(
            Text("the database refused to read the source: %(reason)s", reason=str(ex.orig).splitlines()[0][:200]),
        ) from ex
    row_count = int(row["n"])
    stats = {
        name: catalog.ColumnStats(
            null_count=row_count - int(row[f"c{index}_n"]),
            distinct_estimate=int(row[f"c{index}_d"]),
            min=_text(row.get(f"c{index}_min")),
            max=_text(row.get(f"c{index}_max")),
            failed=0,
        )
        for index, name in enumerate(types)
    }
    fingerprint = canonical_json([row_count, [[name, stats[name].__dict__] for name in types]])
    name = source.table if source.table is not None else "query"
    return SqlRead(name, described, types, row_count, stats, catalog.sha256_text(fingerprint), sample, dialect)


def column_entries(read: SqlRead, plan: dict[str, Any]) -> list[dict[str, Any]]:
    by_source = {pipeline["source"]: pipeline["target"] for pipeline in plan["pipelines"]}
    return [
        catalog.column_entry(by_source[column["name"]], column["name"], read.types[column["name"]],
                             column["type"], read.stats[column["name"]], column["nullable"])
        for column in read.columns
    ]  # fmt: skip


def source_description(location: str, read: SqlRead) -> dict[str, Any]:
    return {"type": "sql", "format": "query" if location.endswith(":query") else "table", "name": read.table_name,
            "encoding": None, "delimiter": None, "bytes": None}  # fmt: skip


def plan_for(read: SqlRead) -> dict[str, Any]:
    """The shim of a database source: standard names and clean text; types are the database's (no guessing)."""
    return shim.build_plan([column["name"] for column in read.columns], read.types, {})
