"""Parse and check a plan's JSON into the typed tree, or refuse it with a :class:`DslError` naming the path.

Everything here reads untrusted JSON (from a request, an LLM answer, a stored artifact): each value's type and size
is checked before anything is built from it (a 10-million-entry ``map_dict`` is refused on its length alone), each
pattern goes through :func:`.regex.portable_regex`, and the logical type is followed op by op from the source
column's type, so that ``case`` on an integer is refused where it is written, not where an engine would fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, cast

from superset_review.extension.linear_regex import compile_linear
from superset_review.transform_dsl.errors import DslError
from superset_review.transform_dsl.regex import RegexRefused, portable_regex
from superset_review.transform_dsl.semantics import (
    CAST_HINTS,
    CASTS,
    MAX_FORMAT_CHARS,
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    ROUND_MAX_DIGITS,
    TIME_DIRECTIVES,
    UNITS,
    date_directives,
)
from superset_review.transform_dsl.tree import (
    LOGICAL_TYPES,
    NUMERIC_TYPES,
    OPERATIONS,
    Case,
    CollapseWhitespace,
    ColumnRef,
    Concat,
    ConcatPart,
    DateFormat,
    DateParse,
    LiteralPart,
    LogicalType,
    MapDict,
    Op,
    Pipeline,
    Plan,
    RegexExtract,
    RegexSplit,
    SafeMath,
    SafeMathFn,
    Trim,
    TypeCast,
    UnitConvert,
)

DSL_VERSION = "1.0.0"
MAX_PIPELINES = 500
MAX_OPS = 50
MAX_PATTERN_CHARS = 500
MAX_MAP_ENTRIES = 10_000
MAX_PLAN_MAP_ENTRIES = 100_000  # all map_dicts of one plan together
MAX_TEXT_CHARS = 1_000  # a literal, a separator, a map key or value
MAX_CONCAT_PARTS = 50
MAX_SPLIT_INDEX = 1_000
MAX_COLUMNS = 2_000
MAX_COLUMN_NAME_CHARS = 255
# PostgreSQL truncates identifiers at 63 bytes: a target leaves room for its "__reason" twin.
REASON_SUFFIX = "__reason"
MAX_TARGET_CHARS = 63 - len(REASON_SUFFIX)
TARGET_NAME = compile_linear(r"[A-Za-z_][A-Za-z0-9_]*")

_OP_KEYS: dict[str, frozenset[str]] = {
    "trim": frozenset({"side"}),
    "case": frozenset({"to"}),
    "collapse_whitespace": frozenset(),
    "regex_extract": frozenset({"pattern", "group"}),
    "regex_split": frozenset({"pattern", "index"}),
    "concat": frozenset({"parts", "separator"}),
    "map_dict": frozenset({"mapping", "default"}),
    "unit_convert": frozenset({"from", "to"}),
    "date_parse": frozenset({"format"}),
    "date_format": frozenset({"format"}),
    "type_cast": frozenset({"to"}),
    "safe_math": frozenset({"fn", "operand", "digits"}),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float)) and not isinstance(value, bool)


class _Context:
    """The schema and the running map_dict budget of one parse."""

    def __init__(self, schema: Mapping[str, LogicalType]) -> None:
        self.schema = schema
        self.map_entries = 0


def _check_schema(schema: Any) -> dict[str, LogicalType]:
    if not isinstance(schema, Mapping):
        raise DslError("schema", "the schema maps each input column to its logical type")
    if len(schema) > MAX_COLUMNS:
        raise DslError("schema", f"{len(schema)} columns: at most {MAX_COLUMNS}")
    checked: dict[str, LogicalType] = {}
    for name, dtype in schema.items():
        if not isinstance(name, str) or not name or len(name) > MAX_COLUMN_NAME_CHARS or "\x00" in name:
            raise DslError("schema", f"a column name is 1 to {MAX_COLUMN_NAME_CHARS} characters")
        if dtype not in LOGICAL_TYPES:
            raise DslError(f"schema.{name}", f"{str(dtype)[:40]!r} is not a logical type ({', '.join(LOGICAL_TYPES)})")
        checked[name] = cast(LogicalType, dtype)
    return checked


def parse_plan(data: Any, schema: Mapping[str, str]) -> Plan:
    """The checked plan. ``schema`` maps every input column to its logical dtype."""
    checked = _check_schema(schema)
    if not isinstance(data, Mapping):
        raise DslError("", "a plan is a JSON object with dsl_version and pipelines")
    _refuse_unknown_keys(data, frozenset({"dsl_version", "pipelines"}), "", "a plan")
    if data.get("dsl_version") != DSL_VERSION:
        raise DslError("dsl_version", f'this DSL is version {DSL_VERSION}; write "dsl_version": "{DSL_VERSION}"')
    pipelines = data.get("pipelines")
    if not isinstance(pipelines, list):
        raise DslError("pipelines", "pipelines is a list of {target, source, ops}")
    if not pipelines:
        raise DslError("pipelines", "a plan has at least one pipeline")
    if len(pipelines) > MAX_PIPELINES:
        raise DslError("pipelines", f"{len(pipelines)} pipelines: a plan has at most {MAX_PIPELINES}")
    context = _Context(checked)
    parsed: list[Pipeline] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(pipelines):
        pipeline = _pipeline(item, context, f"pipelines[{index}]")
        folded = pipeline.target.lower()  # DuckDB's identifiers ignore case: "Name" and "name" are one column
        if folded in seen:
            raise DslError(
                f"pipelines[{index}].target",
                f"the target {pipeline.target!r} is already written by pipelines[{seen[folded]}] "
                "(targets are unique, ignoring case)",
            )
        seen[folded] = index
        parsed.append(pipeline)
    return Plan(dsl_version=DSL_VERSION, pipelines=tuple(parsed), schema=tuple(checked.items()))


def parse_pipeline(data: Any, schema: Mapping[str, str]) -> Pipeline:
    """One checked pipeline (paths start at the pipeline: ``ops[2].pattern``)."""
    return _pipeline(data, _Context(_check_schema(schema)), "")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix and not name.startswith("[") else f"{prefix}{name}"


def _refuse_unknown_keys(data: Mapping[Any, Any], allowed: frozenset[str], path: str, what: str) -> None:
    for key in data:
        if key not in allowed:
            shown = str(key)[:40]
            names = ", ".join(sorted(allowed)) or "none"
            raise DslError(_join(path, shown), f"{what} takes no {shown!r} (it takes: {names})")


def _pipeline(data: Any, context: _Context, path: str) -> Pipeline:
    if not isinstance(data, Mapping):
        raise DslError(path, "a pipeline is a JSON object {target, source, ops}")
    _refuse_unknown_keys(data, frozenset({"target", "source", "ops"}), path, "a pipeline")
    target = data.get("target")
    if not isinstance(target, str) or TARGET_NAME.fullmatch(target) is None or len(target) > MAX_TARGET_CHARS:
        raise DslError(
            _join(path, "target"),
            f"a target is an identifier (letters, digits, _; not starting with a digit) of at most {MAX_TARGET_CHARS} "
            f"characters, so that {REASON_SUFFIX!r} fits PostgreSQL's 63",
        )
    if target.lower().endswith(REASON_SUFFIX):
        raise DslError(_join(path, "target"), f"a target may not end in {REASON_SUFFIX!r}: that name is its reason's")
    source = data.get("source")
    source_type = _column_type(source, context, _join(path, "source"))
    ops = data.get("ops", [])
    if not isinstance(ops, list):
        raise DslError(_join(path, "ops"), "ops is a list of operations")
    if len(ops) > MAX_OPS:
        raise DslError(_join(path, "ops"), f"{len(ops)} operations: a pipeline has at most {MAX_OPS}")
    current: LogicalType = source_type
    parsed: list[Op] = []
    types: list[LogicalType] = []
    for index, item in enumerate(ops):
        op, current = _op(item, current, context, _join(path, f"ops[{index}]"))
        parsed.append(op)
        types.append(current)
    return Pipeline(
        target=target,
        source=cast(str, source),
        ops=tuple(parsed),
        output_type=current,
        source_type=source_type,
        types=tuple(types),
    )


def _column_type(name: Any, context: _Context, path: str) -> LogicalType:
    if not isinstance(name, str) or name not in context.schema:
        shown = str(name)[:80]
        raise DslError(path, f"the column {shown!r} is not an input column")
    return context.schema[name]


_OpParser = Callable[[Mapping[str, Any], LogicalType, _Context, str], tuple[Op, LogicalType]]


def _op(data: Any, current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    if not isinstance(data, Mapping):
        raise DslError(path, "an operation is a JSON object with an 'op'")
    name = data.get("op")
    if name not in _OP_KEYS:
        shown = str(name)[:40]
        raise DslError(_join(path, "op"), f"{shown!r} is not an operation; the twelve are: {', '.join(OPERATIONS)}")
    _refuse_unknown_keys(data, _OP_KEYS[name] | {"op"}, path, name)
    return _PARSERS[name](data, current, context, path)


def _expect_input(name: str, current: LogicalType, allowed: frozenset[str], path: str, hint: str = "") -> None:
    if current not in allowed:
        wanted = " or ".join(sorted(allowed))
        advice = hint or (
            "cast it first with type_cast" if "string" in allowed else "parse or cast it first (date_parse, type_cast)"
        )
        raise DslError(path, f"{name} reads a {wanted}, and the value here is a {current}: {advice}")


def _choice(
    data: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str | None, path: str, op: str
) -> str:
    value = data.get(key, default)
    if value not in choices:
        shown = str(value)[:40]
        raise DslError(_join(path, key), f"{op}'s {key} is one of {', '.join(choices)} (got {shown!r})")
    return cast(str, value)


def _text(value: Any, path: str, what: str, limit: int = MAX_TEXT_CHARS) -> str:
    if not isinstance(value, str):
        raise DslError(path, f"{what} is a string")
    if len(value) > limit:
        raise DslError(path, f"{what} has {len(value)} characters: at most {limit}")
    if "\x00" in value:
        raise DslError(path, f"{what} may not hold the NUL character (PostgreSQL text cannot)")
    return value


STRING = frozenset({"string"})


def _trim(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("trim", current, STRING, path)
    side = _choice(data, "side", ("both", "left", "right"), "both", path, "trim")
    return Trim(side=cast(Any, side)), "string"


def _case(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("case", current, STRING, path)
    return Case(to=cast(Any, _choice(data, "to", ("upper", "lower"), None, path, "case"))), "string"


def _collapse(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("collapse_whitespace", current, STRING, path)
    return CollapseWhitespace(), "string"


def _pattern(data: Mapping[str, Any], path: str, op: str) -> tuple[str, Any]:
    pattern = _text(data.get("pattern"), _join(path, "pattern"), f"{op}'s pattern", MAX_PATTERN_CHARS)
    try:
        return pattern, portable_regex(pattern)
    except RegexRefused as refused:
        hint = f" ({refused.hint})" if refused.hint else ""
        raise DslError(
            _join(path, "pattern"),
            f"{op} refuses {refused.construct} at position {refused.position}{hint}; see the DSL's regex flavour",
        ) from refused


def _whole_number(
    data: Mapping[str, Any], key: str, default: int | None, low: int, high: int, path: str, op: str
) -> int:
    value = data.get(key, default)
    if not _is_int(value) or not low <= value <= high:
        raise DslError(_join(path, key), f"{op}'s {key} is a whole number from {low} to {high}")
    return cast(int, value)


def _regex_extract(
    data: Mapping[str, Any], current: LogicalType, context: _Context, path: str
) -> tuple[Op, LogicalType]:
    _expect_input("regex_extract", current, STRING, path)
    pattern, portable = _pattern(data, path, "regex_extract")
    group = _whole_number(data, "group", 0, 0, 1_000, path, "regex_extract")
    if group > portable.groups:
        raise DslError(
            _join(path, "group"),
            f"regex_extract asks for group {group} and the pattern has {portable.groups} capturing group(s)",
        )
    if group in portable.unsteady_groups:
        raise DslError(
            _join(path, "group"),
            f"regex_extract's group {group} is inside a quantifier or one branch of an alternation, so it may take "
            "no part in a match (the engines answer differently then): put the choice inside the group",
        )
    return RegexExtract(pattern=pattern, group=group, portable=portable.text), "string"


def _regex_split(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("regex_split", current, STRING, path)
    pattern, portable = _pattern(data, path, "regex_split")
    if portable.nullable:
        raise DslError(
            _join(path, "pattern"),
            "regex_split's separator must not match the empty string (engines split around empty matches differently)",
        )
    if portable.groups:
        raise DslError(_join(path, "pattern"), "regex_split's separator has no capturing groups; use (?:...)")
    index = _whole_number(data, "index", None, 0, MAX_SPLIT_INDEX, path, "regex_split")
    return RegexSplit(pattern=pattern, index=index, portable=portable.text), "string"


def _textual(dtype: LogicalType, path: str, what: str) -> None:
    if dtype == "float":
        raise DslError(
            path,
            f"{what} is a float, and a float has no text form all engines share: {CAST_HINTS[('float', 'string')]}",
        )


def _concat(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _textual(current, path, "concat's value")
    parts = data.get("parts")
    if not isinstance(parts, list) or not parts:
        raise DslError(
            _join(path, "parts"), 'concat\'s parts is a non-empty list of {"column": name} or {"literal": text}'
        )
    if len(parts) > MAX_CONCAT_PARTS:
        raise DslError(_join(path, "parts"), f"{len(parts)} parts: concat takes at most {MAX_CONCAT_PARTS}")
    parsed: list[ConcatPart] = []
    for index, part in enumerate(parts):
        part_path = _join(path, f"parts[{index}]")
        if isinstance(part, Mapping) and set(part) == {"column"}:
            part_type = _column_type(part["column"], context, _join(part_path, "column"))
            _textual(part_type, _join(part_path, "column"), f"the column {part['column']!r}")
            parsed.append(ColumnRef(column=part["column"]))
        elif isinstance(part, Mapping) and set(part) == {"literal"}:
            parsed.append(LiteralPart(literal=_text(part["literal"], _join(part_path, "literal"), "a literal")))
        else:
            raise DslError(part_path, 'a part of concat is {"column": name} or {"literal": text}')
    separator = _text(data.get("separator", ""), _join(path, "separator"), "concat's separator")
    return Concat(parts=tuple(parsed), separator=separator), "string"


def _map_dict(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("map_dict", current, STRING, path)
    mapping = data.get("mapping")
    if not isinstance(mapping, Mapping):
        raise DslError(_join(path, "mapping"), "map_dict's mapping is an object of text to text or null")
    # The size first: a huge mapping is refused before a single entry is copied.
    if len(mapping) > MAX_MAP_ENTRIES:
        raise DslError(
            _join(path, "mapping"),
            f"map_dict has {len(mapping)} entries: at most {MAX_MAP_ENTRIES:,}; join a table instead",
        )
    context.map_entries += len(mapping)
    if context.map_entries > MAX_PLAN_MAP_ENTRIES:
        raise DslError(_join(path, "mapping"), f"the plan's map_dicts hold more than {MAX_PLAN_MAP_ENTRIES:,} entries")
    pairs: list[tuple[str, str | None]] = []
    for key, value in mapping.items():
        key_text = _text(key, _join(path, "mapping"), "a map_dict key")
        entry_path = _join(path, f"mapping[{key_text[:40]!r}]")
        pairs.append((key_text, None if value is None else _text(value, entry_path, "a map_dict value")))
    if not pairs:
        raise DslError(_join(path, "mapping"), "map_dict's mapping has at least one entry")
    default = _choice(data, "default", ("keep", "null"), "keep", path, "map_dict")
    return MapDict(mapping=tuple(pairs), default=cast(Any, default)), "string"


def _unit_convert(
    data: Mapping[str, Any], current: LogicalType, context: _Context, path: str
) -> tuple[Op, LogicalType]:
    _expect_input("unit_convert", current, NUMERIC_TYPES, path, "cast it to float first with type_cast")
    units = tuple(UNITS)
    from_unit = _choice(data, "from", units, None, path, "unit_convert")
    to_unit = _choice(data, "to", units, None, path, "unit_convert")
    if UNITS[from_unit].dimension != UNITS[to_unit].dimension:
        raise DslError(
            _join(path, "to"),
            f"unit_convert cannot convert {from_unit} ({UNITS[from_unit].dimension}) to {to_unit} "
            f"({UNITS[to_unit].dimension}): pick a {UNITS[from_unit].dimension} unit",
        )
    return UnitConvert(from_unit=from_unit, to_unit=to_unit), "float"


def _date_format_text(data: Mapping[str, Any], path: str, op: str) -> tuple[str, list[str]]:
    fmt = _text(data.get("format"), _join(path, "format"), f"{op}'s format", MAX_FORMAT_CHARS)
    try:
        directives = date_directives(fmt)
    except ValueError as error:
        raise DslError(_join(path, "format"), f"{op}'s format: {error}") from error
    if len(set(directives)) != len(directives):
        raise DslError(_join(path, "format"), f"{op}'s format names a directive twice")
    return fmt, directives


def _date_parse(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("date_parse", current, STRING, path)
    fmt, directives = _date_format_text(data, path, "date_parse")
    if not {"%Y", "%m", "%d"} <= set(directives):
        raise DslError(_join(path, "format"), "date_parse's format has %Y, %m and %d (a date needs all three)")
    time = set(directives) & TIME_DIRECTIVES
    if time and not {"%H", "%M"} <= time:
        raise DslError(_join(path, "format"), "date_parse's format with a time has %H and %M (and %S if written)")
    return DateParse(format=fmt), "timestamp" if time else "date"


def _date_format(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("date_format", current, frozenset({"date", "timestamp"}), path, "parse it first with date_parse")
    fmt, directives = _date_format_text(data, path, "date_format")
    if current == "date" and set(directives) & TIME_DIRECTIVES:
        raise DslError(_join(path, "format"), "date_format on a date has no %H, %M or %S: cast it to timestamp first")
    return DateFormat(format=fmt), "string"


def _type_cast(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    to = cast(LogicalType, _choice(data, "to", LOGICAL_TYPES, None, path, "type_cast"))
    if to not in CASTS[current]:
        hint = CAST_HINTS.get((current, to), f"a {current} casts to {', '.join(sorted(CASTS[current]))}")
        raise DslError(_join(path, "to"), f"type_cast cannot turn a {current} into a {to}: {hint}")
    return TypeCast(to=to), to


def _number(value: Any, path: str, what: str) -> float | int:
    if not _is_number(value) or not math.isfinite(value):
        raise DslError(path, f"{what} is a finite number")
    if value != 0 and not MIN_MAGNITUDE <= abs(value) <= MAX_MAGNITUDE:
        raise DslError(path, f"{what} is 0 or of magnitude {MIN_MAGNITUDE:g} to {MAX_MAGNITUDE:g}")
    return cast(float | int, value)


def _safe_math(data: Mapping[str, Any], current: LogicalType, context: _Context, path: str) -> tuple[Op, LogicalType]:
    _expect_input("safe_math", current, NUMERIC_TYPES, path, "cast it to float first with type_cast")
    fn = cast(
        SafeMathFn, _choice(data, "fn", ("add", "sub", "mul", "div", "round", "abs", "neg"), None, path, "safe_math")
    )
    operand: float | int | ColumnRef | None = None
    digits: int | None = None
    raw = data.get("operand")
    if fn in ("add", "sub", "mul", "div"):
        operand_path = _join(path, "operand")
        if isinstance(raw, Mapping) and set(raw) == {"column"}:
            _expect_input(
                f"safe_math's operand {raw['column']!r}",
                _column_type(raw["column"], context, _join(operand_path, "column")),
                NUMERIC_TYPES,
                _join(operand_path, "column"),
                "pick a numeric column",
            )
            operand = ColumnRef(column=raw["column"])
        elif raw is None:
            raise DslError(operand_path, f'safe_math {fn} needs an operand: a number or {{"column": name}}')
        else:
            operand = _number(raw, operand_path, f"safe_math {fn}'s operand")
            if fn == "div" and operand == 0:
                raise DslError(operand_path, "safe_math div by the number 0 would make every row NULL")
        if "digits" in data:
            raise DslError(_join(path, "digits"), f"safe_math {fn} takes no digits (round does)")
    elif fn == "round":
        digits = _whole_number(data, "digits", None, 0, ROUND_MAX_DIGITS, path, "safe_math round")
        if "operand" in data:
            raise DslError(_join(path, "operand"), "safe_math round takes digits, not an operand")
    else:
        for key in ("operand", "digits"):
            if key in data:
                raise DslError(_join(path, key), f"safe_math {fn} takes no {key}")
    return SafeMath(fn=fn, operand=operand, digits=digits), "float"


_PARSERS: dict[str, _OpParser] = {
    "trim": _trim,
    "case": _case,
    "collapse_whitespace": _collapse,
    "regex_extract": _regex_extract,
    "regex_split": _regex_split,
    "concat": _concat,
    "map_dict": _map_dict,
    "unit_convert": _unit_convert,
    "date_parse": _date_parse,
    "date_format": _date_format,
    "type_cast": _type_cast,
    "safe_math": _safe_math,
}
