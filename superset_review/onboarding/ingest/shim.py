"""The standardization shim: the DSL plan (``transform_dsl``, version 1.0.0) applied to every source at ingest.

Per source column one pipeline, from the column as read to its standardized name:

- **names**: snake_case ASCII (camelCase split, Cyrillic transliterated, anything else that is not a letter or a
  digit becomes ``_``), at most 63 characters (PostgreSQL's identifiers), not starting with a digit; unique in the
  table, a later collision gets ``_2``, ``_3``...;
- **text**: ``trim`` and ``collapse_whitespace`` (a typed column is trimmed only);
- **types**: a text column whose every non-blank value is an integer, a decimal number, ``true``/``false``, an ISO
  (or ``dd.mm.yyyy``, ``yyyy/mm/dd``) date, or an ISO timestamp becomes that type (``type_cast``, ``date_parse``),
  blanks becoming NULL (``map_dict`` ``{"": null}``). An integer written with a leading zero (``007``, a postcode)
  stays text: it is a code, not a number.

Types are guessed on the first rows (:func:`guess_types`) and then proved on the whole column while the catalog's
statistics are computed: a column where any value fails its conversion is read as text instead (the stage's
second pass). Nothing here reads a file: the plan is data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superset_review.extension.lazy import LazyModule
from superset_review.extension.linear_regex import compile_linear
from superset_review.transform_dsl import DSL_VERSION

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

NAME_MAX = 63
GUESS_ROWS = 10_000
LOGICAL_TYPES = ("string", "integer", "float", "boolean", "date", "timestamp")

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g"],
    strict=True,
))  # fmt: skip
_CAMEL_LOWER_UPPER = compile_linear(r"([a-z0-9])([A-Z])")
_CAMEL_ACRONYM = compile_linear(r"([A-Z]+)([A-Z][a-z])")
_NOT_WORD = compile_linear(r"[^a-z0-9]+")

# Whole-value shapes of text that is really another type (Rust's regex engine in Polars: linear time).
INTEGER = r"^[+-]?(0|[1-9][0-9]{0,17})$"
FLOAT = r"^[+-]?((0|[1-9][0-9]{0,17})(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"  # no leading zero either
BOOLEAN = r"^(?i:true|false)$"
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "%Y-%m-%d"),
    (r"^[0-9]{2}\.[0-9]{2}\.[0-9]{4}$", "%d.%m.%Y"),
    (r"^[0-9]{4}/[0-9]{2}/[0-9]{2}$", "%Y/%m/%d"),
)
TIMESTAMP_FORMATS: tuple[tuple[str, str], ...] = (
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$", "%Y-%m-%d %H:%M:%S"),
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", "%Y-%m-%dT%H:%M:%S"),
)


@dataclass(frozen=True)
class Guess:
    """What a text column holds: a logical type and, for dates and timestamps, the format that parses it."""

    dtype: str = "string"
    format: str | None = None


TEXT = Guess()


def standard_name(name: str, position: int) -> str:
    """``name`` as snake_case ASCII; ``column_<position>`` when nothing of it survives."""
    text = _transliterated(name[:500])
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _CAMEL_ACRONYM.sub(r"\1_\2", text)
    text = _CAMEL_LOWER_UPPER.sub(r"\1_\2", text)
    text = _NOT_WORD.sub("_", text.lower()).strip("_")
    if not text:
        return f"column_{position}"
    if text[0].isdigit():
        text = f"c_{text}"
    return text[:NAME_MAX].rstrip("_")


def _transliterated(name: str) -> str:
    """Cyrillic letters in Latin, keeping their case (so ``ДатаРождения`` splits like camelCase)."""
    letters: list[str] = []
    for char in name:
        latin = _CYRILLIC.get(char.lower())
        letters.append(char if latin is None else latin.capitalize() if char != char.lower() else latin)
    return "".join(letters)


def standard_names(names: Sequence[str]) -> list[str]:
    """Standard names, unique in order: a later collision gets ``_2``, ``_3``... (cut to fit NAME_MAX)."""
    taken: set[str] = set()
    result: list[str] = []
    for position, name in enumerate(names, start=1):
        base = standard_name(name, position)
        candidate, counter = base, 1
        while candidate in taken:
            counter += 1
            suffix = f"_{counter}"
            candidate = base[: NAME_MAX - len(suffix)] + suffix
        taken.add(candidate)
        result.append(candidate)
    return result


def guess_types(head: pl.DataFrame, columns: Sequence[str]) -> dict[str, Guess]:
    """The type each text column of ``head`` (the first rows) looks wholly like, in one pass over the head."""
    checks: list[pl.Expr] = []
    for index, name in enumerate(columns):
        value = pl.col(name).str.strip_chars(" \t\r\n")
        present = value.is_not_null() & (value != "")
        shapes = {"integer": INTEGER, "float": FLOAT, "boolean": BOOLEAN}
        shapes |= {f"date{i}": pattern for i, (pattern, _) in enumerate(DATE_FORMATS)}
        shapes |= {f"timestamp{i}": pattern for i, (pattern, _) in enumerate(TIMESTAMP_FORMATS)}
        checks.append(present.sum().alias(f"{index}:present"))
        for shape, pattern in shapes.items():
            checks.append((present & value.str.contains(pattern)).sum().alias(f"{index}:{shape}"))
    if not checks:
        return {}
    counts = head.select(checks).row(0, named=True)
    guesses: dict[str, Guess] = {}
    for index, name in enumerate(columns):
        present = counts[f"{index}:present"]
        guesses[name] = _guess(present, {key.split(":", 1)[1]: value for key, value in counts.items()
                                         if key.startswith(f"{index}:")})  # fmt: skip
    return guesses


def _guess(present: int, counts: Mapping[str, int]) -> Guess:
    if present == 0:
        return TEXT
    if counts["integer"] == present:
        return Guess("integer")
    if counts["float"] == present:
        return Guess("float")
    if counts["boolean"] == present:
        return Guess("boolean")
    for index, (_, date_format) in enumerate(DATE_FORMATS):
        if counts[f"date{index}"] == present:
            return Guess("date", date_format)
    for index, (_, timestamp_format) in enumerate(TIMESTAMP_FORMATS):
        if counts[f"timestamp{index}"] == present:
            return Guess("timestamp", timestamp_format)
    return TEXT


def _ops(source_dtype: str, guess: Guess) -> list[dict[str, Any]]:
    if source_dtype != "string":
        return []
    if guess.dtype == "string":
        return [{"op": "trim"}, {"op": "collapse_whitespace"}]
    # A number, boolean or date has no inner whitespace to collapse (one that had would not convert): trimmed only.
    ops: list[dict[str, Any]] = [{"op": "trim"}, {"op": "map_dict", "mapping": {"": None}, "default": "keep"}]
    if guess.format is not None:
        ops.append({"op": "date_parse", "format": guess.format})
    else:
        ops.append({"op": "type_cast", "to": guess.dtype})
    return ops


def build_plan(columns: Sequence[str], source_types: Mapping[str, str], guesses: Mapping[str, Guess]) -> dict[str, Any]:
    """The shim's DSL plan: ``columns`` (as read, in order) to their standard names, text cleaned and typed."""
    targets = standard_names(columns)
    pipelines = [
        {"target": target, "source": source, "ops": _ops(source_types[source], guesses.get(source, TEXT))}
        for source, target in zip(columns, targets, strict=True)
    ]
    return {"dsl_version": DSL_VERSION, "pipelines": pipelines}


def output_type(source_dtype: str, guess: Guess) -> str:
    """The logical type a pipeline of :func:`build_plan` outputs."""
    return guess.dtype if source_dtype == "string" else source_dtype
