"""The row filter of an AI-safe view: a boolean expression over the base dataset's own columns, read by sqlglot in the
database's dialect and accepted only from a whitelist, so that it can narrow the rows and nothing else.

What is allowed (anything else is refused, with the 0-based position and the text of the offending part):

- comparisons ``=``, ``<>``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``IS [NOT] DISTINCT FROM``; ``AND``, ``OR``,
  ``NOT``, parentheses; ``IN`` / ``NOT IN`` a list of values; ``[NOT] BETWEEN``; ``IS [NOT] NULL``, ``IS [NOT]
  TRUE|FALSE``; ``[NOT] LIKE`` / ``ILIKE`` (with ``ESCAPE``);
- arithmetic ``+ - * / %`` and a unary minus;
- literals: numbers, strings, ``TRUE``/``FALSE``, ``NULL``, ``DATE '...'``/``TIMESTAMP '...'``, ``INTERVAL '...'``,
  ``CAST(... AS <simple type>)`` (and ``::``) to a number, text, boolean, date or timestamp type;
- the columns of the base dataset, unqualified (an unquoted name matches a column whatever its case when only one
  column has that name; the filter then names the column exactly, quoted);
- the functions :data:`FUNCTIONS`: ``lower``, ``upper``, ``trim``, ``length``, ``coalesce``, ``abs``, ``round``,
  ``floor``, ``ceil``, ``date_trunc``, ``extract``, ``year``, ``month``, ``day``, ``current_date``,
  ``current_timestamp`` / ``now()``. ``now()`` is allowed: it makes the view move with time ("the last 90 days"),
  which is what such a filter means; the view's rows then depend on when it is read.

Refused: a subquery (``SELECT``, ``EXISTS``, ``IN (SELECT ...)``), another table (a qualified column ``t.x``), a
comment (``--``, ``/* */``, ``#``: found as text the tokenizer skipped between two tokens), a second statement
(``;``), a parameter or placeholder (``$1``, ``:x``, ``?``, ``%(x)s``), Jinja (``{{``, ``{%``, ``{#``), window and
aggregate functions, any other function (``pg_sleep``...), string concatenation ``||`` (its meaning varies with the
engine: MySQL reads it as OR), a control or invisible character (bidirectional overrides, zero-width spaces: the
filter must read as it runs), more than :data:`MAX_FILTER_CHARS` characters, parentheses or calls nested deeper
than :data:`MAX_DEPTH` (operations deeper than :data:`MAX_TREE_DEPTH`), and a filter that is not a condition (a
bare column or literal: write ``active = TRUE``).

Every check is linear in the filter's length (one pass of the tokenizer, one walk of the tree); no regular expression
reads the input.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.tokens import Token, TokenType

from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.safe_views.definition import MAX_FILTER_CHARS
from superset_review.safe_views.types import TypeClass, column_class, resolve_dialect

# Parentheses and function calls nested in one another: sqlglot's parser recurses about 26 Python frames per level,
# so 20 levels stay well inside Python's recursion limit from the depth of a request's stack.
MAX_DEPTH = 20
MAX_TREE_DEPTH = 64  # operations nested in one another (a chain of AND or OR counts once)
MAX_FRAGMENT = 60
MAX_IN_VALUES = 1000

ALLOWED_SUMMARY = Text(
    "use comparisons, AND/OR/NOT, IN (a list of values), BETWEEN, IS [NOT] NULL, LIKE/ILIKE, arithmetic, literals "
    "(numbers, strings, TRUE/FALSE, NULL, DATE/TIMESTAMP/INTERVAL '...', CAST to a simple type), the base "
    "dataset's columns and the functions lower, upper, trim, length, coalesce, abs, round, floor, ceil, date_trunc, "
    "extract, year, month, day, current_date, current_timestamp, now"
)

# The condition nodes: what the filter, and each operand of AND / OR / NOT, must be.
PREDICATES: tuple[type[exp.Expression], ...] = (
    exp.EQ,
    exp.NEQ,
    exp.LT,
    exp.LTE,
    exp.GT,
    exp.GTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
    exp.And,
    exp.Or,
    exp.Not,
    exp.In,
    exp.Between,
    exp.Is,
    exp.Like,
    exp.ILike,
    exp.Escape,
)
CONNECTORS: tuple[type[exp.Expression], ...] = (exp.And, exp.Or, exp.Not)
VALUES: tuple[type[exp.Expression], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Cast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Interval,
    exp.Var,
)
# The whitelisted functions, by sqlglot's node (what each dialect's parser makes of the name).
FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Trim: "trim",
    exp.Length: "length",
    exp.Coalesce: "coalesce",
    exp.Abs: "abs",
    exp.Round: "round",
    exp.Floor: "floor",
    exp.Ceil: "ceil",
    exp.DateTrunc: "date_trunc",
    exp.TimestampTrunc: "date_trunc",
    exp.Extract: "extract",
    exp.Year: "year",
    exp.Month: "month",
    exp.Day: "day",
    exp.CurrentDate: "current_date",
    exp.CurrentTimestamp: "current_timestamp",
}
ALLOWED: tuple[type[exp.Expression], ...] = PREDICATES + VALUES + tuple(FUNCTIONS)
# The types a CAST may name: simple scalars, no arrays, structs or user-defined types.
CAST_TYPES: frozenset[TypeClass] = frozenset(TypeClass) - {TypeClass.OTHER}
UNITS = frozenset(
    {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "DOW", "DOY", "EPOCH", "MILLISECOND"}
)

SUBQUERY = Text("a subquery")
SECOND_STATEMENT = Text("a second statement")
PARAMETER = Text("a parameter")
QUALIFIED = Text("a qualified name (another table)")
WINDOW = Text("a window function")
CONCATENATION = Text("string concatenation (||)")
COMMENT = Text("a comment")
NOT_A_CONDITION = Text("a value that is not a condition")
WRITE_A_CONDITION = Text("write a condition such as column = value or active = TRUE")
UNREADABLE = Text("text that does not read as SQL")
TOO_DEEP = Text("nesting deeper than %(max)d levels", max=MAX_DEPTH)
TOO_DEEP_TREE = Text("an expression nested deeper than %(max)d operations", max=MAX_TREE_DEPTH)
EMPTY = Text("an empty filter")
WRITE_OR_OMIT = Text("write a condition or leave it out")
# Tokens refused wherever they stand, with what they are called in the message.
_REFUSED_TOKENS: dict[TokenType, str] = {
    TokenType.SEMICOLON: SECOND_STATEMENT,
    TokenType.SELECT: SUBQUERY,
    TokenType.WITH: SUBQUERY,
    TokenType.VALUES: SUBQUERY,
    TokenType.EXISTS: SUBQUERY,
    TokenType.UNION: SUBQUERY,
    TokenType.PLACEHOLDER: PARAMETER,
    TokenType.COLON: PARAMETER,
    TokenType.PARAMETER: PARAMETER,
    TokenType.SESSION_PARAMETER: PARAMETER,
    TokenType.DPIPE: CONCATENATION,
    TokenType.OVER: WINDOW,
    TokenType.DOT: QUALIFIED,
}
_JINJA = ("{{", "{%", "{#")


class RowFilterError(ReviewError):
    """A row filter that is not allowed: where (``position``, 0-based) and what (``fragment``)."""

    code = ErrorCode.BAD_ROW_FILTER

    def __init__(self, what: str, position: int, fragment: str, *, hint: str | None = None) -> None:
        fragment = fragment[:MAX_FRAGMENT]
        message = Text(
            "row_filter: %(what)s is not allowed at position %(position)d ('%(fragment)s'): %(hint)s",
            what=what,
            position=position,
            fragment=fragment,
            hint=hint or ALLOWED_SUMMARY,
        )
        super().__init__(
            message,
            ErrorCode.BAD_ROW_FILTER,
            details={"field": "row_filter", "position": position, "fragment": fragment},
        )
        self.position = position
        self.fragment = fragment


def parse_row_filter(text: str, columns: Mapping[str, str], dialect: str) -> exp.Expression:
    """The filter as a sqlglot condition over ``columns`` (name -> Superset type), its columns named exactly
    (quoted); RowFilterError saying where and what when any part of it is not allowed."""
    sqlglot_dialect = Dialect.get_or_raise(resolve_dialect(dialect))
    _check_text(text)
    tokens = _tokens(text, sqlglot_dialect)
    _check_tokens(text, tokens)
    try:
        tree = sqlglot_dialect.parser().parse_into(exp.Condition, tokens, text)[0]
    except ParseError as ex:
        position = _parse_error_position(text, ex)
        raise RowFilterError(UNREADABLE, position, text[position:]) from None
    except RecursionError:
        raise RowFilterError(TOO_DEEP_TREE, 0, text) from None
    except SqlglotError:
        raise RowFilterError(UNREADABLE, 0, text) from None
    if tree is None:
        raise RowFilterError(EMPTY, 0, text, hint=WRITE_OR_OMIT)
    _check_tree(_Read(text, tokens), tree, columns)
    return tree


def filter_sql(text: str, columns: Mapping[str, str], dialect: str) -> str:
    """The filter as the SQL the view runs (for previews and the view's description)."""
    return parse_row_filter(text, columns, dialect).sql(dialect=resolve_dialect(dialect))


def _check_text(text: str) -> None:
    if len(text) > MAX_FILTER_CHARS:
        raise RowFilterError(
            Text("a filter longer than %(max)d characters", max=MAX_FILTER_CHARS),
            MAX_FILTER_CHARS,
            text[MAX_FILTER_CHARS:],
            hint=Text("shorten it (an IN list of many values may be a column of its own)"),
        )
    if not text.strip():
        raise RowFilterError(EMPTY, 0, text, hint=WRITE_OR_OMIT)
    found = [at for at in (text.find(marker) for marker in _JINJA) if at >= 0]
    if found:
        at = min(found)
        raise RowFilterError(Text("a template (Jinja)"), at, text[at:])
    for at, char in enumerate(text):
        if char in "\t\n\r":
            continue
        category = unicodedata.category(char)
        if category[0] == "C" or category in {"Zl", "Zp"} or (category == "Zs" and char != " "):
            raise RowFilterError(
                Text("an invisible or control character (U+%(code)s)", code=f"{ord(char):04X}"),
                at,
                text[at:],
                hint=Text("type the filter with visible characters and plain spaces"),
            )


def _tokens(text: str, dialect: Dialect) -> list[Token]:
    try:
        return dialect.tokenize(text)
    except TokenError:
        # The tokenizer stops at an unterminated string or quoted name; its message names the line and column.
        position = _unterminated(text)
        raise RowFilterError(Text("an unterminated string or quoted name"), position, text[position:]) from None


def _unterminated(text: str) -> int:
    """Where a quote that the tokenizer found unterminated opens (the last odd one); 0 when none is found."""
    for quote in ("'", '"', "`"):
        if text.count(quote) % 2:
            return text.rfind(quote)
    return 0


def _check_tokens(text: str, tokens: list[Token]) -> None:
    previous_end = -1
    depth = 0
    for index, token in enumerate(tokens):
        gap = text[previous_end + 1 : token.start]
        if gap.strip():
            at = previous_end + 1 + (len(gap) - len(gap.lstrip()))
            raise RowFilterError(COMMENT, at, text[at:], hint=Text("remove the comment"))
        previous_end = token.end
        what = _REFUSED_TOKENS.get(token.token_type)
        if token.token_type is TokenType.DOT and _starts_a_number(tokens, index):
            what = None
        if what:
            at = token.start
            if token.token_type is TokenType.DOT and index > 0 and tokens[index - 1].token_type in _QUALIFIERS:
                at = tokens[index - 1].start  # the qualifier: 't' of 't.x'
            raise RowFilterError(what, at, text[at:])
        if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
            if depth > MAX_DEPTH:
                raise RowFilterError(
                    TOO_DEEP,
                    token.start,
                    text[token.start :],
                    hint=Text("remove parentheses that are not needed"),
                )
        elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
    tail = text[previous_end + 1 :]
    if tail.strip():
        at = previous_end + 1 + (len(tail) - len(tail.lstrip()))
        raise RowFilterError(COMMENT, at, text[at:], hint=Text("remove the comment"))


_QUALIFIERS = frozenset({TokenType.VAR, TokenType.IDENTIFIER})
_NAMES = frozenset({TokenType.VAR, TokenType.IDENTIFIER, TokenType.R_PAREN, TokenType.R_BRACKET})


def _starts_a_number(tokens: list[Token], index: int) -> bool:
    """A dot that begins a number (``.5``), not one between two names."""
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is None or following.token_type is not TokenType.NUMBER or following.start != tokens[index].end + 1:
        return False
    return index == 0 or tokens[index - 1].token_type not in _NAMES


def _parse_error_position(text: str, ex: ParseError) -> int:
    error: dict[str, Any] = ex.errors[0] if ex.errors else {}
    line, col = error.get("line"), error.get("col")
    if not isinstance(line, int) or not isinstance(col, int):
        return 0
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            break
        offset = found + 1
    highlight = str(error.get("highlight") or "")
    return max(0, min(len(text), offset + col - len(highlight)))


def _span(node: exp.Expression) -> tuple[int, int] | None:
    """The characters of the filter a node was read from (its tokens' and its descendants'), when sqlglot kept them."""
    low, high = None, None
    for child in node.walk():
        meta = child.meta if child._meta else {}
        start, end = meta.get("start"), meta.get("end")
        if isinstance(start, int) and isinstance(end, int):
            low = start if low is None else min(low, start)
            high = end if high is None else max(high, end)
    return None if low is None or high is None else (low, high)


_LEAVES = (exp.Column, exp.Identifier, exp.Literal, exp.Var, exp.Boolean, exp.Null)
_OPENERS = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET})


