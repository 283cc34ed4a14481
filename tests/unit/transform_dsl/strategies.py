"""Hypothesis strategies for the equivalence tests: rows of every logical type (NULLs, NaN, ±inf, huge and tiny
numbers, non-ASCII text, dates of four-digit years) and plans of random valid operations with valid parameters,
random regular expressions among them (kept when the portable flavour accepts them)."""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import strategies as st

from superset_review.transform_dsl import DSL_VERSION, DslError, parse_pipeline
from superset_review.transform_dsl.regex import RegexRefused, portable_regex
from superset_review.transform_dsl.semantics import CASTS, UNITS

# The input columns of every generated plan; "rid" numbers the rows so that results can be compared in order.
SCHEMA: dict[str, str] = {
    "rid": "integer",
    "s1": "string",
    "s2": "string",
    "i1": "integer",
    "f1": "float",
    "b1": "boolean",
    "d1": "date",
    "t1": "timestamp",
}
ALPHABET = "abcAB xyz012389-.,;:/_\t\n\r()éßİıÄ€"
TEXTS = [
    "", " ", "12", "-3", "+007", "1.5e3", "-.5", "7.", "1e999", "NaN", "inf", "2024-02-29", "2023-02-29",
    "2024-01-31 10:11:12", "29/02/2024", "31/04/2024 23:59", "0000-01-01", "TRUE", "no", "Yes", "0", "1",
    "M", "F", "?", " x ", "555-1234", "(555) 123-4567", "a,b,,c", "a;b ; c", "ab  cd\tef", "ÉCOLE", "straße",
]  # fmt: skip
FLOATS = [0.0, -0.0, 0.5, 2.25, -2.5, 0.15, 1e150, 1e-150, 1.5e150, 1e-151, 1e200, 1e-200, 2.0**53, 2.0**53 + 2]
INTEGERS = [0, 1, -1, 2, 10, 2**53 + 1, -(2**62), 2**62]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M:%S", "%m-%d-%Y %H:%M:%S"]
SPLIT_PATTERNS = [",", ";", r"\s+", r"\s*;\s*", "-", r"[,;]", "ab", r"\.", "[0-9]+"]

texts = st.one_of(st.none(), st.text(alphabet=ALPHABET, max_size=14), st.sampled_from(TEXTS))
integers = st.one_of(st.none(), st.integers(-(10**6), 10**6), st.sampled_from(INTEGERS))
floats = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(FLOATS))
dates = st.one_of(st.none(), st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)))
timestamps = st.one_of(
    st.none(), st.datetimes(datetime.datetime(1000, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59))
)
VALUES = {"s1": texts, "s2": texts, "i1": integers, "f1": floats, "b1": st.one_of(st.none(), st.booleans()),
          "d1": dates, "t1": timestamps}  # fmt: skip


@st.composite
def rows(draw: Any, min_size: int = 1, max_size: int = 40) -> list[list[Any]]:
    count = draw(st.integers(min_size, max_size))
    return [[rid, *(draw(VALUES[name]) for name in list(SCHEMA)[1:])] for rid in range(count)]


# --- regular expressions ---------------------------------------------------------------------------------------

ATOMS = ["a", "b", "c", "x", "0", "1", "-", " ", r"\.", ",", "[ab]", "[^a]", "[a-c]", "[0-9]", r"\d", r"\s", r"\w", "."]
QUANTIFIERS = ["", "", "", "*", "+", "?", "{1,2}", "{2}", "{0,3}"]


def _regex(depth: int) -> st.SearchStrategy[str]:
    piece: st.SearchStrategy[str] = st.builds(lambda a, q: a + q, st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS))
    if depth > 0:
        group = st.builds(
            lambda kind, body, q: f"{kind}{body})" + q,
            st.sampled_from(["(", "(?:"]),
            _regex(depth - 1),
            st.sampled_from(QUANTIFIERS),
        )
        piece = st.one_of(piece, group)
    sequence = st.lists(piece, min_size=1, max_size=4).map("".join)
    return st.one_of(sequence, st.builds(lambda a, b: f"{a}|{b}", sequence, sequence))


def _accepted(pattern: str) -> bool:
    try:
        portable_regex(pattern)
    except RegexRefused:
        return False
    return True


regexes = st.builds(
    lambda start, body, end: start + body + end,
    st.sampled_from(["", "", "^"]),
    _regex(2),
    st.sampled_from(["", "", "$"]),
).filter(_accepted)


# --- operations and plans --------------------------------------------------------------------------------------


@st.composite
def string_op(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["trim", "case", "collapse_whitespace", "regex_extract", "regex_split", "concat",
                                 "map_dict", "date_parse", "type_cast"]))  # fmt: skip
    if kind == "trim":
        return {"op": "trim", "side": draw(st.sampled_from(["both", "left", "right"]))}
    if kind == "case":
        return {"op": "case", "to": draw(st.sampled_from(["upper", "lower"]))}
    if kind == "collapse_whitespace":
        return {"op": "collapse_whitespace"}
    if kind == "regex_extract":
        pattern = draw(regexes)
        checked = portable_regex(pattern)
        steady = [g for g in range(checked.groups + 1) if g not in checked.unsteady_groups]
        return {"op": "regex_extract", "pattern": pattern, "group": draw(st.sampled_from(steady))}
    if kind == "regex_split":
        pattern = draw(st.one_of(st.sampled_from(SPLIT_PATTERNS), regexes))
        return {"op": "regex_split", "pattern": pattern, "index": draw(st.integers(0, 3))}
    if kind == "concat":
        return concat_op(draw)
    if kind == "map_dict":
        keys = draw(st.lists(st.sampled_from([*TEXTS, "a", "b", "ab", "A"]), min_size=1, max_size=6, unique=True))
        values = [draw(st.one_of(st.none(), st.sampled_from(["x", "y", "", "€"]))) for _ in keys]
        return {"op": "map_dict", "mapping": dict(zip(keys, values, strict=True)),
                "default": draw(st.sampled_from(["keep", "null"]))}  # fmt: skip
    if kind == "date_parse":
        return {"op": "date_parse", "format": draw(st.sampled_from(DATE_FORMATS))}
    return {"op": "type_cast", "to": draw(st.sampled_from(sorted(CASTS["string"])))}


