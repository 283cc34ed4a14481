"""Polars for a plan: the same levels as the SQL (see :mod:`.layout`), one ``select`` per level.

Each expression is built twice in step, as a ``pl.Expr`` and as the Python text that writes it, so that
:func:`polars_source` shows exactly what :func:`apply_polars` runs (the Mapping Studio displays it). Nothing from the
plan is evaluated as code: a pattern, a map or a literal reaches Polars as a value and the text as its ``repr``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from superset_review.transform_dsl.layout import (
    Layout,
    Level,
    ReasonUpdate,
    Step,
    input_name,
    layout,
    previous_name,
    reason_code,
    reason_name,
    value_name,
)
from superset_review.transform_dsl.regex import portable_regex
from superset_review.transform_dsl.semantics import (
    DATE_TEXT_FORMAT,
    FALSE_TEXT,
    FLOAT_TEXT,
    INTEGER_TEXT,
    MAX_EXACT_INTEGER,
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    TIME_DIRECTIVES,
    TIMESTAMP_TEXT_FORMAT,
    TRUE_TEXT,
    conversion,
    date_directives,
    date_tokens,
)
from superset_review.transform_dsl.sql import LOWER, TRIM_CHARS, UPPER, WHITESPACE_RUN, date_guard
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

DTYPES: dict[LogicalType, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "float": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
}


def _render(value: Any) -> str:
    if isinstance(value, Code):
        return value.text
    if isinstance(value, pl.DataType):
        return f"pl.{value!r}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    return repr(value)


def _unwrap(value: Any) -> Any:
    if isinstance(value, Code):
        return value.expr
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


@dataclass(frozen=True)
class Code:
    """A Polars expression and the Python text that builds it."""

    expr: pl.Expr
    text: str

    def call(self, path: str, *args: Any, **kwargs: Any) -> Code:
        """``self.<path>(*args, **kwargs)``, e.g. ``call("str.strip_chars", " ")``; ``path`` is always ours."""
        target: Any = self.expr
        for name in path.split("."):
            target = getattr(target, name)
        expr = target(*[_unwrap(a) for a in args], **{k: _unwrap(v) for k, v in kwargs.items()})
        rendered = [_render(a) for a in args] + [f"{k}={_render(v)}" for k, v in kwargs.items()]
        return Code(expr, f"{self.text}.{path}({', '.join(rendered)})")

    def binary(self, symbol: str, other: Any) -> Code:
        functions: dict[str, Callable[[Any, Any], Any]] = {
            "&": operator.and_,
            "|": operator.or_,
            "==": operator.eq,
            "!=": operator.ne,
            "<=": operator.le,
            ">=": operator.ge,
            "+": operator.add,
            "-": operator.sub,
            "*": operator.mul,
            "/": operator.truediv,
        }
        return Code(functions[symbol](self.expr, _unwrap(other)), f"({self.text} {symbol} {_render(other)})")

    def invert(self) -> Code:
        return Code(~self.expr, f"~{self.text}")

    def alias(self, name: str) -> Code:
        return self.call("alias", name)


def col(name: str) -> Code:
    return Code(pl.col(name), f"pl.col({name!r})")


def lit(value: Any, dtype: pl.DataType | None = None) -> Code:
    if dtype is None:
        return Code(pl.lit(value), f"pl.lit({value!r})")
    return Code(pl.lit(value, dtype=dtype), f"pl.lit({value!r}, dtype={_render(dtype)})")


def when(branches: Sequence[tuple[Code, Code]], otherwise: Code | None = None) -> Code:
    (first_condition, first_value), *rest = branches
    chain: Any = pl.when(first_condition.expr).then(first_value.expr)
    text = f"pl.when({first_condition.text}).then({first_value.text})"
    for condition, value in rest:
        chain = chain.when(condition.expr).then(value.expr)
        text += f".when({condition.text}).then({value.text})"
    if otherwise is not None:
        chain = chain.otherwise(otherwise.expr)
        text += f".otherwise({otherwise.text})"
    return Code(chain, text)


def _all(*conditions: Code) -> Code:
    result = conditions[0]
    for condition in conditions[1:]:
        result = result.binary("&", condition)
    return result


class _Writer:
    def __init__(self, types: dict[str, LogicalType]) -> None:
        self.types = types

    def in_range(self, value: Code) -> Code:
        magnitude = value.call("abs")
        return magnitude.binary("<=", MAX_MAGNITUDE).binary(
            "&", value.binary("==", 0.0).binary("|", magnitude.binary(">=", MIN_MAGNITUDE))
        )

    def double(self, value: Code, value_type: LogicalType) -> Code:
        return value if value_type == "float" else value.call("cast", pl.Float64())

    def matches(self, value: Code, pattern: str) -> Code:
        return value.call("str.contains", pattern)

    def text_of(self, value: Code, value_type: LogicalType) -> Code:
        if value_type == "string":
            return value
        if value_type in ("integer", "boolean"):
            return value.call("cast", pl.String())  # 'true' / 'false' for booleans, as the SQL engines write them
        return value.call("dt.to_string", DATE_TEXT_FORMAT if value_type == "date" else TIMESTAMP_TEXT_FORMAT)

    def step(self, step: Step, x: Code, inputs: dict[str, Code]) -> Code:
        op = step.op
        if isinstance(op, Trim):
            method = {"both": "str.strip_chars", "left": "str.strip_chars_start", "right": "str.strip_chars_end"}
            return x.call(method[op.side], TRIM_CHARS)
        if isinstance(op, Case):
            source, target = (LOWER, UPPER) if op.to == "upper" else (UPPER, LOWER)
            return x.call("str.replace_many", list(source), list(target))
        if isinstance(op, CollapseWhitespace):
            return x.call("str.replace_all", WHITESPACE_RUN, " ")
        if isinstance(op, RegexExtract):
            return x.call("str.extract", op.portable, op.group)
        if isinstance(op, RegexSplit):
            literal = portable_regex(op.pattern).literal
            if literal is not None:
                return x.call("str.split", literal).call("list.get", op.index, null_on_oob=True)
            # The index-th part: skip `index` parts and their separators, then take the text up to the next
            # separator or the end. The engine's preferred path through that pattern is the split's own (each
            # separator the earliest, longest match), and it succeeds whenever there are `index` separators; with
            # fewer it would backtrack into a shorter separator ('00' split on [0-9]+ would find three parts), so
            # the separators are counted first (count_matches finds them as a split does).
            separator = f"(?:{op.portable})"
            skip = f"(?:(?s:.*?){separator}){{{op.index}}}" if op.index else ""
            part = x.call("str.extract", f"^{skip}((?s:.*?))(?:{separator}|$)", 1)
            if not op.index:
                return part
            return when([(x.call("str.count_matches", op.portable).binary(">=", op.index), part)])
        if isinstance(op, Concat):
            parts = [self.text_of(x, step.input_type)]
            for piece in op.parts:
                if isinstance(piece, LiteralPart):
                    parts.append(lit(piece.literal))
                else:
                    parts.append(self.text_of(inputs[piece.column], self.types[piece.column]))
            rendered = Code(
                pl.concat_str([p.expr for p in parts], separator=op.separator, ignore_nulls=True),
                f"pl.concat_str([{', '.join(p.text for p in parts)}], separator={op.separator!r}, ignore_nulls=True)",
            )
            return rendered
        if isinstance(op, MapDict):
            keys = [key for key, _ in op.mapping]
            values = [value for _, value in op.mapping]
            if op.default == "null":
                return x.call("replace_strict", keys, values, default=None, return_dtype=pl.String())
            return x.call("replace", keys, values)
        if isinstance(op, UnitConvert):
            scale, shift = conversion(op.from_unit, op.to_unit)
            value = self.double(x, step.input_type)
            converted = value if scale == 1.0 else value.binary("*", scale)
            if shift != 0.0:
                converted = converted.binary("+", shift)
            return when([(self.in_range(value), converted)])
        if isinstance(op, DateParse):
            return self.date_parse(x, op.format)
        if isinstance(op, DateFormat):
            return x.call("dt.to_string", op.format)
        if isinstance(op, TypeCast):
            return self.type_cast(x, step.input_type, op.to)
        if isinstance(op, SafeMath):
            return self.safe_math(op, step.input_type, x, inputs)
        raise AssertionError(op)

    def date_parse(self, x: Code, fmt: str) -> Code:
        has_time = bool(set(date_directives(fmt)) & TIME_DIRECTIVES)
        dtype = DTYPES["timestamp"] if has_time else DTYPES["date"]
        # The pattern checks widths and ranges (the year from 0001); strptime then refuses 2023-02-29 with NULL.
        parsed = x.call("str.strptime", dtype, fmt, strict=False, exact=True)
        return when([(self.matches(x, date_guard(date_tokens(fmt))), parsed)])

    def type_cast(self, x: Code, source: LogicalType, to: LogicalType) -> Code:
        if source == to:
            return x
        if source == "string":
            if to == "integer":
                return when([(self.matches(x, INTEGER_TEXT), x.call("cast", pl.Int64(), strict=False))])
            if to == "float":
                return when([(self.matches(x, FLOAT_TEXT), x.call("cast", pl.Float64(), strict=False))])
            if to == "boolean":
                return when([(self.matches(x, TRUE_TEXT), lit(True)), (self.matches(x, FALSE_TEXT), lit(False))])
            return self.date_parse(x, DATE_TEXT_FORMAT if to == "date" else TIMESTAMP_TEXT_FORMAT)
        if to == "string":
            return self.text_of(x, source)
        if source == "integer":
            if to == "float":
                return x.call("cast", pl.Float64())
            return when([(x.binary("==", 1), lit(True)), (x.binary("==", 0), lit(False))])
        if source == "float":
            integral = _all(x.call("abs").binary("<=", MAX_EXACT_INTEGER), x.binary("==", x.call("floor")))
            return when([(integral, x.call("cast", pl.Int64(), strict=False))])
        if source == "boolean":
            return x.call("cast", DTYPES[to])
        return x.call("cast", DTYPES[to])  # date <-> timestamp

    def safe_math(self, op: SafeMath, input_type: LogicalType, x: Code, inputs: dict[str, Code]) -> Code:
        value = self.double(x, input_type)
        guard = self.in_range(value)
        if op.fn == "abs":
            return when([(guard, value.call("abs"))])
        if op.fn == "neg":
            return when([(guard, value.binary("*", -1.0))])
        if op.fn == "round":
            scale = float(10 ** (op.digits or 0))
            rounded = value.binary("*", scale).binary("+", 0.5).call("floor")
            return when([(guard, rounded.binary("/", _column_of(value, scale)))])
        conditions = [guard]
        operand: Any
        if isinstance(op.operand, ColumnRef):
            operand = self.double(inputs[op.operand.column], self.types[op.operand.column])
            conditions.append(self.in_range(operand))
            if op.fn == "div":
                conditions.append(operand.binary("!=", 0.0))
        else:
            assert op.operand is not None
            operand = float(op.operand)
            if op.fn == "div":
                operand = _column_of(value, operand)
        symbol = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[op.fn]
        return when([(_all(*conditions), value.binary(symbol, operand))])


def _column_of(value: Code, number: float) -> Code:
    """``number`` as a column as long as ``value``: Polars divides by a scalar by multiplying with its reciprocal,
    which is not IEEE division (23.0 / 10.0 gives 2.3000000000000003, and only in vectorized chunks), while a column
    divisor is divided exactly, as PostgreSQL and DuckDB divide. ``value * 0.0 + number`` is ``number`` wherever the
    guard lets ``value`` through (finite, in range)."""
    return value.binary("*", 0.0).binary("+", number)


def _reason_update(update: ReasonUpdate) -> Code:
    before, after = col(previous_name(update.pipeline)), col(value_name(update.pipeline))
    failed = [before.call("is_not_null"), after.call("is_null")]
    op = update.op
    if isinstance(op, MapDict) and any(value is None for _, value in op.mapping):
        failed.append(before.call("is_in", [key for key, _ in op.mapping]).invert())
    code = lit(reason_code(update.index, op), DTYPES["string"])
    if not update.had_reason:
        return when([(_all(*failed), code)])
    earlier = col(reason_name(update.pipeline))
    return when([(_all(earlier.call("is_null"), *failed), code)], otherwise=earlier)


def _levels(plan: Plan) -> tuple[Layout, list[list[Code]]]:
    shape = layout(plan)
    writer = _Writer(dict(plan.schema))
    levels: list[list[Code]] = []
    first = [col(shape.inputs[j]).alias(input_name(j)) for j in shape.level0_inputs]
    first += [col(shape.inputs[source]).alias(value_name(i)) for i, source in enumerate(shape.sources)]
    levels.append(first)
    for level in shape.levels:
        levels.append(_level(writer, shape, level))
    outputs: list[Code] = []
    for i, pipeline in enumerate(plan.pipelines):
        outputs.append(col(value_name(i)).alias(pipeline.target))
        reason = col(reason_name(i)) if shape.has_reason[i] else lit(None, DTYPES["string"])
        outputs.append(reason.alias(pipeline.reason_column))
    levels.append(outputs)
    return shape, levels


def _level(writer: _Writer, shape: Layout, level: Level) -> list[Code]:
    inputs = {shape.inputs[j]: col(input_name(j)) for j in range(len(shape.inputs))}
    columns = [col(input_name(j)) for j in level.carried_inputs]
    columns += [col(value_name(i)) for i in level.carried_values]
    columns += [col(reason_name(i)) for i in level.carried_reasons]
    columns += [_reason_update(update).alias(reason_name(update.pipeline)) for update in level.reasons]
    columns += [col(value_name(i)).alias(previous_name(i)) for i in level.kept_previous]
    columns += [
        writer.step(step, col(value_name(step.pipeline)), inputs).alias(value_name(step.pipeline))
        for step in level.steps
    ]
    return columns


def polars_stages(plan: Plan) -> list[list[pl.Expr]]:
    """The expressions of each level, to run as consecutive ``select``s; the last gives the targets and reasons."""
    return [[code.expr for code in level] for level in _levels(plan)[1]]


def polars_exprs(plan: Plan) -> list[pl.Expr]:
    """The output expressions (``<target>``, ``<target>__reason`` per pipeline), reading the columns the levels
    before write: run them after :func:`polars_stages`' earlier levels, as :func:`apply_polars` does."""
    return polars_stages(plan)[-1]


def polars_source(plan: Plan) -> str:
    """The Python that :func:`apply_polars` runs, as text."""
    _, levels = _levels(plan)
    lines = ["import polars as pl", "", "", "def transform(frame: pl.LazyFrame) -> pl.LazyFrame:", "    return ("]
    lines.append("        frame")
    for level in levels:
        lines.append("        .select(")
        lines.extend(f"            {code.text}," for code in level)
        lines.append("        )")
    lines.append("    )")
    return "\n".join(lines) + "\n"


def apply_polars(plan: Plan, frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The plan run on ``frame`` (which has every input column): a DataFrame of the targets and their reasons."""
    lazy = frame.lazy()
    for level in polars_stages(plan):
        lazy = lazy.select(level)
    return lazy.collect()
