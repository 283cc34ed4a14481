"""Every kind of DSL_REJECT, each with the path of what was refused and a message that names the operation and what
to do: shapes, unknown operations and parameters, types through the pipeline, sizes (a 10-million-entry map refused on
its length), columns, targets, and the regex constructs the engines would read differently."""

from __future__ import annotations

import time
from typing import Any

import pytest

from superset_review.extension.errors import ErrorCode
from superset_review.transform_dsl import DSL_VERSION, OPERATIONS, DslError, parse_pipeline, parse_plan

SCHEMA = {"s": "string", "t": "string", "n": "integer", "x": "float", "b": "boolean", "d": "date", "ts": "timestamp"}


def plan_with(*ops: dict[str, Any], source: str = "s", target: str = "out") -> dict[str, Any]:
    return {"dsl_version": DSL_VERSION, "pipelines": [{"target": target, "source": source, "ops": list(ops)}]}


def refused(data: Any, schema: dict[str, str] | None = None) -> DslError:
    with pytest.raises(DslError) as caught:
        parse_plan(data, SCHEMA if schema is None else schema)
    assert caught.value.code == ErrorCode.DSL_REJECT
    assert caught.value.status == 422
    assert caught.value.details == {"path": caught.value.path}
    return caught.value


# (title, plan, path, words the message must hold)
CASES: list[tuple[str, Any, str, list[str]]] = [
    ("not an object", [], "", ["JSON object"]),
    ("wrong version", {"dsl_version": "2.0.0", "pipelines": []}, "dsl_version", ["1.0.0"]),
    ("unknown top-level key", {"dsl_version": DSL_VERSION, "pipelines": [], "extra": 1}, "extra", ["extra"]),
    ("no pipelines", {"dsl_version": DSL_VERSION, "pipelines": []}, "pipelines", ["at least one"]),
    ("pipelines not a list", {"dsl_version": DSL_VERSION, "pipelines": {}}, "pipelines", ["list"]),
    ("unknown operation", plan_with({"op": "eval"}), "pipelines[0].ops[0].op", ["'eval'", *OPERATIONS]),
    ("op missing", plan_with({"side": "both"}), "pipelines[0].ops[0].op", ["not an operation"]),
    ("unknown parameter", plan_with({"op": "trim", "sides": "both"}), "pipelines[0].ops[0].sides", ["trim", "side"]),
    ("bad choice", plan_with({"op": "trim", "side": "middle"}), "pipelines[0].ops[0].side", ["both, left, right"]),
    ("case without to", plan_with({"op": "case"}), "pipelines[0].ops[0].to", ["upper, lower"]),
    (
        "case on an integer",
        plan_with({"op": "case", "to": "upper"}, source="n"),
        "pipelines[0].ops[0]",
        ["case reads a string", "integer", "type_cast"],
    ),
    (
        "trim after type_cast to float",
        plan_with({"op": "type_cast", "to": "float"}, {"op": "trim"}),
        "pipelines[0].ops[1]",
        ["trim", "float"],
    ),
    (
        "unit_convert on a string",
        plan_with({"op": "unit_convert", "from": "kg", "to": "lb"}),
        "pipelines[0].ops[0]",
        ["unit_convert reads a float or integer", "string"],
    ),
    (
        "unit across dimensions",
        plan_with({"op": "unit_convert", "from": "kg", "to": "km"}, source="x"),
        "pipelines[0].ops[0].to",
        ["kg (mass)", "km (length)"],
    ),
    (
        "unknown unit",
        plan_with({"op": "unit_convert", "from": "stone", "to": "kg"}, source="x"),
        "pipelines[0].ops[0].from",
        ["unit_convert's from"],
    ),
    (
        "date_format on a string",
        plan_with({"op": "date_format", "format": "%Y"}),
        "pipelines[0].ops[0]",
        ["date_format reads a date or timestamp", "date_parse"],
    ),
    (
        "date_format with time on a date",
        plan_with({"op": "date_format", "format": "%Y %H"}, source="d"),
        "pipelines[0].ops[0].format",
        ["%H"],
    ),
    (
        "date_parse without day",
        plan_with({"op": "date_parse", "format": "%Y-%m"}),
        "pipelines[0].ops[0].format",
        ["%Y, %m and %d"],
    ),
    (
        "date_parse outside the subset",
        plan_with({"op": "date_parse", "format": "%Y-%m-%d %I"}),
        "pipelines[0].ops[0].format",
        ["'%I'", "%Y %m %d %H %M %S"],
    ),
    (
        "date_parse letter literal",
        plan_with({"op": "date_parse", "format": "%Y-%m-%dZ"}),
        "pipelines[0].ops[0].format",
        ["'Z'"],
    ),
    (
        "date_parse directive twice",
        plan_with({"op": "date_parse", "format": "%Y-%m-%d %Y"}),
        "pipelines[0].ops[0].format",
        ["twice"],
    ),
    (
        "type_cast to a non-type",
        plan_with({"op": "type_cast", "to": "decimal"}),
        "pipelines[0].ops[0].to",
        ["string, integer, float, boolean, date, timestamp"],
    ),
    (
        "type_cast float to string",
        plan_with({"op": "type_cast", "to": "string"}, source="x"),
        "pipelines[0].ops[0].to",
        ["float into a string", "round"],
    ),
    (
        "type_cast date to integer",
        plan_with({"op": "type_cast", "to": "integer"}, source="d"),
        "pipelines[0].ops[0].to",
        ["date into a integer"],
    ),
    (
        "concat a float",
        plan_with({"op": "concat", "parts": [{"column": "x"}]}),
        "pipelines[0].ops[0].parts[0].column",
        ["float"],
    ),
    (
        "concat part of two kinds",
        plan_with({"op": "concat", "parts": [{"column": "t", "literal": "a"}]}),
        "pipelines[0].ops[0].parts[0]",
        ["column", "literal"],
    ),
    ("concat no parts", plan_with({"op": "concat", "parts": []}), "pipelines[0].ops[0].parts", ["non-empty"]),
    (
        "concat unknown column",
        plan_with({"op": "concat", "parts": [{"column": "nope"}]}),
        "pipelines[0].ops[0].parts[0].column",
        ["'nope'", "not an input column"],
    ),
    (
        "map_dict not an object",
        plan_with({"op": "map_dict", "mapping": [["a", "b"]]}),
        "pipelines[0].ops[0].mapping",
        ["object"],
    ),
    (
        "map_dict numeric value",
        plan_with({"op": "map_dict", "mapping": {"a": 1}}),
        "pipelines[0].ops[0].mapping['a']",
        ["map_dict value is a string"],
    ),
    ("map_dict empty", plan_with({"op": "map_dict", "mapping": {}}), "pipelines[0].ops[0].mapping", ["at least one"]),
    (
        "safe_math without operand",
        plan_with({"op": "safe_math", "fn": "add"}, source="x"),
        "pipelines[0].ops[0].operand",
        ["needs an operand"],
    ),
    (
        "safe_math div by zero",
        plan_with({"op": "safe_math", "fn": "div", "operand": 0}, source="x"),
        "pipelines[0].ops[0].operand",
        ["0"],
    ),
    (
        "safe_math operand a boolean",
        plan_with({"op": "safe_math", "fn": "mul", "operand": True}, source="x"),
        "pipelines[0].ops[0].operand",
        ["finite number"],
    ),
    (
        "safe_math huge operand",
        plan_with({"op": "safe_math", "fn": "mul", "operand": 1e200}, source="x"),
        "pipelines[0].ops[0].operand",
        ["1e+150"],
    ),
    (
        "safe_math round without digits",
        plan_with({"op": "safe_math", "fn": "round"}, source="x"),
        "pipelines[0].ops[0].digits",
        ["0 to 10"],
    ),
    (
        "safe_math abs with operand",
        plan_with({"op": "safe_math", "fn": "abs", "operand": 1}, source="x"),
        "pipelines[0].ops[0].operand",
        ["abs takes no operand"],
    ),
    (
        "safe_math operand a string column",
        plan_with({"op": "safe_math", "fn": "add", "operand": {"column": "s"}}, source="x"),
        "pipelines[0].ops[0].operand.column",
        ["numeric column"],
    ),
    (
        "safe_math on a boolean",
        plan_with({"op": "safe_math", "fn": "abs"}, source="b"),
        "pipelines[0].ops[0]",
        ["safe_math reads a float or integer", "boolean"],
    ),
    (
        "regex group out of range",
        plan_with({"op": "regex_extract", "pattern": "(a)", "group": 2}),
        "pipelines[0].ops[0].group",
        ["group 2", "1 capturing group"],
    ),
    (
        "regex group optional",
        plan_with({"op": "regex_extract", "pattern": "x(a)?", "group": 1}),
        "pipelines[0].ops[0].group",
        ["quantifier"],
    ),
    (
        "regex group a string",
        plan_with({"op": "regex_extract", "pattern": "a", "group": "0"}),
        "pipelines[0].ops[0].group",
        ["whole number"],
    ),
    (
        "regex_split on empty matches",
        plan_with({"op": "regex_split", "pattern": ",*", "index": 0}),
        "pipelines[0].ops[0].pattern",
        ["empty string"],
    ),
    (
        "regex_split without index",
        plan_with({"op": "regex_split", "pattern": ","}),
        "pipelines[0].ops[0].index",
        ["whole number"],
    ),
    (
        "regex_split with a group",
        plan_with({"op": "regex_split", "pattern": "(,)", "index": 0}),
        "pipelines[0].ops[0].pattern",
        ["(?:"],
    ),
    (
        "pattern too long",
        plan_with({"op": "regex_extract", "pattern": "a" * 501}),
        "pipelines[0].ops[0].pattern",
        ["501 characters", "500"],
    ),
    (
        "pattern not a regex",
        plan_with({"op": "regex_extract", "pattern": "(a"}),
        "pipelines[0].ops[0].pattern",
        ["not a regular expression", "position"],
    ),
    ("unknown source", plan_with(source="nope"), "pipelines[0].source", ["'nope'", "not an input column"]),
    ("target not an identifier", plan_with(target="full name"), "pipelines[0].target", ["identifier"]),
    ("target starting with a digit", plan_with(target="1st"), "pipelines[0].target", ["identifier"]),
    ("target too long", plan_with(target="t" * 56), "pipelines[0].target", ["55"]),
    ("target named like a reason", plan_with(target="x__reason"), "pipelines[0].target", ["__reason"]),
    (
        "ops not a list",
        {"dsl_version": DSL_VERSION, "pipelines": [{"target": "o", "source": "s", "ops": {}}]},
        "pipelines[0].ops",
        ["list"],
    ),
    (
        "unknown pipeline key",
        {"dsl_version": DSL_VERSION, "pipelines": [{"target": "o", "source": "s", "op": []}]},
        "pipelines[0].op",
        ["takes no 'op'"],
    ),
    (
        "NUL in a literal",
        plan_with({"op": "concat", "parts": [{"literal": "a\x00"}]}),
        "pipelines[0].ops[0].parts[0].literal",
        ["NUL"],
    ),
]


