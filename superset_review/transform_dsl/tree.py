"""The typed tree of a DSL 1.0.0 plan: one frozen dataclass per operation, a pipeline, a plan.

The tree is what the parser (:mod:`.parser`) returns once every check has passed, and the one input of the generators
(:mod:`.sql`, :mod:`.polars`). Its nodes carry exactly the JSON parameters of their operation, defaults filled in,
so that ``to_dict()`` gives back the canonical JSON of the plan and :attr:`Plan.content_hash` names the same plan
the same way wherever it was written (a missing default and its explicit value hash alike).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from superset_review.extension.hashing import canonical_json

LogicalType: TypeAlias = Literal["string", "integer", "float", "boolean", "date", "timestamp"]
LOGICAL_TYPES: tuple[LogicalType, ...] = ("string", "integer", "float", "boolean", "date", "timestamp")
NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "float"})


@dataclass(frozen=True)
class ColumnRef:
    """Another input column, read by ``concat`` (a part) or ``safe_math`` (the operand)."""

    column: str

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column}


@dataclass(frozen=True)
class LiteralPart:
    literal: str

    def to_dict(self) -> dict[str, Any]:
        return {"literal": self.literal}


ConcatPart: TypeAlias = ColumnRef | LiteralPart


@dataclass(frozen=True)
class Trim:
    side: Literal["both", "left", "right"] = "both"
    op: Literal["trim"] = "trim"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "side": self.side}


@dataclass(frozen=True)
class Case:
    to: Literal["upper", "lower"]
    op: Literal["case"] = "case"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "to": self.to}


@dataclass(frozen=True)
class CollapseWhitespace:
    op: Literal["collapse_whitespace"] = "collapse_whitespace"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op}


@dataclass(frozen=True)
class RegexExtract:
    """``pattern`` as written; ``portable`` is the same pattern in the one syntax all three engines read alike."""

    pattern: str
    group: int = 0
    portable: str = ""
    op: Literal["regex_extract"] = "regex_extract"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "pattern": self.pattern, "group": self.group}


@dataclass(frozen=True)
class RegexSplit:
    pattern: str
    index: int
    portable: str = ""
    op: Literal["regex_split"] = "regex_split"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "pattern": self.pattern, "index": self.index}


@dataclass(frozen=True)
class Concat:
    parts: tuple[ConcatPart, ...]
    separator: str = ""
    op: Literal["concat"] = "concat"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "parts": [part.to_dict() for part in self.parts], "separator": self.separator}


@dataclass(frozen=True)
class MapDict:
    """``mapping`` as ordered pairs (a tuple keeps the node hashable and frozen); ``default`` says what an unmapped
    value becomes: itself (``keep``) or NULL with a reason (``null``)."""

    mapping: tuple[tuple[str, str | None], ...]
    default: Literal["keep", "null"] = "keep"
    op: Literal["map_dict"] = "map_dict"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "mapping": dict(self.mapping), "default": self.default}


@dataclass(frozen=True)
class UnitConvert:
    from_unit: str
    to_unit: str
    op: Literal["unit_convert"] = "unit_convert"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "from": self.from_unit, "to": self.to_unit}


@dataclass(frozen=True)
class DateParse:
    format: str
    op: Literal["date_parse"] = "date_parse"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "format": self.format}


@dataclass(frozen=True)
class DateFormat:
    format: str
    op: Literal["date_format"] = "date_format"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "format": self.format}


@dataclass(frozen=True)
class TypeCast:
    to: LogicalType
    op: Literal["type_cast"] = "type_cast"

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "to": self.to}


SafeMathFn: TypeAlias = Literal["add", "sub", "mul", "div", "round", "abs", "neg"]


@dataclass(frozen=True)
class SafeMath:
    """``operand`` for add/sub/mul/div (a number or another column), ``digits`` for round; None where unused."""

    fn: SafeMathFn
    operand: float | int | ColumnRef | None = None
    digits: int | None = None
    op: Literal["safe_math"] = "safe_math"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "fn": self.fn}
        if self.operand is not None:
            out["operand"] = self.operand.to_dict() if isinstance(self.operand, ColumnRef) else self.operand
        if self.digits is not None:
            out["digits"] = self.digits
        return out


Op: TypeAlias = (
    Trim
    | Case
    | CollapseWhitespace
    | RegexExtract
    | RegexSplit
    | Concat
    | MapDict
    | UnitConvert
    | DateParse
    | DateFormat
    | TypeCast
    | SafeMath
)

# The twelve operations in the order of the specification: the names an unknown operation's refusal lists.
OPERATIONS: tuple[str, ...] = (
    "trim",
    "case",
    "collapse_whitespace",
    "regex_extract",
    "regex_split",
    "concat",
    "map_dict",
    "unit_convert",
    "date_parse",
    "date_format",
    "type_cast",
    "safe_math",
)


@dataclass(frozen=True)
class Pipeline:
    """One output column: ``source`` through ``ops``. ``types[i]`` is the logical type after ``ops[i]`` (the
    parser's type inference, kept for the generators); ``source_type`` is the source column's type."""

    target: str
    source: str
    ops: tuple[Op, ...]
    output_type: LogicalType
    source_type: LogicalType = "string"
    types: tuple[LogicalType, ...] = ()

    @property
    def reason_column(self) -> str:
        return f"{self.target}__reason"

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "source": self.source, "ops": [op.to_dict() for op in self.ops]}

    def input_columns(self) -> tuple[str, ...]:
        """The source and every column an operation reads, in order of first use."""
        seen: dict[str, None] = {self.source: None}
        for op in self.ops:
            if isinstance(op, Concat):
                seen.update((part.column, None) for part in op.parts if isinstance(part, ColumnRef))
            elif isinstance(op, SafeMath) and isinstance(op.operand, ColumnRef):
                seen[op.operand.column] = None
        return tuple(seen)


@dataclass(frozen=True)
class Plan:
    dsl_version: str
    pipelines: tuple[Pipeline, ...]
    schema: tuple[tuple[str, LogicalType], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"dsl_version": self.dsl_version, "pipelines": [pipeline.to_dict() for pipeline in self.pipelines]}

    @property
    def content_hash(self) -> str:
        """SHA-256 of the plan's canonical JSON (defaults filled in), the name artifacts and mappings cite."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode("utf-8")).hexdigest()

    def input_columns(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for pipeline in self.pipelines:
            seen.update((name, None) for name in pipeline.input_columns())
        return tuple(seen)

    def column_type(self, name: str) -> LogicalType:
        return dict(self.schema)[name]
