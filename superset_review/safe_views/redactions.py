"""The SQL of each redaction of an AI-safe view's column, as a sqlglot expression in the database's dialect (the
compiler aliases it to the column's own name). PostgreSQL, DuckDB and SQLite give the same values where the engine
can; the unit tests run DuckDB and SQLite, an integration test PostgreSQL.

- ``null``: ``CAST(NULL AS <the column's type>)``: the column stays, with its type, every value NULL.
- ``hash``: salted SHA-256 of the salt followed by the value as text (``CAST(x AS TEXT)``, UTF-8). Type-stable: an
  integer column hashes to a BIGINT, the first 60 bits of the digest (15 hex digits: always positive), any other
  column to the 64 lowercase hex digits. NULL stays NULL. Equal inputs give equal outputs in every view of the same
  database (the salt is the database's), so two hashed keys still join; PostgreSQL and DuckDB agree on the digest of
  equal texts (an integer, a string and a date cast to the same text in both). SQLite has no SHA-256: a hash on a
  SQLite database is refused (BAD_VIEW_DEFINITION naming the engine), as on any engine not in :data:`HASHES`.
- ``mask``: text; the first ``keep_prefix`` and last ``keep_suffix`` characters kept, every other one ``*`` (the
  length kept). A value no longer than ``keep_prefix + keep_suffix`` is wholly ``*``: a short value is never shown
  whole. NULL stays NULL. A non-text column is masked as its text.
- ``generalize``: a date or timestamp column with a ``grain`` (month | year) is truncated to it, its type kept (a DATE
  stays a DATE); a numeric column with a ``bucket`` b becomes ``floor(x / b) * b`` (an integer column with a whole
  bucket stays an integer, as a BIGINT). A grain on a column that is not a date, or a bucket on one that is not a
  number, is refused (BAD_VIEW_DEFINITION naming the column and what fits it).

Engines: PostgreSQL, DuckDB and SQLite are the ones tested (SQLite's ``floor`` needs its math functions, built in
since 3.35). Another engine gets sqlglot's translation of the same expressions, untested. A timestamp with a time
zone hashes as its text in the session's time zone: keep the sessions of views that join on such a column in one.

The salt is the caller's, derived per database (``HMAC(installation salt, "safe_view:<database uuid>")``): it is
written into the view's SQL as a string literal. That SQL is the Superset dataset's, which its owners and admins can
read; it is never shown to an LLM or returned by a tool, which read the view's rows only. A reader of the SQL who has
the salt can hash a guess and compare: the view's SQL is as sensitive as the base data and stays with those who may
read the base dataset.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.safe_views.definition import Grain, Operator, Redaction
from superset_review.safe_views.types import TypeClass, column_class, data_type, resolve_dialect

# SHA-256 as lowercase hex text, and its first 60 bits as a BIGINT, per dialect; ``__v__`` is the value as text,
# ``__salt__`` the salt, ``__h__`` the hex digest.
HASHES: dict[str, tuple[str, str]] = {
    "postgres": (
        "ENCODE(SHA256(CONVERT_TO(__salt__ || __v__, 'UTF8')), 'hex')",
        "CAST(CAST('x' || SUBSTR(__h__, 1, 15) AS BIT(60)) AS BIGINT)",
    ),
    "duckdb": (
        "SHA256(__salt__ || __v__)",
        "CAST('0x' || SUBSTR(__h__, 1, 15) AS BIGINT)",
    ),
}


def _text() -> exp.DataType:
    return exp.DataType(this=exp.DataType.Type.TEXT)


_TIMESTAMP_TRUNC: Callable[..., exp.Expression] = exp.TimestampTrunc  # its __init__ is not typed in sqlglot
TEMPORAL = frozenset({TypeClass.DATE, TypeClass.TIMESTAMP})
NUMBERS = frozenset({TypeClass.INTEGER, TypeClass.NUMERIC})


def redaction_sql(column: str, column_type: str, redaction: Redaction, *, salt: str, dialect: str) -> exp.Expression:
    """The expression that replaces ``column`` (of Superset type ``column_type``) in the view."""
    name = resolve_dialect(dialect)
    value = exp.column(exp.to_identifier(column, quoted=True))
    kind = column_class(column_type, name)
    builder = _BUILDERS[redaction.operator]
    return builder(column, value, column_type, kind, redaction, salt, name)


def _null(
    column: str, value: exp.Expression, column_type: str, kind: TypeClass, redaction: Redaction, salt: str, dialect: str
) -> exp.Expression:
    return exp.cast(exp.null(), data_type(column_type, dialect))


def _hash(
    column: str, value: exp.Expression, column_type: str, kind: TypeClass, redaction: Redaction, salt: str, dialect: str
) -> exp.Expression:
    if dialect not in HASHES:
        raise ReviewError(
            Text(
                "redactions.%(column)s: the database engine '%(engine)s' has no SHA-256 in SQL, so a column cannot "
                "be hashed there; use null or mask for this column",
                column=column,
                engine=dialect,
            ),
            ErrorCode.BAD_VIEW_DEFINITION,
            details={"field": f"redactions.{column}", "engine": dialect},
        )
    if not salt:  # the caller's bug, not the user's: a hash without a salt is undone by hashing a dictionary
        raise ValueError("a hash redaction needs the database's salt (see safe_views.redactions)")
    hex_template, bigint_template = HASHES[dialect]
    digest = _template(
        hex_template, dialect, __salt__=exp.Literal.string(salt), __v__=exp.cast(value, _text(), copy=False)
    )
    if kind is not TypeClass.INTEGER:
        return digest
    return _template(bigint_template, dialect, __h__=digest)


def _mask(
    column: str, value: exp.Expression, column_type: str, kind: TypeClass, redaction: Redaction, salt: str, dialect: str
) -> exp.Expression:
    prefix, suffix = redaction.keep_prefix, redaction.keep_suffix
    text = value if kind is TypeClass.TEXT else exp.cast(value, _text(), copy=False)
    length = exp.Length(this=text.copy())
    kept = prefix + suffix
    parts: list[exp.Expression] = []
    if prefix:
        parts.append(exp.Substring(this=text.copy(), start=exp.Literal.number(1), length=exp.Literal.number(prefix)))
    parts.append(_stars(exp.Sub(this=length.copy(), expression=exp.Literal.number(kept)) if kept else length, dialect))
    if suffix:
        start = exp.Add(
            this=exp.Sub(this=length.copy(), expression=exp.Literal.number(suffix)), expression=exp.Literal.number(1)
        )
        parts.append(exp.Substring(this=text.copy(), start=start))
    masked = parts[0]
    for part in parts[1:]:
        masked = exp.DPipe(this=masked, expression=part, safe=True)
    case = exp.Case().when(exp.Is(this=text.copy(), expression=exp.null()), exp.null(), copy=False)
    if kept:
        case = case.when(
            exp.LTE(this=length.copy(), expression=exp.Literal.number(kept)), _stars(length.copy(), dialect), copy=False
        )
    return case.else_(masked, copy=False)


def _stars(count: exp.Expression, dialect: str) -> exp.Expression:
    """``count`` asterisks. SQLite has no REPEAT: the hex of ``count`` zero bytes, each '00' replaced by '*'."""
    if dialect == "sqlite":
        zeros = exp.Anonymous(this="HEX", expressions=[exp.Anonymous(this="ZEROBLOB", expressions=[count])])
        return exp.Anonymous(this="REPLACE", expressions=[zeros, exp.Literal.string("00"), exp.Literal.string("*")])
    return exp.Repeat(this=exp.Literal.string("*"), times=count)


def _generalize(
    column: str, value: exp.Expression, column_type: str, kind: TypeClass, redaction: Redaction, salt: str, dialect: str
) -> exp.Expression:
    if redaction.grain is not None:
        if kind not in TEMPORAL:
            raise _misfit(
                column,
                column_type,
                Text("a grain (month, year) fits a date or timestamp column only; a number takes a bucket"),
            )
        return _truncate(value, redaction.grain, kind, dialect)
    if redaction.bucket is None:
        raise _misfit(column, column_type, Text("generalize needs a grain (dates) or a bucket (numbers)"))
    if kind not in NUMBERS:
        raise _misfit(column, column_type, Text("a bucket fits a numeric column only; a date takes a grain"))
    bucket = redaction.bucket
    whole = float(bucket).is_integer()
    divisor = exp.Literal.number(f"{bucket:.1f}" if whole else repr(float(bucket)))
    multiplier = exp.Literal.number(str(int(bucket)) if whole else repr(float(bucket)))
    floored = exp.Mul(this=exp.Floor(this=exp.Div(this=value, expression=divisor, typed=True)), expression=multiplier)
    if kind is TypeClass.INTEGER and whole:
        return exp.cast(floored, exp.DataType.build("BIGINT"))
    return floored


def _truncate(value: exp.Expression, grain: Grain, kind: TypeClass, dialect: str) -> exp.Expression:
    if dialect == "sqlite":
        function = "DATE" if kind is TypeClass.DATE else "DATETIME"
        return exp.Anonymous(this=function, expressions=[value, exp.Literal.string(f"start of {grain.value}")])
    truncated = _TIMESTAMP_TRUNC(this=value, unit=exp.var(grain.value.upper()))
    if kind is TypeClass.DATE:
        return exp.cast(truncated, exp.DataType.build("DATE"))
    return truncated


def _misfit(column: str, column_type: str, what_fits: str) -> ReviewError:
    return ReviewError(
        Text(
            "redactions.%(column)s: the column's type is %(type)s: %(fits)s",
            column=column,
            type=column_type or "unknown",
            fits=what_fits,
        ),
        ErrorCode.BAD_VIEW_DEFINITION,
        details={"field": f"redactions.{column}", "type": column_type},
    )


def _template(template: str, dialect: str, **values: exp.Expression) -> exp.Expression:
    """``template`` read in ``dialect``, each column named like a key of ``values`` replaced by that value (a tree,
    never text: a salt or a column name cannot change the SQL's shape)."""

    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in values:
            return values[node.name].copy()
        return node

    return _parsed(template, dialect).transform(put)  # transform works on a copy: the cached tree stays as read


@functools.lru_cache(maxsize=64)
def _parsed(template: str, dialect: str) -> exp.Expression:
    tree = Dialect.get_or_raise(dialect).parse(template)[0]
    assert tree is not None
    return tree


_Builder = Callable[[str, exp.Expression, str, TypeClass, Redaction, str, str], exp.Expression]
_BUILDERS: dict[Operator, _Builder] = {
    Operator.NULL: _null,
    Operator.HASH: _hash,
    Operator.MASK: _mask,
    Operator.GENERALIZE: _generalize,
}

__all__ = ["HASHES", "redaction_sql"]