@pytest.mark.parametrize(("title", "data", "path", "words"), CASES, ids=[case[0] for case in CASES])
def test_refused_with_its_path(title: str, data: Any, path: str, words: list[str]) -> None:
    error = refused(data)
    assert error.path == path, error.message
    for word in words:
        assert word in error.message, (word, error.message)


def test_duplicate_targets_are_refused_ignoring_case() -> None:
    data = {
        "dsl_version": DSL_VERSION,
        "pipelines": [{"target": "Name", "source": "s"}, {"target": "name", "source": "t"}],
    }
    error = refused(data)
    assert error.path == "pipelines[1].target"
    assert "pipelines[0]" in error.message


def test_too_many_pipelines_are_refused_with_the_count() -> None:
    data = {"dsl_version": DSL_VERSION, "pipelines": [{"target": f"t{i}", "source": "s"} for i in range(501)]}
    error = refused(data)
    assert (error.path, "501 pipelines" in error.message, "500" in error.message) == ("pipelines", True, True)


def test_too_many_ops_are_refused_with_the_count() -> None:
    error = refused(plan_with(*[{"op": "trim"}] * 51))
    assert error.path == "pipelines[0].ops"
    assert "51 operations" in error.message and "50" in error.message


def test_a_ten_million_entry_map_is_refused_on_its_size_without_being_read() -> None:
    class Huge(dict[str, str]):
        """A mapping that claims 10 million entries; reading any of them would fail the test."""

        def __len__(self) -> int:
            return 10_000_000

        def items(self) -> Any:
            raise AssertionError("the map's entries were read")

    started = time.perf_counter()
    error = refused(plan_with({"op": "map_dict", "mapping": Huge()}))
    assert time.perf_counter() - started < 1.0
    assert error.path == "pipelines[0].ops[0].mapping"
    assert "10000000 entries" in error.message and "10,000" in error.message


