"""The engine's SQL for PostgreSQL: identifiers quoted by sqlglot, values as sqlglot literals or bound parameters.

Every statement is a :class:`Fragment`: constant templates (:func:`sql`) whose holes take only fragments, so an
identifier or a value reaches PostgreSQL only quoted by sqlglot or bound as a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from superset_review.migration.engine.spec import CHUNK_COLUMN, PG_TYPES

DETERMINISTIC_SETTINGS: tuple[tuple[str, str], ...] = (
    ("DateStyle", "ISO, YMD"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "1"),
    ("TimeZone", "UTC"),
)
_MADE_HERE = object()


class Fragment:
    """SQL text made only by this module: identifiers and literals quoted by sqlglot, DSL queries rendered by
    sqlglot, and constant templates composed of them (:func:`sql`), as psycopg2's ``sql.SQL`` composes. A plain
    ``str`` is refused wherever a fragment goes, so no value reaches a statement unquoted."""

    __slots__ = ("text",)

    def __init__(self, text: str, token: object) -> None:
        if token is not _MADE_HERE:
            raise TypeError("a SQL fragment is made by superset_review.migration.engine.sqltext only")
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Fragment({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fragment) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def sql(template: str, *parts: Fragment, **named: Fragment) -> Fragment:
    """``template`` (a constant of the code, ``{}`` and ``{name}`` its holes) with fragments in its holes."""
    for part in (*parts, *named.values()):
        if not isinstance(part, Fragment):
            raise TypeError(f"{type(part).__name__} in a SQL template: quote it (ident, table, literal) first")
    return Fragment(template.format(*(p.text for p in parts), **{k: v.text for k, v in named.items()}), _MADE_HERE)


def join(separator: str, parts: Sequence[Fragment]) -> Fragment:
    return sql(separator.join("{}" for _ in parts), *parts)


def rendered(expression: exp.Expression) -> Fragment:
    """A sqlglot tree as PostgreSQL."""
    return Fragment(expression.sql(dialect="postgres"), _MADE_HERE)


def rendered_dsl(text: str) -> Fragment:
    """The DSL's SQL generator's output (``transform_dsl.compile_sql``, every identifier and value quoted by
    sqlglot there)."""
    return Fragment(text, _MADE_HERE)


def ident(name: str) -> Fragment:
    return rendered(exp.to_identifier(name, quoted=True))


def table(schema: str | None, name: str) -> Fragment:
    return rendered(exp.table_(name, db=schema, quoted=True))


def qualified(qualifier: str, name: str) -> Fragment:
    return sql("{}.{}", ident(qualifier), ident(name))


def literal(value: Any) -> Fragment:
    """A value as a PostgreSQL literal (sqlglot writes and escapes it)."""
    if value is None:
        return rendered(exp.Null())
    if isinstance(value, bool):
        return rendered(exp.true() if value else exp.false())
    if isinstance(value, int | float):
        return rendered(exp.Literal.number(repr(value) if isinstance(value, float) else str(value)))
    return rendered(exp.Literal.string(str(value)))


def typed_literal(value: Any, logical: str) -> Fragment:
    """A chunk bound (kept as JSON) back as a value of the key's type."""
    if logical in ("integer", "float", "boolean"):
        return literal(value)
    return rendered(exp.Cast(this=exp.Literal.string(str(value)), to=exp.DataType.build(PG_TYPES[logical])))


def pg_type(logical: str) -> Fragment:
    return rendered(exp.DataType.build(PG_TYPES[logical]))


def column_list(names: Sequence[str]) -> Fragment:
    return join(", ", [ident(name) for name in names])


def ordered(name: str, logical: str, qualifier: str | None = None) -> Fragment:
    """A key column in the engine's one order: text bytewise."""
    column = qualified(qualifier, name) if qualifier else ident(name)
    return sql('{} COLLATE "C"', column) if logical == "string" else column


def set_deterministic(cursor: Any) -> None:
    for name, value in DETERMINISTIC_SETTINGS:
        cursor.execute("SELECT set_config(%s, %s, true)", (name, value))


def range_condition(column: str, logical: str, low: Any, high: Any, qualifier: str | None = None) -> Fragment:
    """``low <= column < high`` in the engine's order (``high`` None: no upper bound)."""
    left = ordered(column, logical, qualifier)
    condition = sql("{} >= {}", left, typed_literal(low, logical))
    if high is not None:
        condition = sql("{} AND {} < {}", condition, left, typed_literal(high, logical))
    return condition


