"""The shape both generators share: a plan as a chain of *levels*, one operation of every pipeline per level.

A pipeline's value after an operation is a column of that level, so the next operation reads a column, not the
expression that made it: an operation that reads its input several times (a guard, then a conversion) costs one
evaluation, and the generated text grows linearly with the number of operations. PostgreSQL would fold simple
subqueries back into one expression (and evaluate a guarded input once per mention), so its levels are fenced with
``OFFSET 0``; DuckDB and Polars run each level as one projection.

The reason of a row is kept in a running column: at the level after a fallible operation, "the value was not NULL
before it, is NULL after it, and was not deliberately mapped to NULL" writes that operation's code, unless an earlier
one already did. The code is ``ops[<index>]:<operation>``, never the value.

Columns of a level (names are the generators', never a user's: input and target names appear only at the ends):
``c<j>`` the j-th input column still read later, ``p<i>_v`` pipeline i's current value, ``p<i>_u`` its value
before a fallible operation (only the level after it needs it), ``p<i>_r`` its reason so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from superset_review.transform_dsl.tree import (
    ColumnRef,
    Concat,
    DateParse,
    LogicalType,
    MapDict,
    Op,
    Pipeline,
    Plan,
    RegexExtract,
    RegexSplit,
    SafeMath,
    TypeCast,
    UnitConvert,
)


def fallible(op: Op, input_type: LogicalType) -> bool:
    """Can this operation turn a non-NULL value into NULL (a failure, or a deliberate NULL of map_dict)?"""
    if isinstance(op, RegexExtract | RegexSplit | UnitConvert | DateParse | SafeMath):
        return True
    if isinstance(op, MapDict):
        return op.default == "null" or any(value is None for _, value in op.mapping)
    if isinstance(op, TypeCast):
        return (input_type, op.to) in {
            ("string", "integer"),
            ("string", "float"),
            ("string", "boolean"),
            ("string", "date"),
            ("string", "timestamp"),
            ("integer", "boolean"),
            ("float", "integer"),
        }
    return False


def reason_code(index: int, op: Op) -> str:
    return f"ops[{index}]:{op.op}"


@dataclass(frozen=True)
class Step:
    """Pipeline ``pipeline`` applies ``ops[index]`` to its current value (of type ``input_type``)."""

    pipeline: int
    index: int
    op: Op
    input_type: LogicalType


@dataclass(frozen=True)
class ReasonUpdate:
    """At this level, record whether ``ops[index]`` of ``pipeline`` (applied one level below) failed."""

    pipeline: int
    index: int
    op: Op
    had_reason: bool  # False: no reason column yet, the earlier reason is NULL


@dataclass
class Level:
    steps: list[Step] = field(default_factory=list)
    reasons: list[ReasonUpdate] = field(default_factory=list)
    carried_inputs: list[int] = field(default_factory=list)  # c<j> passed on unchanged
    carried_values: list[int] = field(default_factory=list)  # p<i>_v of pipelines without a step here
    carried_reasons: list[int] = field(default_factory=list)  # p<i>_r of pipelines without a reason update here
    kept_previous: list[int] = field(default_factory=list)  # p<i>_u: the step here is fallible


@dataclass(frozen=True)
class Layout:
    inputs: tuple[str, ...]  # c<j> is inputs[j]
    level0_inputs: tuple[int, ...]  # inputs read after level 0 (parts, operands)
    sources: tuple[int, ...]  # pipeline i starts from inputs[sources[i]]
    levels: tuple[Level, ...]
    has_reason: tuple[bool, ...]  # pipeline i ends with a reason column


def input_name(index: int) -> str:
    return f"c{index}"


def value_name(pipeline: int) -> str:
    return f"p{pipeline}_v"


def previous_name(pipeline: int) -> str:
    return f"p{pipeline}_u"


def reason_name(pipeline: int) -> str:
    return f"p{pipeline}_r"


def level_alias(level: int) -> str:
    return f"l{level}"


def _reads(op: Op) -> list[str]:
    if isinstance(op, Concat):
        return [part.column for part in op.parts if isinstance(part, ColumnRef)]
    if isinstance(op, SafeMath) and isinstance(op.operand, ColumnRef):
        return [op.operand.column]
    return []


def layout(plan: Plan) -> Layout:
    inputs = plan.input_columns()
    position = {name: index for index, name in enumerate(inputs)}
    sources = tuple(position[pipeline.source] for pipeline in plan.pipelines)
    depth = max((len(pipeline.ops) for pipeline in plan.pipelines), default=0)
    # The last level at which each input column is read (level L applies ops[L-1]).
    last_read: dict[int, int] = {}
    for pipeline in plan.pipelines:
        for index, op in enumerate(pipeline.ops):
            for name in _reads(op):
                last_read[position[name]] = max(last_read.get(position[name], 0), index + 1)
    levels: list[Level] = []
    has_reason = [False] * len(plan.pipelines)
    # One level more than the deepest pipeline: the reason of a last fallible operation is written there.
    for number in range(1, depth + 2):
        level = Level()
        level.carried_inputs = sorted(j for j, last in last_read.items() if last > number)
        for i, pipeline in enumerate(plan.pipelines):
            _place(level, number, i, pipeline, has_reason)
        levels.append(level)
    if levels and not levels[-1].steps and not levels[-1].reasons:
        levels.pop()  # a last level that would only copy columns
    return Layout(
        inputs=inputs,
        level0_inputs=tuple(sorted(last_read)),
        sources=sources,
        levels=tuple(levels),
        has_reason=tuple(has_reason),
    )


def _place(level: Level, number: int, i: int, pipeline: Pipeline, has_reason: list[bool]) -> None:
    index = number - 1  # the operation applied at this level
    if index < len(pipeline.ops):
        input_type = pipeline.source_type if index == 0 else pipeline.types[index - 1]
        op = pipeline.ops[index]
        level.steps.append(Step(i, index, op, input_type))
        if fallible(op, input_type):
            level.kept_previous.append(i)
    else:
        level.carried_values.append(i)
    previous = index - 1  # the operation applied one level below: its reason is written here
    if 0 <= previous < len(pipeline.ops):
        previous_type = pipeline.source_type if previous == 0 else pipeline.types[previous - 1]
        if fallible(pipeline.ops[previous], previous_type):
            level.reasons.append(ReasonUpdate(i, previous, pipeline.ops[previous], has_reason[i]))
            has_reason[i] = True
            return
    if has_reason[i]:
        level.carried_reasons.append(i)