def concat_op(draw: Any) -> dict[str, Any]:
    parts = draw(
        st.lists(
            st.one_of(
                st.builds(lambda c: {"column": c}, st.sampled_from(["s2", "i1", "b1", "d1", "t1"])),
                st.builds(lambda t: {"literal": t}, st.text(alphabet=ALPHABET, max_size=4)),
            ),
            min_size=1,
            max_size=3,
        )
    )
    return {"op": "concat", "parts": parts, "separator": draw(st.sampled_from(["", " ", "-", "|"]))}


@st.composite
def number_op(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["unit_convert", "safe_math", "safe_math", "type_cast"]))
    if kind == "unit_convert":
        source = draw(st.sampled_from(sorted(UNITS)))
        same = sorted(name for name, unit in UNITS.items() if unit.dimension == UNITS[source].dimension)
        return {"op": "unit_convert", "from": source, "to": draw(st.sampled_from(same))}
    if kind == "type_cast":
        return {"op": "type_cast", "to": draw(st.sampled_from(["integer", "float", "boolean", "string"]))}
    fn = draw(st.sampled_from(["add", "sub", "mul", "div", "round", "abs", "neg"]))
    if fn == "round":
        return {"op": "safe_math", "fn": fn, "digits": draw(st.integers(0, 4))}
    if fn in ("abs", "neg"):
        return {"op": "safe_math", "fn": fn}
    operand = draw(
        st.one_of(
            st.builds(lambda c: {"column": c}, st.sampled_from(["i1", "f1"])),
            st.sampled_from([1, 2, 3, 10, -7, 0.5, 0.1, 1e-3, 2.54, 1e100]),
        )
    )
    return {"op": "safe_math", "fn": fn, "operand": operand}


@st.composite
def other_op(draw: Any, dtype: str) -> dict[str, Any]:
    choices = ["type_cast", "concat"] + (["date_format"] if dtype in ("date", "timestamp") else [])
    kind = draw(st.sampled_from(choices))
    if kind == "concat":
        return concat_op(draw)
    if kind == "date_format":
        formats = DATE_FORMATS if dtype == "timestamp" else ["%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"]
        return {"op": "date_format", "format": draw(st.sampled_from(formats))}
    return {"op": "type_cast", "to": draw(st.sampled_from(sorted(CASTS[dtype])))}


@st.composite
def pipelines(draw: Any, target: str) -> dict[str, Any]:
    source = draw(st.sampled_from([name for name in SCHEMA if name != "rid"]))
    pipeline: dict[str, Any] = {"target": target, "source": source, "ops": []}
    dtype = SCHEMA[source]
    for _ in range(draw(st.integers(1, 6))):
        if dtype == "string":
            op = draw(string_op())
        elif dtype in ("integer", "float"):
            op = draw(number_op())
        else:
            op = draw(other_op(dtype))
        candidate = {**pipeline, "ops": [*pipeline["ops"], op]}
        try:
            dtype = parse_pipeline(candidate, SCHEMA).output_type
        except DslError:
            continue  # e.g. concat of a float column: the generator keeps to valid plans
        pipeline = candidate
    return pipeline


@st.composite
def plans(draw: Any) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    generated = [draw(pipelines(f"t{index}")) for index in range(count)]
    return {"dsl_version": DSL_VERSION, "pipelines": [{"target": "rid", "source": "rid", "ops": []}, *generated]}


REGEX_TEXT = "abcx01 -.,\n\tA9é"
regex_texts = st.one_of(st.none(), st.text(alphabet=REGEX_TEXT, max_size=16))


@st.composite
def regex_plans(draw: Any) -> dict[str, Any]:
    """Several regex_extract and regex_split pipelines over s1 (each with a random accepted pattern)."""
    generated: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 4))):
        pattern = draw(regexes)
        checked = portable_regex(pattern)
        if draw(st.booleans()) or checked.nullable or checked.groups:
            steady = [g for g in range(checked.groups + 1) if g not in checked.unsteady_groups]
            op = {"op": "regex_extract", "pattern": pattern, "group": draw(st.sampled_from(steady))}
        else:
            op = {"op": "regex_split", "pattern": pattern, "index": draw(st.integers(0, 3))}
        generated.append({"target": f"r{index}", "source": "s1", "ops": [op]})
    return {"dsl_version": DSL_VERSION, "pipelines": [{"target": "rid", "source": "rid", "ops": []}, *generated]}


@st.composite
def regex_rows(draw: Any) -> list[list[Any]]:
    count = draw(st.integers(1, 60))
    return [[rid, draw(regex_texts), None, None, None, None, None, None] for rid in range(count)]
