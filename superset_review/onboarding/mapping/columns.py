"""The columns a mapping reads and writes, as the strategies see them: read once from the catalog and target schema
artifact bodies (the preamble's shapes), with the header tokens domaining uses and the units a header names.

The bodies are artifacts the run stored, but they are still data: every field is read defensively (a missing or
mistyped field is treated as absent, a long text is cut), so a strange catalog gives fewer candidates, never an
exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from superset_review.domains.classify import expanded_tokens
from superset_review.domains.units import UNITS

LOGICAL_DTYPES = frozenset({"string", "integer", "float", "boolean", "date", "timestamp"})
NUMERIC = frozenset({"integer", "float"})
TEMPORAL = frozenset({"date", "timestamp"})
MAX_COLUMNS = 2_000  # per side: a wider table is cut (the catalog of a 200-column table is the target)
MAX_NAME = 255

# Header token -> unit code, for cues a header may carry alone (``weight_lb``). One-letter cues ("m", "g", "s") are
# too ambiguous inside a header, as domaining decides too (units.SHORT_CUES); so is "in" (``check_in_date``).
_NOT_A_HEADER_UNIT = frozenset({"in"})
_UNIT_OF_TOKEN: dict[str, str] = {
    cue: unit.code
    for unit in UNITS.values()
    for cue in sorted(unit.cues)
    if (len(cue) > 1 or not cue.isascii()) and cue not in _NOT_A_HEADER_UNIT
}
# Units the DSL's unit_convert converts, by dimension (domains/units.py names them; currency, ratio, area, data
# and speed are not the DSL's).
CONVERTIBLE_DIMENSIONS = frozenset({"mass", "length", "duration", "temperature", "volume"})


def _text(value: object, limit: int = MAX_NAME) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _fraction(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(max(float(value), 0.0), 1.0)


def _dtype(value: object) -> str:
    return value if isinstance(value, str) and value in LOGICAL_DTYPES else "string"


def header_units(tokens: Sequence[str]) -> tuple[str, ...]:
    """The unit codes a header's tokens name (``weight_lb`` -> lb), in header order, each once."""
    found: list[str] = []
    for token in tokens:
        code = _UNIT_OF_TOKEN.get(token)
        if code is not None and code not in found and UNITS[code].dimension in CONVERTIBLE_DIMENSIONS:
            found.append(code)
    return tuple(found)


def _stem(tokens: Sequence[str], units: Sequence[str]) -> tuple[str, ...]:
    """The tokens without the unit cues: ``weight_lb`` and ``weight_kg`` share the stem ``weight``."""
    cues = {cue for code in units for cue in UNITS[code].cues}
    stem = tuple(token for token in tokens if token not in cues)
    return stem or tuple(tokens)


@dataclass(frozen=True)
class SourceColumn:
    name: str  # standardized: what the Sample Pack and the DSL call it
    original_name: str
    dtype: str
    domain: str | None
    domain_confidence: float
    pii: str | None
    minimum: str | None
    maximum: str | None
    tokens: tuple[str, ...]
    stem: tuple[str, ...]
    units: tuple[str, ...]


@dataclass(frozen=True)
class TargetColumn:
    name: str
    dtype: str
    domain: str | None
    pii: str | None
    required: bool
    tokens: tuple[str, ...]
    stem: tuple[str, ...]
    units: tuple[str, ...]


def _tokens(*names: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        for token in expanded_tokens(name):
            if token not in out:
                out.append(token)
    return tuple(out)


def source_columns(catalog_body: Mapping[str, Any]) -> list[SourceColumn]:
    """The columns of the catalog's first table (a file or a table is one table; a query too)."""
    tables = catalog_body.get("tables")
    if not isinstance(tables, list) or not tables or not isinstance(tables[0], Mapping):
        return []
    columns = tables[0].get("columns")
    out: list[SourceColumn] = []
    seen: set[str] = set()
    for entry in columns[:MAX_COLUMNS] if isinstance(columns, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name = _text(entry.get("name"))
        if name is None or name in seen:
            continue
        seen.add(name)
        original = _text(entry.get("original_name")) or name
        tokens = _tokens(name, original) if original != name else _tokens(name)
        units = header_units(tokens)
        out.append(
            SourceColumn(
                name=name,
                original_name=original,
                dtype=_dtype(entry.get("dtype")),
                domain=_text(entry.get("domain"), 120),
                domain_confidence=_fraction(entry.get("domain_confidence")) or 0.0,
                pii=_text(entry.get("pii"), 40),
                minimum=_text(entry.get("min"), 100),
                maximum=_text(entry.get("max"), 100),
                tokens=tokens,
                stem=_stem(tokens, units),
                units=units,
            )
        )
    return out


def target_columns(target_body: Mapping[str, Any]) -> list[TargetColumn]:
    columns = target_body.get("columns")
    out: list[TargetColumn] = []
    seen: set[str] = set()
    for entry in columns[:MAX_COLUMNS] if isinstance(columns, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name = _text(entry.get("name"))
        if name is None or name in seen:
            continue
        seen.add(name)
        tokens = _tokens(name)
        units = header_units(tokens)
        out.append(
            TargetColumn(
                name=name,
                dtype=_dtype(entry.get("dtype")),
                domain=_text(entry.get("domain"), 120),
                pii=_text(entry.get("pii"), 40),
                required=entry.get("required") is True,
                tokens=tokens,
                stem=_stem(tokens, units),
                units=units,
            )
        )
    return out


def source_schema(sources: Sequence[SourceColumn]) -> dict[str, str]:
    """What ``transform_dsl.parse_pipeline`` types a pipeline with: input column -> logical dtype."""
    return {column.name: column.dtype for column in sources}