def _where(text: str, tokens: list[Token], node: exp.Expression) -> tuple[int, str]:
    """Where a refused node starts, and its text: exactly a name or literal; from its start on for the rest.

    sqlglot keeps the positions of names, literals and function names, not of keywords and parentheses: a node
    that has none of its own starts at its first descendant's, moved back over the opening parentheses and the
    keywords of its own subtree (``ANY(ARRAY[1])`` starts at ``ANY``, ``CAST(x AS ...)`` at ``CAST``)."""
    span = _span(node)
    if span is None:
        return 0, text
    low = span[0]
    if not (node._meta and "start" in node.meta):
        keywords = {child.key.upper() for child in node.walk()}
        keywords |= {_sql_name(child).upper() for child in node.walk() if isinstance(child, exp.Func)}
        index = next((i for i, token in enumerate(tokens) if token.start == low), None)
        while index:
            previous = tokens[index - 1]
            if previous.token_type not in _OPENERS and previous.text.upper() not in keywords:
                break
            index -= 1
            low = previous.start
    if isinstance(node, _LEAVES):
        return low, text[low : span[1] + 1]
    return low, text[low:]


@dataclass(frozen=True)
class _Read:
    """The filter's text and its tokens (for the positions of refused nodes)."""

    text: str
    tokens: list[Token]


