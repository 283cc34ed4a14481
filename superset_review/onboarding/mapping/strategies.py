"""Rule proposals: per target column, the candidate pipelines that could fill it from the source columns.

Five strategies, each a DSL pipeline (the preamble's JSON) validated with ``transform_dsl.parse_pipeline``:

- **atomic**: one source column of the same domain or a close name, as it is (or with a cast its type needs);
- **type_alignment**: the same, where the types differ: dates written as text get ``date_parse`` with the format
  sniffed from the Sample Pack (or the catalog's min and max), numbers written as text a ``trim`` and a
  ``type_cast``;
- **unit**: the headers (or domains) name two units of one dimension (``weight_lb`` -> ``weight_kg``):
  ``unit_convert``;
- **compose**: the target's domain has components (``person.full_name`` = first + last name) and the source has a
  column of each: ``concat`` with the domain's separator;
- **decompose**: the target's domain is a component of a source column's (first name from a full name): the first
  part by ``regex_split`` index 0, the last by ``regex_extract`` of the last part, a middle one by its index.

The source columns are indexed once (by domain, by header token, and one rapidfuzz pass of every target name
against every source name, in C), so 200 targets against 200 sources cost a few milliseconds before the DSL's
parser validates the candidates; heavy scorers run only on the few columns an index returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from superset_review.domains.catalog import Catalog
from superset_review.domains.classify import expanded_tokens
from superset_review.domains.units import UNITS
from superset_review.onboarding.mapping.columns import (
    CONVERTIBLE_DIMENSIONS,
    NUMERIC,
    TEMPORAL,
    SourceColumn,
    TargetColumn,
)
from superset_review.onboarding.mapping.dates import MAX_VALUES as MAX_SNIFFED
from superset_review.onboarding.mapping.dates import SniffedFormat, sniff_format

if TYPE_CHECKING:
    import polars as pl

MIN_CONFIDENCE = 0.5  # a candidate weaker than this is not proposed
MAX_CANDIDATES = 3  # per target, best first: the evaluation on the Sample Pack picks among them
FUZZY_CUTOFF = 80  # rapidfuzz score (0..100) for a name to be looked at without a shared token or domain
EXACT_NAME = 0.97
SAME_STEM = 0.93  # the same header apart from unit cues (weight_lb, weight_kg)
NAME_WEIGHT = 0.85  # a fuzzy name score of 100 on a different header counts this much
DOMAIN_BASE, DOMAIN_WEIGHT = 0.6, 0.35  # same domain: DOMAIN_BASE + DOMAIN_WEIGHT * the source's domain confidence
DOMAIN_CONFLICT = 0.5  # both columns have a domain and they differ: the name score is scaled by this
BOTH_BONUS = 0.1  # name and domain agree: the weaker of the two adds this share
COMPOSE_WEIGHT = 0.85  # a composite built from parts found by domain (times their mean domain confidence floor)
DECOMPOSE_WEIGHT = 0.8
# How a composite of a family writes its parts (person names with spaces, coordinates and addresses with commas).
SEPARATORS = {"person": " "}
DEFAULT_SEPARATOR = ", "
SPLIT_PATTERNS = {" ": " +", ", ": ", *"}

# The DSL's unit name (transform_dsl's unit table) per unit code of domains/units.py, for the dimensions both have;
# the same code except temperatures, which the DSL spells out.
DSL_UNIT_NAMES: dict[str, str] = {
    **{code: code for code, unit in UNITS.items() if unit.dimension in CONVERTIBLE_DIMENSIONS},
    "C": "celsius",
    "F": "fahrenheit",
    "K": "kelvin",
}


@dataclass(frozen=True)
class Candidate:
    target: str
    strategy: str  # atomic | compose | decompose | unit | type_alignment
    sources: tuple[str, ...]
    pipeline: dict[str, Any]  # {"target", "source", "ops"}
    confidence: float
    rationale: tuple[str, ...]
    origin: str = "rules"


@dataclass
class Proposals:
    """Per target (in the target schema's order), its candidates best first; and why a target has none."""

    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    refused: dict[str, list[str]] = field(default_factory=dict)


def _ops_cast(to: str) -> dict[str, Any]:
    return {"op": "type_cast", "to": to}


@dataclass(frozen=True)
class Alignment:
    ops: tuple[dict[str, Any], ...]
    factor: float
    reasons: tuple[str, ...]
    changes_type: bool


def align(source_dtype: str, target_dtype: str, sniffed: SniffedFormat | None) -> Alignment | None:
    """The ops that turn a value of ``source_dtype`` into ``target_dtype`` (and how sure that is), or None when no
    operation of the DSL does it (a boolean is no date)."""
    if source_dtype == target_dtype:
        return Alignment((), 1.0, (), False)
    if source_dtype == "string":
        if target_dtype in TEMPORAL:
            return _parse_dates(target_dtype, sniffed)
        factor = 0.85 if target_dtype == "boolean" else 0.9
        return Alignment(({"op": "trim"}, _ops_cast(target_dtype)), factor, (f"text cast to {target_dtype}",), True)
    if target_dtype == "string":
        if source_dtype in TEMPORAL:
            fmt = "%Y-%m-%d" if source_dtype == "date" else "%Y-%m-%d %H:%M:%S"
            return Alignment(({"op": "date_format", "format": fmt},), 0.85, (f"{source_dtype} written as {fmt}",), True)
        return Alignment((_ops_cast("string"),), 0.95, (f"{source_dtype} written as text",), True)
    if source_dtype in NUMERIC and target_dtype in NUMERIC:
        if target_dtype == "integer":
            ops = ({"op": "safe_math", "fn": "round", "digits": 0}, _ops_cast("integer"))
            return Alignment(ops, 0.85, ("float rounded to an integer",), True)
        return Alignment((_ops_cast("float"),), 0.98, ("integer as float",), True)
    if source_dtype in TEMPORAL and target_dtype in TEMPORAL:
        factor = 0.95 if target_dtype == "timestamp" else 0.9
        return Alignment((_ops_cast(target_dtype),), factor, (f"{source_dtype} cast to {target_dtype}",), True)
    if "boolean" in (source_dtype, target_dtype) and not ({source_dtype, target_dtype} & TEMPORAL):
        return Alignment((_ops_cast(target_dtype),), 0.8, (f"{source_dtype} cast to {target_dtype}",), True)
    return None


def _parse_dates(target_dtype: str, sniffed: SniffedFormat | None) -> Alignment:
    if sniffed is None:
        return Alignment(
            ({"op": "trim"}, _ops_cast(target_dtype)),
            0.75,
            (f"no date format found in the values: cast as ISO {target_dtype}",),
            True,
        )
    ops: list[dict[str, Any]] = [{"op": "trim"}, {"op": "date_parse", "format": sniffed.format}]
    parsed = "timestamp" if sniffed.has_time else "date"
    if parsed != target_dtype:
        ops.append(_ops_cast(target_dtype))
    reasons = [f"dates written as {sniffed.format} ({sniffed.share:.0%} of {sniffed.tried} values)"]
    factor = 0.95
    if sniffed.ambiguous_with:
        reasons.append(f"also readable as {sniffed.ambiguous_with}: day and month order not certain")
        factor = 0.8
    return Alignment(tuple(ops), factor, tuple(reasons), True)


def finishing_ops(output_type: str, target_dtype: str) -> list[dict[str, Any]] | None:
    """What a pipeline whose ops end in ``output_type`` still needs to give ``target_dtype`` (None: nothing can)."""
    if output_type == target_dtype:
        return []
    alignment = align(output_type, target_dtype, None)
    if alignment is None:
        return None
    return [op for op in alignment.ops if op.get("op") != "trim"]


class SourceIndex:
    """The source columns, indexed once for many targets."""

    def __init__(self, sources: Sequence[SourceColumn]) -> None:
        self.sources = list(sources)
        self.by_name = {column.name: column for column in self.sources}
        self.by_domain: dict[str, list[int]] = defaultdict(list)
        self.by_token: dict[str, list[int]] = defaultdict(list)
        for position, column in enumerate(self.sources):
            if column.domain:
                self.by_domain[column.domain].append(position)
            for token in set(column.stem):
                if len(token) > 1 and not token.isdigit():
                    self.by_token[token].append(position)
        self.stem_text = [" ".join(column.stem) for column in self.sources]

    def fuzzy(self, targets: Sequence[TargetColumn]) -> list[set[int]]:
        """Per target, the sources whose stem is within ``FUZZY_CUTOFF`` of its own (one C pass for all pairs)."""
        if not targets or not self.sources:
            return [set() for _ in targets]
        matrix = process.cdist(
            [" ".join(target.stem) for target in targets],
            self.stem_text,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=FUZZY_CUTOFF,
            workers=1,
        )
        return [set(row.nonzero()[0].tolist()) for row in matrix]

    def pool(self, target: TargetColumn, fuzzy: set[int]) -> list[int]:
        found = set(fuzzy)
        if target.domain:
            found.update(self.by_domain.get(target.domain, ()))
        for token in set(target.stem):
            found.update(self.by_token.get(token, ()))
        return sorted(found)


def name_score(source: SourceColumn, target: TargetColumn) -> float:
    if source.name.lower() == target.name.lower() or source.original_name.lower() == target.name.lower():
        return EXACT_NAME
    if source.stem == target.stem:
        return SAME_STEM
    left, right = " ".join(source.stem), " ".join(target.stem)
    blended = (fuzz.token_set_ratio(left, right) + fuzz.token_sort_ratio(left, right)) / 200
    return round(NAME_WEIGHT * blended, 4)


def domain_score(source: SourceColumn, target: TargetColumn) -> float | None:
    """None when either side has no domain; 0 when they differ."""
    if not source.domain or not target.domain:
        return None
    if source.domain != target.domain:
        return 0.0
    return DOMAIN_BASE + DOMAIN_WEIGHT * source.domain_confidence


def match_score(source: SourceColumn, target: TargetColumn) -> tuple[float, list[str]]:
    names = name_score(source, target)
    domains = domain_score(source, target)
    reasons: list[str] = []
    if names >= EXACT_NAME:
        reasons.append("same name")
    elif names >= SAME_STEM:
        reasons.append("same header apart from its unit")
    elif names > 0.5:
        reasons.append(f"close name ({names:.2f})")
    if domains is None:
        return names, reasons
    if domains == 0.0:
        reasons.append(f"domains differ ({source.domain} / {target.domain})")
        return round(names * DOMAIN_CONFLICT, 4), reasons
    reasons.append(f"same domain {target.domain} ({source.domain_confidence:.2f})")
    best, other = max(names, domains), min(names, domains)
    return round(min(0.99, best + BOTH_BONUS * other), 4), reasons


def _unit_step(source: SourceColumn, target: TargetColumn) -> tuple[list[dict[str, Any]], float, list[str]] | None:
    """The unit_convert a pair needs ([] when none), or None when their units cannot be converted."""
    if not target.units or not source.units:
        if target.units and source.dtype in NUMERIC | {"string"}:
            return [], 0.9, [f"the target is in {target.units[0]}; the source's unit is not said"]
        return [], 1.0, []
    to, frm = UNITS[target.units[0]], UNITS[source.units[0]]
    if to.dimension != frm.dimension:
        return None
    if to.code == frm.code:
        return [], 1.0, [f"both in {to.code}"]
    step = {"op": "unit_convert", "from": DSL_UNIT_NAMES[frm.code], "to": DSL_UNIT_NAMES[to.code]}
    return [step], 0.95, [f"{frm.dimension} converted from {frm.code} to {to.code}"]


@dataclass
class _Composites:
    """The catalog's composite domains (those with components) and how headers name them and their parts."""

    parts_of: dict[str, tuple[str, ...]]
    by_alias: dict[tuple[str, ...], str]  # alias tokens -> a composite or a component domain

    @classmethod
    def of(cls, catalog: Catalog) -> _Composites:
        parts_of = {domain.name: domain.components for domain in catalog.domains if domain.components}
        named = set(parts_of) | {part for parts in parts_of.values() for part in parts}
        by_alias: dict[tuple[str, ...], str] = {}
        for name in sorted(named):
            domain = catalog.by_name.get(name)
            if domain is None:
                continue
            for phrase in domain.alias_phrases():
                by_alias.setdefault(expanded_tokens(phrase), name)
        return cls(parts_of, by_alias)

    def domain_of(self, domain: str | None, stem: tuple[str, ...]) -> str | None:
        """The column's domain when it has one, else the composite or part its header names exactly."""
        return domain or self.by_alias.get(stem)


def _separator(domain: str) -> str:
    return SEPARATORS.get(domain.split(".", 1)[0], DEFAULT_SEPARATOR)


class Proposer:
    """Rule proposals for one catalog and target schema (built once; ``propose`` for all targets)."""

    def __init__(
        self,
        sources: Sequence[SourceColumn],
        catalog: Catalog,
        sample: pl.DataFrame | None = None,
    ) -> None:
        self.index = SourceIndex(sources)
        self.catalog = catalog
        self.sample = sample
        self.composites = _Composites.of(catalog)
        self._formats: dict[str, SniffedFormat | None] = {}
        self.source_domains = {
            column.name: self.composites.domain_of(column.domain, column.stem) for column in self.index.sources
        }

    def sniffed(self, source: SourceColumn) -> SniffedFormat | None:
        """The date format of a text column: from the Sample Pack's values, else from the catalog's min and max."""
        if source.name not in self._formats:
            values: list[object] = []
            if self.sample is not None and source.name in self.sample.columns:
                values = self.sample.get_column(source.name).drop_nulls().head(MAX_SNIFFED).to_list()
            if not values:
                values = [value for value in (source.minimum, source.maximum) if value]
            self._formats[source.name] = sniff_format(values)
        return self._formats[source.name]

    def propose(self, targets: Sequence[TargetColumn]) -> list[list[Candidate]]:
        fuzzy = self.index.fuzzy(targets)
        return [self.for_target(target, near) for target, near in zip(targets, fuzzy, strict=True)]

    def for_target(self, target: TargetColumn, fuzzy: set[int]) -> list[Candidate]:
        candidates = [*self._atomic(target, fuzzy), *self._compose(target), *self._decompose(target)]
        best: dict[tuple[str, ...], Candidate] = {}
        for candidate in candidates:
            key = (candidate.strategy, *candidate.sources)
            if candidate.confidence >= MIN_CONFIDENCE and (
                key not in best or best[key].confidence < candidate.confidence
            ):
                best[key] = candidate
        ranked = sorted(best.values(), key=lambda c: (-c.confidence, c.strategy, c.sources))
        return ranked[:MAX_CANDIDATES]

    def _atomic(self, target: TargetColumn, fuzzy: set[int]) -> list[Candidate]:
        out: list[Candidate] = []
        for position in self.index.pool(target, fuzzy):
            source = self.index.sources[position]
            score, reasons = match_score(source, target)
            if score < MIN_CONFIDENCE:
                continue
            unit = _unit_step(source, target)
            if unit is None:
                continue
            unit_ops, unit_factor, unit_reasons = unit
            source_dtype = source.dtype
            ops: list[dict[str, Any]] = []
            factor = unit_factor
            if unit_ops and source_dtype not in NUMERIC:
                ops += [{"op": "trim"}, _ops_cast("float")]
                source_dtype = "float"
                reasons.append("text read as a number before its unit is converted")
            if unit_ops:
                ops += unit_ops
                source_dtype = "float"
            # Only text becoming a date needs its format (sniffing reads the sample's values: not for every pair).
            needs_format = source_dtype == "string" and target.dtype in TEMPORAL
            alignment = align(source_dtype, target.dtype, self.sniffed(source) if needs_format else None)
            if alignment is None:
                continue
            ops += alignment.ops
            factor *= alignment.factor
            strategy = "unit" if unit_ops else "type_alignment" if alignment.changes_type else "atomic"
            out.append(
                Candidate(
                    target.name,
                    strategy,
                    (source.name,),
                    {"target": target.name, "source": source.name, "ops": ops},
                    round(score * factor, 4),
                    (*reasons, *unit_reasons, *alignment.reasons),
                )
            )
        return out

    def _compose(self, target: TargetColumn) -> list[Candidate]:
        composite = self.composites.domain_of(target.domain, target.stem)
        parts = self.composites.parts_of.get(composite or "")
        if not composite or not parts:
            return []
        chosen: list[SourceColumn] = []
        for part in parts:
            found = [
                column
                for column in self.index.sources
                if self.source_domains[column.name] == part and column.dtype == "string"
            ]
            if not found:
                return []
            chosen.append(max(found, key=lambda column: (column.domain_confidence, column.domain == part)))
        separator = _separator(composite)
        first, rest = chosen[0], chosen[1:]
        ops: list[dict[str, Any]] = [
            {"op": "trim"},
            {"op": "concat", "parts": [{"column": column.name} for column in rest], "separator": separator},
        ]
        by_domain = [column for column in chosen if column.domain]
        sureness = min((column.domain_confidence for column in by_domain), default=0.7) if by_domain else 0.7
        confidence = COMPOSE_WEIGHT * (0.8 + 0.2 * sureness)
        reasons = (
            f"{composite} is {' + '.join(parts)}",
            "parts found: " + ", ".join(f"{column.name} ({self.source_domains[column.name]})" for column in chosen),
            f"joined with {separator!r}",
        )
        finish = finishing_ops("string", target.dtype)
        if finish is None:
            return []
        return [
            Candidate(
                target.name,
                "compose",
                tuple(column.name for column in chosen),
                {"target": target.name, "source": first.name, "ops": ops + finish},
                round(confidence, 4),
                reasons,
            )
        ]

    def _decompose(self, target: TargetColumn) -> list[Candidate]:
        part = self.composites.domain_of(target.domain, target.stem)
        if not part:
            return []
        out: list[Candidate] = []
        for composite, parts in self.composites.parts_of.items():
            if part not in parts:
                continue
            position = parts.index(part)
            for column in self.index.sources:
                if self.source_domains[column.name] != composite or column.dtype != "string":
                    continue
                separator = _separator(composite)
                split = SPLIT_PATTERNS[separator]
                ops: list[dict[str, Any]] = [{"op": "trim"}, {"op": "collapse_whitespace"}]
                if position == len(parts) - 1 and separator == " ":
                    # A middle name moves the last part: take whatever follows the last space.
                    ops.append({"op": "regex_extract", "pattern": "([^ ]+)$", "group": 1})
                    how = "the last space-separated part"
                else:
                    ops.append({"op": "regex_split", "pattern": split, "index": position})
                    how = f"part {position} split on {split!r}"
                finish = finishing_ops("string", target.dtype)
                if finish is None:
                    continue
                sureness = column.domain_confidence if column.domain else 0.7
                out.append(
                    Candidate(
                        target.name,
                        "decompose",
                        (column.name,),
                        {"target": target.name, "source": column.name, "ops": ops + finish},
                        round(DECOMPOSE_WEIGHT * (0.8 + 0.2 * sureness), 4),
                        (f"{part} is part of {composite} ({column.name})", f"taken as {how}"),
                    )
                )
        return out


def strategy_of(pipeline: Mapping[str, Any]) -> str:
    """The strategy a pipeline written elsewhere (the LLM, a person) follows, read from its operations."""
    names = [op.get("op") for op in pipeline.get("ops") or [] if isinstance(op, Mapping)]
    reads_others = any(
        isinstance(part, Mapping) and "column" in part
        for op in pipeline.get("ops") or []
        if isinstance(op, Mapping) and op.get("op") == "concat"
        for part in op.get("parts") or []
    )
    if "unit_convert" in names:
        return "unit"
    if reads_others:
        return "compose"
    if "regex_split" in names or "regex_extract" in names:
        return "decompose"
    if "date_parse" in names or "type_cast" in names or "date_format" in names:
        return "type_alignment"
    return "atomic"