def hash_bucket_sql(columns: Sequence[str], buckets: int, qualifier: str | None = None) -> Fragment:
    """The bucket (0..buckets-1) of a composite key in PostgreSQL: its columns' text joined by U+001F, hashed by
    ``hashtextextended`` (stable across PostgreSQL versions: it is the hash of hash partitioning)."""
    parts = join(", ", [sql("{}::text", qualified(qualifier, n) if qualifier else ident(n)) for n in columns])
    count = literal(int(buckets))
    return sql("(((hashtextextended(concat_ws(chr(31), {}), 0) % {n}) + {n}) % {n})", parts, n=count)


def staging_ddl(schema: str, name: str, columns: Sequence[tuple[str, str]], keys: Sequence[str]) -> Fragment:
    definitions = [
        sql("{} {}{}", ident(column), pg_type(logical), sql(" NOT NULL") if column in keys else sql(""))
        for column, logical in columns
    ]
    definitions.append(sql("{} integer NOT NULL", ident(CHUNK_COLUMN)))
    return sql("CREATE TABLE IF NOT EXISTS {} ({})", table(schema, name), join(", ", definitions))


def checkpoints_ddl(schema: str, name: str) -> Fragment:
    return sql(
        "CREATE TABLE IF NOT EXISTS {} ("
        "run_id text NOT NULL, stage text NOT NULL, chunk_id integer NOT NULL, bounds jsonb, content_hash text, "
        "started_at timestamptz, finished_at timestamptz, row_count_in bigint, row_count_out bigint, "
        "validations jsonb, status text NOT NULL DEFAULT 'pending', next_action text, lease_owner text, "
        "lease_expires_at timestamptz, attempts integer NOT NULL DEFAULT 0, "
        "PRIMARY KEY (run_id, stage, chunk_id))",
        table(schema, name),
    )


def quarantine_ddl(schema: str, name: str) -> Fragment:
    return sql(
        "CREATE TABLE IF NOT EXISTS {} ("
        "id bigserial PRIMARY KEY, run_id text NOT NULL, chunk_id integer NOT NULL, key jsonb NOT NULL, "
        "reason_codes jsonb NOT NULL, masked_preview_before jsonb NOT NULL, masked_preview_after jsonb NOT NULL, "
        "diff jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), state text NOT NULL DEFAULT 'open', "
        "required_permission text NOT NULL DEFAULT 'can_migrate', UNIQUE (run_id, chunk_id, key))",
        table(schema, name),
    )


def insert_sql(
    staging: Fragment, columns: Sequence[str], keys: Sequence[str], select: Fragment, merge: bool, returning: bool,
) -> Fragment:  # fmt: skip
    """``select``'s rows (the staging columns, then the chunk id) into staging: a plain INSERT on a chunk's first
    attempt (no row of it can be there: its rows commit only with its checkpoint), an ``ON CONFLICT (key) DO
    UPDATE`` merge on a later one; ``RETURNING`` the staging columns when asked (ELT hashes what it wrote)."""
    targets = [*columns, CHUNK_COLUMN]
    statement = sql("INSERT INTO {} ({}) {}", staging, column_list(targets), select)
    if merge:
        updates = join(", ", [sql("{c} = EXCLUDED.{c}", c=ident(name)) for name in targets])
        statement = sql("{} ON CONFLICT ({}) DO UPDATE SET {}", statement, column_list(keys), updates)
    if returning:
        statement = sql("{} RETURNING {}", statement, column_list(columns))
    return statement


def copy_out(query: Fragment) -> Fragment:
    return sql("COPY ({}) TO STDOUT WITH (FORMAT csv)", query)


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def execute(cursor: Any, statement: Fragment, params: Sequence[Any] | None = None) -> None:
    """``statement`` on a DB-API cursor, its values bound (``%s``). Without params nothing is interpolated (the
    DSL's SQL has ``%`` for modulo), as psycopg2 does when it is given None."""
    if not isinstance(statement, Fragment):
        raise TypeError("a statement is a Fragment (sqltext.sql)")
    cursor.execute(statement.text, None if params is None else tuple(params))