def _refuse(read: _Read, node: exp.Expression, what: str, hint: str | None = None) -> RowFilterError:
    position, fragment = _where(read.text, read.tokens, node)
    return RowFilterError(what, position, fragment, hint=hint)


def _walk_with_depth(tree: exp.Expression) -> Iterator[tuple[exp.Expression, int]]:
    """Every node with its nesting depth; a chain of AND / OR (a list, to the reader) counts as one level."""
    stack: list[tuple[exp.Expression, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        for child in node.iter_expressions():
            flat = isinstance(child, (exp.And, exp.Or)) and type(child) is type(node)
            stack.append((child, depth if flat else depth + 1))


def _check_tree(read: _Read, tree: exp.Expression, columns: Mapping[str, str]) -> None:
    """Every node whitelisted (and its columns named exactly), then the filter and each operand of AND / OR / NOT a
    condition."""
    _check_nodes(read, tree, columns)
    if not isinstance(_unparen(tree), PREDICATES):
        raise _refuse(read, tree, NOT_A_CONDITION, WRITE_A_CONDITION)
    for node in tree.walk():
        if isinstance(node, CONNECTORS):
            for operand in node.iter_expressions():
                if not isinstance(_unparen(operand), PREDICATES):
                    raise _refuse(
                        read,
                        operand,
                        Text("a value that is not a condition, as an operand of %(op)s", op=node.key.upper()),
                        WRITE_A_CONDITION,
                    )


def _check_nodes(read: _Read, tree: exp.Expression, columns: Mapping[str, str]) -> None:
    by_lower: dict[str, list[str]] = {}
    for name in columns:
        by_lower.setdefault(name.lower(), []).append(name)
    for node, depth in list(_walk_with_depth(tree)):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "now" and not node.expressions:
            node = node.replace(exp.CurrentTimestamp())  # now() is current_timestamp (read so by PostgreSQL)
            continue
        if depth > MAX_TREE_DEPTH:
            raise _refuse(read, node, TOO_DEEP_TREE)
        if isinstance(node, exp.Alias) and isinstance(node.args.get("alias"), exp.Identifier):
            raise _refuse(read, node.args["alias"], Text("an alias (a name after a value)"))
        if not isinstance(node, ALLOWED):
            raise _refuse(read, node, _what(node))
        if isinstance(node, exp.In):
            if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
                raise _refuse(read, node, SUBQUERY)
            if len(node.expressions) > MAX_IN_VALUES:
                raise _refuse(read, node, Text("an IN list of more than %(max)d values", max=MAX_IN_VALUES))
        elif isinstance(node, exp.Column):
            _check_column(read, node, columns, by_lower)
        elif isinstance(node, exp.Cast):
            to = node.args.get("to")
            if not isinstance(to, exp.DataType) or column_class(to) not in CAST_TYPES:
                raise _refuse(
                    read,
                    node,
                    Text("a cast to this type"),
                    Text("cast to a number, text, boolean, date or timestamp type"),
                )
        elif isinstance(node, exp.Var):
            if not isinstance(node.parent, (exp.Extract, exp.DateTrunc, exp.TimestampTrunc, exp.Interval)) or (
                node.name.upper().removesuffix("S") not in UNITS
            ):
                raise _refuse(read, node, Text("the name '%(name)s'", name=node.name[:60]))
        elif isinstance(node, exp.Interval):
            if not isinstance(node.this, exp.Literal):
                raise _refuse(read, node, Text("an interval that is not a literal"), Text("write INTERVAL '30 days'"))
        elif isinstance(node, exp.Identifier) and not isinstance(node.parent, exp.Column):
            raise _refuse(read, node, Text("the name '%(name)s'", name=node.name[:60]))


def _check_column(read: _Read, node: exp.Column, columns: Mapping[str, str], by_lower: dict[str, list[str]]) -> None:
    if node.table or node.args.get("db") or node.args.get("catalog"):
        raise _refuse(read, node, QUALIFIED)
    identifier = node.this
    if not isinstance(identifier, exp.Identifier):
        raise _refuse(read, node, _what(node))
    name = identifier.name
    if name in columns:
        real = name
    elif not identifier.quoted and len(by_lower.get(name.lower(), [])) == 1:
        real = by_lower[name.lower()][0]
    else:
        known = ", ".join(sorted(columns)[:8]) + (", ..." if len(columns) > 8 else "")
        raise _refuse(
            read,
            node,
            Text("the column '%(column)s', which the base dataset does not have,", column=name[:60]),
            Text("use one of its columns: %(known)s", known=known or "-"),
        )
    node.set("this", exp.to_identifier(real, quoted=True))


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _what(node: exp.Expression) -> str:
    if isinstance(node, (exp.Subquery, exp.Select, exp.Exists, exp.Query)):
        return SUBQUERY
    if isinstance(node, (exp.Table, exp.Dot)):
        return QUALIFIED
    if isinstance(node, exp.Window):
        return WINDOW
    if isinstance(node, exp.AggFunc):
        return Text("an aggregate function (%(name)s)", name=_function_name(node))
    if isinstance(node, exp.Func):
        return Text("the function %(name)s", name=_function_name(node))
    if isinstance(node, (exp.Placeholder, exp.Parameter, exp.SessionParameter)):
        return PARAMETER
    if isinstance(node, exp.Star):
        return Text("a star (*)")
    return Text("the construct %(node)s", node=node.key.upper())


def _sql_name(node: exp.Func) -> str:
    """A function's SQL name (COUNT, CURRENT_USER...); sqlglot's own method is not typed."""
    name: Callable[[], str] = node.sql_name
    return str(name())


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name)[:60]
    if isinstance(node, exp.Func):
        return _sql_name(node).lower()
    return node.key


__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_TREE_DEPTH", "RowFilterError", "filter_sql", "parse_row_filter"]