def test_a_real_map_over_the_limit_is_refused() -> None:
    mapping = {str(i): "v" for i in range(10_001)}
    assert refused(plan_with({"op": "map_dict", "mapping": mapping})).path == "pipelines[0].ops[0].mapping"


def test_the_plan_wide_map_budget_is_refused_at_the_map_that_exceeds_it() -> None:
    mapping = {str(i): "v" for i in range(10_000)}
    pipelines = [{"target": f"t{i}", "source": "s", "ops": [{"op": "map_dict", "mapping": mapping}]} for i in range(11)]
    error = refused({"dsl_version": DSL_VERSION, "pipelines": pipelines})
    assert error.path == "pipelines[10].ops[0].mapping"


def test_a_bad_schema_type_is_refused() -> None:
    error = refused(plan_with(), {"s": "varchar"})
    assert error.path == "schema.s" and "logical type" in error.message


def test_parse_pipeline_paths_start_at_the_pipeline() -> None:
    with pytest.raises(DslError) as caught:
        parse_pipeline({"target": "o", "source": "s", "ops": [{"op": "trim"}, {"op": "case", "to": "up"}]}, SCHEMA)
    assert caught.value.path == "ops[1].to"


# Regex constructs the three engines do not read alike: (pattern, construct named, position)
REGEX_REFUSALS: list[tuple[str, str, int]] = [
    ("a*?", "a lazy quantifier", 2),
    ("a+?b", "a lazy quantifier", 2),
    ("a{2,3}?", "a lazy quantifier", 6),
    ("a++", "a possessive quantifier", 2),
    (r"(a)\1", "a backreference", 3),
    ("(?P<year>[0-9]{4})", "a named group", 0),
    ("(?P=year)", "a backreference", 0),
    ("x(?=y)", "a lookahead", 1),
    ("x(?!y)", "a lookahead", 1),
    ("(?<=x)y", "a lookbehind", 0),
    ("(?<!x)y", "a lookbehind", 0),
    ("(?i)abc", "an inline flag", 0),
    ("a(?s:.)", "an inline flag", 1),
    ("(?>ab)", "an atomic group", 0),
    ("(?#note)a", "a comment", 0),
    (r"\bword", "a word boundary", 0),
    (r"a\B", "a non-boundary", 1),
    (r"\Aa", r"\A", 0),
    (r"a\Z", r"\Z", 1),
    (r"\p{L}+", "a Unicode property", 0),
    (r"[\P{L}]", "a Unicode property", 1),
    (r"\x41", "a character by code", 0),
    (r"\u00e9", "a character by code", 0),
    ("é", "a non-ASCII character", 0),
    ("[à-ü]", "a non-ASCII character", 1),
    ("[[:alpha:]]", "a POSIX class", 1),
    ("x|[xy]z", "the engines would match differently (two branches", 6),
    ("a?(ab)?", "the engines would match differently (a repetition", 5),
    (".*x", "the engines would match differently (a repetition", 2),
    ("[0-9]*[0-9]", "the engines would match differently (a repetition", 10),
    ("(a*)*", "the engines would match differently (a repeated part that can match nothing", 4),
    # Found by the equivalence property test: on "c", RE2 and Rust match "" (the first branch), PostgreSQL "c".
    ("a{0,3}|c{0,3}", "the engines would match differently (two branches of an alternation that can both", 6),
    ("(?:x?|y?)z", "the engines would match differently (two branches of an alternation that can both", 8),
    ("a{256}", "a repetition bound above 255", 1),
]


@pytest.mark.parametrize(("pattern", "construct", "position"), REGEX_REFUSALS, ids=[c[0] for c in REGEX_REFUSALS])
def test_regex_construct_is_refused_with_its_position(pattern: str, construct: str, position: int) -> None:
    error = refused(plan_with({"op": "regex_extract", "pattern": pattern}))
    assert error.path == "pipelines[0].ops[0].pattern"
    assert "regex_extract refuses" in error.message
    assert construct in error.message, error.message
    assert f"at position {position}" in error.message, error.message
