"""SQL for a plan, as sqlglot expressions rendered for PostgreSQL or DuckDB: one SELECT over a table.

Every identifier is a sqlglot identifier (quoted) and every pattern, map, literal and unit factor a sqlglot literal,
so nothing a plan carries can leave its string. The query is a chain of levels (see :mod:`.layout`); each level is
one projection over the one below, the innermost reads the table. Where the two dialects differ, the rule is the
same and only its spelling changes (``DETERMINISM.md`` lists each rule):

- a regex test is ``~`` in PostgreSQL, ``REGEXP_MATCHES`` in DuckDB, on the portable pattern;
- a conversion that could fail (a cast, a date, a division, an out-of-range number) is guarded by a CASE whose
  condition decides first, because PostgreSQL raises on a bad ``CAST`` or a float overflow where DuckDB's
  ``TRY_CAST`` would return NULL;
- ``map_dict`` looks its value up in one JSONB literal (PostgreSQL) or one MAP literal (DuckDB), not in a CASE of
  10 000 branches.
"""

from __future__ import annotations

import json
from typing import Literal

from sqlglot import exp

from superset_review.transform_dsl.errors import DslError
from superset_review.transform_dsl.layout import (
    Layout,
    Level,
    ReasonUpdate,
    Step,
    input_name,
    layout,
    level_alias,
    previous_name,
    reason_code,
    reason_name,
    value_name,
)
from superset_review.transform_dsl.semantics import (
    DATE_TEXT_FORMAT,
    FALSE_TEXT,
    FLOAT_TEXT,
    INTEGER_TEXT,
    MAX_EXACT_INTEGER,
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    TIMESTAMP_TEXT_FORMAT,
    TRUE_TEXT,
    DateToken,
    conversion,
    date_tokens,
)
from superset_review.transform_dsl.tree import (
    Case,
    CollapseWhitespace,
    ColumnRef,
    Concat,
    DateFormat,
    DateParse,
    LiteralPart,
    LogicalType,
    MapDict,
    Plan,
    RegexExtract,
    RegexSplit,
    SafeMath,
    Trim,
    TypeCast,
    UnitConvert,
)

Dialect = Literal["postgres", "duckdb"]
DIALECTS: tuple[Dialect, ...] = ("postgres", "duckdb")
TRIM_CHARS = " \t\n\r"
# Regex escapes, not the characters: the generated SQL stays printable (and the three engines read \t \n \r alike).
WHITESPACE_RUN = r"[\t\n\r ]+"
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()


def _string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _number(value: float | int) -> exp.Expression:
    text = repr(float(value)) if isinstance(value, float) else str(value)
    if text.startswith("-"):
        return exp.Neg(this=exp.Literal.number(text[1:]))
    return exp.Literal.number(text)


def _printable(text: str) -> exp.Expression:
    """A literal with its control characters as CHR(n) (folded to a constant by both engines), so that the SQL
    shown to a user has no raw tab or carriage return in it."""
    pieces: list[exp.Expression] = []
    run = ""
    for char in text:
        if char.isprintable():
            run += char
            continue
        if run:
            pieces.append(_string(run))
            run = ""
        pieces.append(_func("CHR", exp.Literal.number(ord(char))))
    if run:
        pieces.append(_string(run))
    result = pieces[0]
    for piece in pieces[1:]:
        result = exp.DPipe(this=result, expression=piece)
    return result


def _func(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _cast(value: exp.Expression, to: str) -> exp.Expression:
    return exp.Cast(this=value, to=exp.DataType.build(to))


def _case(*branches: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=cond, true=value) for cond, value in branches], default=default)


def _not_null(value: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=value, expression=exp.Null()))


def _is_null(value: exp.Expression) -> exp.Expression:
    return exp.Is(this=value, expression=exp.Null())


def _and(*conditions: exp.Expression) -> exp.Expression:
    return exp.and_(*conditions)  # parenthesises an OR among them


def _column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


class _Writer:
    """The expressions of one dialect. Each operation reads ``x``, a column of the level below."""

    def __init__(self, dialect: Dialect, types: dict[str, LogicalType]) -> None:
        self.dialect = dialect
        self.pg = dialect == "postgres"
        self.types = types  # input column -> logical type

    # --- small pieces ---------------------------------------------------------------------------------------

    def matches(self, value: exp.Expression, pattern: str) -> exp.Expression:
        return exp.RegexpLike(this=value, expression=_string(pattern))

    def double(self, value: exp.Expression, input_type: LogicalType) -> exp.Expression:
        return value if input_type == "float" else _cast(value, "double")

    def in_range(self, value: exp.Expression) -> exp.Expression:
        """0, or a magnitude within [MIN_MAGNITUDE, MAX_MAGNITUDE]; NaN and ±inf are outside (NaN sorts above all
        numbers in both engines, so ``ABS(NaN) <= MAX`` is false)."""
        magnitude = exp.Abs(this=value)
        return _and(
            exp.LTE(this=magnitude, expression=_number(MAX_MAGNITUDE)),
            exp.or_(
                exp.EQ(this=value, expression=_number(0.0)),
                exp.GTE(this=magnitude, expression=_number(MIN_MAGNITUDE)),
            ),
        )

    def text_of(self, value: exp.Expression, value_type: LogicalType) -> exp.Expression:
        """The one text form of a value of each type (float has none, the parser refuses it)."""
        if value_type == "string":
            return value
        if value_type == "integer":
            return _cast(value, "text")
        if value_type == "boolean":
            return _case((value, _string("true")), (exp.Not(this=value), _string("false")))
        fmt = DATE_TEXT_FORMAT if value_type == "date" else TIMESTAMP_TEXT_FORMAT
        return self.format_date(value, fmt)

    def format_date(self, value: exp.Expression, fmt: str) -> exp.Expression:
        if not self.pg:
            return _func("STRFTIME", value, _string(fmt))
        pattern = "".join(
            token.field.postgres if token.field is not None else f'"{token.literal}"' for token in date_tokens(fmt)
        )
        return _func("TO_CHAR", value, _string(pattern))

    # --- the twelve operations ------------------------------------------------------------------------------

    def step(self, step: Step, x: exp.Expression, inputs: dict[str, exp.Expression]) -> exp.Expression:
        op = step.op
        if isinstance(op, Trim):
            name = {"both": "BTRIM" if self.pg else "TRIM", "left": "LTRIM", "right": "RTRIM"}[op.side]
            return _func(name, x, _printable(TRIM_CHARS))
        if isinstance(op, Case):
            source, target = (LOWER, UPPER) if op.to == "upper" else (UPPER, LOWER)
            return _func("TRANSLATE", x, _string(source), _string(target))
        if isinstance(op, CollapseWhitespace):
            return _func("REGEXP_REPLACE", x, _string(WHITESPACE_RUN), _string(" "), _string("g"))
        if isinstance(op, RegexExtract):
            return self.regex_extract(op, x)
        if isinstance(op, RegexSplit):
            if self.pg:
                parts = exp.Paren(this=_func("REGEXP_SPLIT_TO_ARRAY", x, _string(op.portable)))
                return exp.Bracket(this=parts, expressions=[exp.Literal.number(op.index + 1)], offset=1)
            return _func(
                "LIST_EXTRACT", _func("STRING_SPLIT_REGEX", x, _string(op.portable)), exp.Literal.number(op.index + 1)
            )
        if isinstance(op, Concat):
            return self.concat(op, step.input_type, x, inputs)
        if isinstance(op, MapDict):
            return self.map_dict(op, x)
        if isinstance(op, UnitConvert):
            scale, shift = conversion(op.from_unit, op.to_unit)
            value = self.double(x, step.input_type)
            converted: exp.Expression = value if scale == 1.0 else exp.Mul(this=value, expression=_number(scale))
            if shift != 0.0:
                converted = exp.Add(this=converted, expression=_number(shift))
            return _case((self.in_range(value), converted))
        if isinstance(op, DateParse):
            return self.date_parse(x, op.format)
        if isinstance(op, DateFormat):
            return self.format_date(x, op.format)
        if isinstance(op, TypeCast):
            return self.type_cast(x, step.input_type, op.to)
        if isinstance(op, SafeMath):
            return self.safe_math(op, step.input_type, x, inputs)
        raise AssertionError(op)

    def regex_extract(self, op: RegexExtract, x: exp.Expression) -> exp.Expression:
        # Semantics: the leftmost match; group 0 is all of it; a group that took no part in the match is NULL.
        if self.pg:
            # The whole pattern in one more group, so that group 0 is element 1 of regexp_match's array.
            matched = exp.Paren(this=_func("REGEXP_MATCH", x, _string(f"({op.portable})")))
            return exp.Bracket(this=matched, expressions=[exp.Literal.number(op.group + 1)], offset=1)
        # DuckDB's regexp_extract answers '' when nothing matches: the test decides first (the parser only lets a
        # group through that takes part in every match, so a match's group is its text, perhaps '').
        extracted = _func("REGEXP_EXTRACT", x, _string(op.portable), exp.Literal.number(op.group))
        return _case((self.matches(x, op.portable), extracted))

    def concat(
        self, op: Concat, input_type: LogicalType, x: exp.Expression, inputs: dict[str, exp.Expression]
    ) -> exp.Expression:
        parts: list[exp.Expression] = [self.text_of(x, input_type)]
        for part in op.parts:
            if isinstance(part, LiteralPart):
                parts.append(_string(part.literal))
            else:
                parts.append(self.text_of(inputs[part.column], self.types[part.column]))
        return _func("CONCAT_WS", _string(op.separator), *parts)

    def map_dict(self, op: MapDict, x: exp.Expression) -> exp.Expression:
        missing, value = self.lookup(op, x)
        if op.default == "null":
            return value
        if not any(mapped is None for _, mapped in op.mapping):
            return exp.Coalesce(this=value, expressions=[x])
        return _case((missing, x), default=value)

    def lookup(self, op: MapDict, x: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
        """(the key is not in the map, its value): the map is one literal, looked up once per row."""
        if self.pg:
            document = _cast(_string(json.dumps(dict(op.mapping), ensure_ascii=False, sort_keys=True)), "jsonb")
            # jsonb_extract_path is SQL NULL only for a missing key (a JSON null is the jsonb value 'null').
            return _is_null(_func("JSONB_EXTRACT_PATH", document, x)), _func("JSONB_EXTRACT_PATH_TEXT", document, x)
        keys = exp.Array(expressions=[_string(key) for key, _ in op.mapping])
        values = exp.Array(expressions=[exp.Null() if value is None else _string(value) for _, value in op.mapping])
        mapping = _func("MAP", keys, values)
        return exp.Not(this=_func("MAP_CONTAINS", mapping, x)), _func("MAP_EXTRACT_VALUE", mapping, x)

    def date_parse(self, x: exp.Expression, fmt: str) -> exp.Expression:
        tokens = date_tokens(fmt)
        guard = date_guard(tokens)
        has_time = any(t.field is not None and t.field.directive in ("%H", "%M", "%S") for t in tokens)
        fields: dict[str, exp.Expression] = {}
        position = 1
        for token in tokens:
            width = token.field.width if token.field is not None else len(token.literal)
            if token.field is not None:
                piece = _func("SUBSTRING", x, exp.Literal.number(position), exp.Literal.number(width))
                fields[token.field.directive] = _cast(piece, "int")
            position += width
        year, month, day = fields["%Y"], fields["%m"], fields["%d"]
        if has_time:
            second = fields.get("%S", exp.Literal.number(0))
            made = _func("MAKE_TIMESTAMP", year, month, day, fields["%H"], fields["%M"], second)
        else:
            made = _func("MAKE_DATE", year, month, day)
        # The pattern checks the digits and each field's range; the day is then checked against its month (and
        # February against leap years) before MAKE_DATE, which raises on 2024-02-30 in both engines.
        valid_day = exp.Or(
            this=exp.LTE(this=day, expression=exp.Literal.number(28)),
            expression=exp.LTE(this=day, expression=days_in_month(year, month)),
        )
        return _case((self.matches(x, guard), _case((exp.Paren(this=valid_day), made))))

    def type_cast(self, x: exp.Expression, source: LogicalType, to: LogicalType) -> exp.Expression:
        if source == to:
            return x
        if source == "string":
            if to == "integer":
                return _case((self.matches(x, INTEGER_TEXT), _cast(x, "bigint")))
            if to == "float":
                return _case((self.matches(x, FLOAT_TEXT), _cast(x, "double")))
            if to == "boolean":
                return _case((self.matches(x, TRUE_TEXT), exp.true()), (self.matches(x, FALSE_TEXT), exp.false()))
            return self.date_parse(x, DATE_TEXT_FORMAT if to == "date" else TIMESTAMP_TEXT_FORMAT)
        if to == "string":
            return self.text_of(x, source)
        if source == "integer":
            if to == "float":
                return _cast(x, "double")
            return _case(
                (exp.EQ(this=x, expression=exp.Literal.number(1)), exp.true()),
                (exp.EQ(this=x, expression=exp.Literal.number(0)), exp.false()),
            )
        if source == "float":  # to integer: integral values only, |x| <= 2**53
            integral = _and(
                exp.LTE(this=exp.Abs(this=x), expression=_number(MAX_EXACT_INTEGER)),
                exp.EQ(this=x, expression=exp.Floor(this=x)),
            )
            return _case((integral, _cast(x, "bigint")))
        if source == "boolean":  # true -> 1, false -> 0
            sql_type = "bigint" if to == "integer" else "double"
            one, zero = _cast(exp.Literal.number(1), sql_type), _cast(exp.Literal.number(0), sql_type)
            return _case((x, one), (exp.Not(this=x), zero))
        # date <-> timestamp
        return _cast(x, "timestamp" if to == "timestamp" else "date")

    def safe_math(
        self, op: SafeMath, input_type: LogicalType, x: exp.Expression, inputs: dict[str, exp.Expression]
    ) -> exp.Expression:
        value = self.double(x, input_type)
        conditions = [self.in_range(value)]
        if op.fn == "abs":
            return _case((conditions[0], exp.Abs(this=value)))
        if op.fn == "neg":
            return _case((conditions[0], exp.Neg(this=exp.Paren(this=value))))
        if op.fn == "round":
            scale = _number(float(10 ** (op.digits or 0)))
            shifted = exp.Add(this=exp.Mul(this=value, expression=scale), expression=_number(0.5))
            return _case((conditions[0], exp.Div(this=exp.Floor(this=shifted), expression=scale)))
        operand: exp.Expression
        if isinstance(op.operand, ColumnRef):
            operand = self.double(inputs[op.operand.column], self.types[op.operand.column])
            conditions.append(self.in_range(operand))
        else:
            assert op.operand is not None
            operand = _number(float(op.operand))
        if op.fn == "div":
            if isinstance(op.operand, ColumnRef):
                conditions.append(exp.NEQ(this=operand, expression=_number(0.0)))
            result: exp.Expression = exp.Div(this=value, expression=operand)
        elif op.fn == "add":
            result = exp.Add(this=value, expression=operand)
        elif op.fn == "sub":
            result = exp.Sub(this=value, expression=operand)
        else:
            result = exp.Mul(this=value, expression=operand)
        return _case((_and(*conditions), result))


def date_guard(tokens: list[DateToken]) -> str:
    """A full-match pattern for text in the format: each field's digits within its range (the year from 0001)."""
    ranges = {
        "%Y": "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])",
        "%m": "(?:0[1-9]|1[0-2])",
        "%d": "(?:0[1-9]|[12][0-9]|3[01])",
        "%H": "(?:[01][0-9]|2[0-3])",
        "%M": "[0-5][0-9]",
        "%S": "[0-5][0-9]",
    }
    parts = []
    for token in tokens:
        if token.field is not None:
            parts.append(ranges[token.field.directive])
        else:
            parts.append("".join("\\" + char if char in ".^$|?*+()[]{}\\" else char for char in token.literal))
    return "^" + "".join(parts) + "$"


def days_in_month(year: exp.Expression, month: exp.Expression) -> exp.Expression:
    def divisible(by: int) -> exp.Expression:
        return exp.EQ(this=exp.Mod(this=year, expression=exp.Literal.number(by)), expression=exp.Literal.number(0))

    leap = exp.Or(
        this=exp.Paren(
            this=_and(
                divisible(4),
                exp.NEQ(this=exp.Mod(this=year, expression=exp.Literal.number(100)), expression=exp.Literal.number(0)),
            )
        ),
        expression=divisible(400),
    )
    return _case(
        (exp.In(this=month, expressions=[exp.Literal.number(m) for m in (4, 6, 9, 11)]), exp.Literal.number(30)),
        (
            exp.EQ(this=month, expression=exp.Literal.number(2)),
            _case((leap, exp.Literal.number(29)), default=exp.Literal.number(28)),
        ),
        default=exp.Literal.number(31),
    )


def _reason_update(writer: _Writer, update: ReasonUpdate) -> exp.Expression:
    """The running reason after ``update.op``: its code when it turned a value into NULL (not deliberately)."""
    before = _column(previous_name(update.pipeline))
    after = _column(value_name(update.pipeline))
    failed = [_not_null(before), _is_null(after)]
    op = update.op
    if isinstance(op, MapDict) and any(value is None for _, value in op.mapping):
        missing, _ = writer.lookup(op, before)
        failed.append(missing)  # a key mapped to null on purpose is no failure
    code = _string(reason_code(update.index, op))
    earlier = _column(reason_name(update.pipeline)) if update.had_reason else None
    if earlier is None:
        return _case((_and(*failed), code))
    return _case((_is_null(earlier), _case((_and(*failed), code))), default=earlier)


def _table(table: str, dialect: Dialect) -> exp.Table:
    try:
        parsed = exp.to_table(table, dialect=dialect)
    except Exception as error:  # sqlglot raises ParseError and others on names it cannot read
        raise DslError("table", f"{table[:80]!r} is not a table name") from error
    if not isinstance(parsed, exp.Table) or not parsed.name:
        raise DslError("table", f"{table[:80]!r} is not a table name")
    for part in parsed.parts:
        if isinstance(part, exp.Identifier):
            part.set("quoted", True)
    return parsed


def select_expression(plan: Plan, dialect: Dialect, table: str) -> exp.Select:
    """The query as a sqlglot tree (the generators' tests read its shape; :func:`compile_sql` renders it)."""
    if dialect not in DIALECTS:
        raise DslError("dialect", f"{str(dialect)[:40]!r} is not a dialect the DSL writes (postgres, duckdb)")
    writer = _Writer(dialect, dict(plan.schema))
    shape = layout(plan)
    fence = dialect == "postgres"
    columns: list[exp.Expression] = []
    for j in shape.level0_inputs:
        columns.append(exp.alias_(_column(shape.inputs[j]), input_name(j), quoted=True))
    for i, source in enumerate(shape.sources):
        columns.append(exp.alias_(_column(shape.inputs[source]), value_name(i), quoted=True))
    query = exp.select(*columns).from_(_table(table, dialect))
    computed: set[int] = set()  # pipelines whose current value is an expression of the level below, not a column
    for number, level in enumerate(shape.levels, start=1):
        query = _level(writer, shape, level, query, number, fence, computed)
    outputs: list[exp.Expression] = []
    for i, pipeline in enumerate(plan.pipelines):
        outputs.append(exp.alias_(_column(value_name(i)), pipeline.target, quoted=True))
        reason: exp.Expression = _column(reason_name(i)) if shape.has_reason[i] else _cast(exp.Null(), "text")
        outputs.append(exp.alias_(reason, pipeline.reason_column, quoted=True))
    return _wrap(outputs, query, len(shape.levels), fence=False)


def _wrap(columns: list[exp.Expression], inner: exp.Select, number: int, fence: bool) -> exp.Select:
    if fence:
        inner = inner.offset(0)  # PostgreSQL keeps the level as a subquery instead of folding it into this one
    alias = exp.TableAlias(this=exp.to_identifier(level_alias(number), quoted=True))
    return exp.select(*columns).from_(exp.Subquery(this=inner, alias=alias))


def _level(
    writer: _Writer, shape: Layout, level: Level, below: exp.Select, number: int, fence: bool, computed: set[int]
) -> exp.Select:
    """Level ``number`` over ``below``. PostgreSQL folds a subquery into the query above it, copying each
    expression to every place that names its column: an operation that reads its input twice (a guard, then the
    conversion) would compute an expression input twice, and a chain of them 2**n times. The level below is
    fenced (``OFFSET 0``, kept as a subquery) exactly when a step here reads twice a value computed there; other
    levels fold, which PostgreSQL runs faster than a chain of subqueries (each fence copies every column)."""
    inputs: dict[str, exp.Expression] = {shape.inputs[j]: _column(input_name(j)) for j in range(len(shape.inputs))}
    columns: list[exp.Expression] = [
        exp.alias_(_column(input_name(j)), input_name(j), quoted=True) for j in level.carried_inputs
    ]
    for i in level.carried_values:
        columns.append(exp.alias_(_column(value_name(i)), value_name(i), quoted=True))
    for i in level.carried_reasons:
        columns.append(exp.alias_(_column(reason_name(i)), reason_name(i), quoted=True))
    for update in level.reasons:
        columns.append(exp.alias_(_reason_update(writer, update), reason_name(update.pipeline), quoted=True))
    for i in level.kept_previous:
        columns.append(exp.alias_(_column(value_name(i)), previous_name(i), quoted=True))
    reread: set[int] = set()
    for step in level.steps:
        name = value_name(step.pipeline)
        value = writer.step(step, _column(name), inputs)
        if sum(1 for column in value.find_all(exp.Column) if column.name == name) > 1:
            reread.add(step.pipeline)
        columns.append(exp.alias_(value, name, quoted=True))
    fenced = fence and bool(reread & computed)
    if fenced:
        computed.clear()
    computed.update(step.pipeline for step in level.steps)
    return _wrap(columns, below, number - 1, fenced)


def compile_sql(plan: Plan, dialect: str, table: str) -> str:
    """One SELECT over ``table`` giving ``<target>`` and ``<target>__reason`` for every pipeline, in plan order."""
    return select_expression(plan, dialect, table).sql(dialect=dialect, pretty=True)  # type: ignore[arg-type]
