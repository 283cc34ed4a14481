"""Schema evolution between runs into one target: the diff of two Standard Schema Catalogs, the migration rule each
change calls for, and the decision a run's schema-change policy gives for it. Pure: no Flask app, no database (the
command ``commands/schema_diff.py`` reads the runs and calls this).

**The diff.** Columns are the catalog's first table's, matched by their standardized ``name``. A name only in the
previous catalog is *removed*, one only in the current is *added*, one in both with another logical type is *type
changed*: **widening** when every value of the old type has a value of the new one (:data:`WIDENING`: an integer
becomes a float, a date a timestamp, anything text), else **breaking** (a text becomes a number, a float an integer,
a timestamp a date).

**Renames** are looked for between the removed and the added columns: each pair is scored on the evidence the two
catalogs (and the Sample Packs, when the runs have them) keep:

- ``name``: the header tokens as domaining reads them (camelCase and separators split, abbreviations spelled out:
  ``cust_no`` is ``customer number``); the same tokens joined (``CUSTOMERID`` and ``customer_id``) score 0.95, the
  two headers naming one domain of the catalog by its aliases in any language (``City`` and ``Город``) 0.9, else the
  best of the tokens' Jaccard and their edit similarity (rapidfuzz);
- ``domain``: the Domains stage gave both the same domain (1) or two different ones (0, and the pair is damped);
- ``values``: the share of the smaller side's distinct values found on the other side (the overlap coefficient, as
  samples of two files are of different sizes), values read as text with numbers and midnight timestamps in one
  form; for numbers and dates also how much the two ``[min, max]`` ranges overlap. A zero overlap counts only when
  both sides show every distinct value their column has (a closed set): two months of a high-cardinality column
  need not share a value;
- ``type``: the same logical type (1), a widening (0.7), a breaking change (0.2);
- ``profile``: how alike the null rates and the shares of distinct values are.

The confidence is the weighted mean of the evidence there is (:data:`WEIGHTS`), damped when the domains differ. A
pair at :data:`RENAME_MIN` or above may be a rename; the renames are then chosen one-to-one by the assignment of
greatest total confidence (the Hungarian method, per group of linked candidates), so no column is renamed twice and
two candidates for one old column do not both win. A rename below :data:`RENAME_AUTO` is still reported but asks a
person to confirm it; a pair below :data:`RENAME_MIN` stays a removal plus an addition (``possible_renames`` names
the best such pair of each column). Every pair is scored up to :data:`MAX_SCORED_PAIRS`; past that (a header
rewritten wholesale) only pairs that share a word, a domain or a value, or spell alike.

**Rules.** Per change, what the previous run's mapping plan needs: a rename maps the new name (the pipelines read
it), a widening type change casts the column back to the type the pipeline was written for, a breaking one
re-validates the mappings that read it (the command runs them on this run's Sample Pack), a removed column marks
its mappings broken, an added column is propagated or ignored by the policy.

**Policies**, as the best loaders offer them (Airbyte's four; dlt's contracts freeze or evolve): ``propagate``
applies every change that breaks no mapping; ``propagate_columns`` applies added and removed columns only, so a
rename or a type change waits for a person; ``approve_manually`` waits for a person on any change; ``stop`` stops on
any change. Whatever the policy, a mapping the change breaks (a removed column it reads, a re-validation that is not
``accept``, a rename to confirm) waits for a person, and no change at all proceeds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate
from rapidfuzz import fuzz, process

from superset_review.domains.classify import expanded_tokens
from superset_review.extension.i18n import Text

if TYPE_CHECKING:
    from superset_review.domains.catalog import Catalog

EVOLUTION_VERSION = 1
RENAME_MIN = 0.6  # below: a removal and an addition, not a rename
RENAME_AUTO = 0.8  # from here a rename is applied without a person (under a policy that propagates it)
DIFFERENT_DOMAIN_DAMPING = 0.6  # both columns domained, to different domains: unlikely one column
WEIGHTS: dict[str, float] = {"name": 0.4, "domain": 0.2, "values": 0.25, "type": 0.05, "profile": 0.1}
MAX_COLUMNS = 2_000  # per catalog, as the mapping stage reads them
MAX_VALUES = 1_000  # distinct values per column compared
MAX_VALUE_CHARS = 120
MAX_SCORED_PAIRS = 10_000  # removed x added pairs all scored; past it, only pairs sharing something (see below)
MAX_KEY_HITS = 50  # added columns one shared word, domain or value may link a removed column to
NAME_NEIGHBOURS = 5
MAX_PAIRS_OPTIMAL = 2_500  # pairs of one group of candidates solved exactly (O(n^3)); a larger group greedily
LOGICAL_TYPES = ("string", "integer", "float", "boolean", "date", "timestamp")
ORDERED = frozenset({"integer", "float", "date", "timestamp"})

# old type -> new type changes under which every old value has a value of the new type: the mapping keeps working
# once the column is cast back to the type its pipeline was written for. Every other change of logical type is
# breaking. (Same-type changes of the physical type, BIGINT for INT, are not changes of the catalog's type.)
WIDENING: frozenset[tuple[str, str]] = frozenset(
    {
        ("integer", "float"),
        ("integer", "string"),
        ("float", "string"),
        ("boolean", "integer"),
        ("boolean", "string"),
        ("date", "timestamp"),
        ("date", "string"),
        ("timestamp", "string"),
    }
)


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    TYPE_CHANGED = "type_changed"
    RENAMED = "renamed"


class TypeChange(StrEnum):
    WIDENING = "widening"
    BREAKING = "breaking"


class RuleAction(StrEnum):
    MAP_NEW_NAME = "map_new_name"  # a rename: the mapping plan reads the new name
    CAST = "cast"  # a widening: a type_cast back to the type the pipeline was written for
    REVALIDATE = "revalidate"  # a breaking type change: the mappings are run again on this run's sample
    MARK_BROKEN = "mark_broken"  # a removed column: the mappings that read it are broken
    PROPAGATE = "propagate"  # an added column becomes a source the mapping may use
    IGNORE = "ignore"  # an added column is left out until a person approves the change


class Policy(StrEnum):
    PROPAGATE = "propagate"
    PROPAGATE_COLUMNS = "propagate_columns"
    APPROVE_MANUALLY = "approve_manually"
    STOP = "stop"


DEFAULT_POLICY = Policy.APPROVE_MANUALLY


class Decision(StrEnum):
    PROCEED = "proceed"
    PROCEED_COLUMNS_ONLY = "proceed_columns_only"
    WAIT_FOR_APPROVAL = "wait_for_approval"
    STOP = "stop"


class PolicySchema(Schema):
    """The schema-change policy of a run's migration (a query argument of ``schema_diff``, a field of the migration's
    body)."""

    policy = fields.String(
        validate=validate.OneOf([policy.value for policy in Policy]),
        metadata={
            "description": "propagate | propagate_columns | approve_manually | stop (absent: the run's "
            "migration's, else approve_manually)"
        },
    )


def type_change(old: str, new: str) -> TypeChange | None:
    """Widening or breaking; None when the logical type did not change."""
    if old == new:
        return None
    return TypeChange.WIDENING if (old, new) in WIDENING else TypeChange.BREAKING


# --- columns ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One catalog column as the diff reads it (every field read defensively: a catalog is stored data)."""

    name: str
    original_name: str
    dtype: str
    physical_type: str | None = None
    domain: str | None = None
    null_rate: float | None = None
    distinct_share: float | None = None  # distinct estimate over the row count
    distinct_estimate: int | None = None
    minimum: str | None = None
    maximum: str | None = None
    values: frozenset[str] = frozenset()
    tokens: tuple[str, ...] = ()  # of both names, each once
    words: tuple[str, ...] = ()  # of the standardized name, in order
    original_words: tuple[str, ...] = ()  # of the name as written

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "original_name": self.original_name,
            "dtype": self.dtype,
            "physical_type": self.physical_type,
            "domain": self.domain,
        }


def _text(value: object, limit: int = 255) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def canonical_value(value: object) -> str | None:
    """A value as the overlap compares it: text trimmed and case-folded, a number in one form (``150``, ``150.0``
    and ``1.5e2`` alike), a timestamp at midnight as its date."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).lower()
    text = str(value).strip()[:MAX_VALUE_CHARS].casefold()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number) and any(ch.isdigit() for ch in text):
        return str(int(number)) if number == int(number) and abs(number) < 1e18 else repr(number)
    for midnight in (" 00:00:00", "t00:00:00"):
        if text.endswith(midnight) and len(text) == 10 + len(midnight):
            return text[:10]
    return text


def value_set(values: Iterable[object]) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        canonical = canonical_value(value)
        if canonical is not None:
            out.add(canonical)
            if len(out) >= MAX_VALUES:
                break
    return frozenset(out)


def header_tokens(*names: str) -> tuple[str, ...]:
    """The tokens of a column's names (standardized and as written), abbreviations spelled out, each once."""
    out: list[str] = []
    for name in names:
        for token in expanded_tokens(name):
            if token not in out:
                out.append(token)
    return tuple(out)


def catalog_columns(
    catalog_body: Mapping[str, Any], values: Mapping[str, Iterable[object]] | None = None
) -> list[Column]:
    """The first table's columns (a file, a table or a query is one table), with the values to compare: the
    catalog's masked examples and whatever ``values`` gives per column (the Sample Pack's)."""
    tables = catalog_body.get("tables") if isinstance(catalog_body, Mapping) else None
    if not isinstance(tables, list) or not tables or not isinstance(tables[0], Mapping):
        return []
    table = tables[0]
    rows = _count(table.get("row_count"))
    entries = table.get("columns")
    out: list[Column] = []
    seen: set[str] = set()
    for entry in entries[:MAX_COLUMNS] if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name = _text(entry.get("name"))
        if name is None or name in seen:
            continue
        seen.add(name)
        original = _text(entry.get("original_name"), 500) or name
        dtype = entry.get("dtype") if entry.get("dtype") in LOGICAL_TYPES else "string"
        nulls, distinct = _count(entry.get("null_count")), _count(entry.get("distinct_estimate"))
        raw_examples = entry.get("examples")
        examples: list[object] = raw_examples if isinstance(raw_examples, list) else []
        extra = list((values or {}).get(name, ()))
        out.append(
            Column(
                name=name,
                original_name=original,
                dtype=str(dtype),
                physical_type=_text(entry.get("physical_type"), 200),
                domain=_text(entry.get("domain"), 120),
                null_rate=round(nulls / rows, 6) if rows and nulls is not None else None,
                distinct_share=round(min(distinct / rows, 1.0), 6) if rows and distinct is not None else None,
                distinct_estimate=distinct,
                minimum=_text(entry.get("min"), 100),
                maximum=_text(entry.get("max"), 100),
                values=value_set([*examples, *extra]),
                tokens=header_tokens(name, original),
                words=expanded_tokens(name),
                original_words=expanded_tokens(original),
            )
        )
    return out


def _table_summary(catalog_body: Mapping[str, Any]) -> dict[str, Any] | None:
    tables = catalog_body.get("tables") if isinstance(catalog_body, Mapping) else None
    if not isinstance(tables, list) or not tables or not isinstance(tables[0], Mapping):
        return None
    return {key: tables[0].get(key) for key in ("name", "schema_hash", "row_count")}


# --- rename evidence --------------------------------------------------------------------------------------------


def alias_index(catalog: Catalog) -> dict[tuple[str, ...], frozenset[str]]:
    """Each alias phrase of the catalog's domains (every language), as header tokens, to the domains it names."""
    index: dict[tuple[str, ...], set[str]] = {}
    for domain in catalog.domains:
        if domain.abstract:
            continue
        for phrase in domain.alias_phrases():
            tokens = tuple(expanded_tokens(phrase))
            if tokens:
                index.setdefault(tokens, set()).add(domain.name)
    return {tokens: frozenset(names) for tokens, names in index.items()}


def _aliased(column: Column, aliases: Mapping[tuple[str, ...], frozenset[str]]) -> frozenset[str]:
    return aliases.get(column.words, frozenset()) | aliases.get(column.original_words, frozenset())


def name_similarity(
    old: Column, new: Column, aliases: Mapping[tuple[str, ...], frozenset[str]] | None = None
) -> tuple[float, str]:
    """(score, why): see the module's docstring."""
    if "".join(old.words) == "".join(new.words):
        return 0.95, "same words, other case or separators"
    if aliases:
        shared = sorted(_aliased(old, aliases) & _aliased(new, aliases))
        if shared:
            return 0.9, f"both headers name {shared[0]} (its aliases, any language)"
    left, right = set(old.tokens), set(new.tokens)
    jaccard = len(left & right) / len(left | right) if left | right else 0.0
    edit = fuzz.ratio(" ".join(old.words), " ".join(new.words)) / 100
    if jaccard >= edit:
        return round(jaccard, 4), f"{len(left & right)} of {len(left | right)} header words shared"
    return round(edit, 4), "header spelled alike"


def _range_overlap(old: Column, new: Column) -> float | None:
    """How much the two ``[min, max]`` ranges overlap (their intersection over their union); dates compare as ISO
    text, so only whether they overlap at all."""
    if old.dtype not in ORDERED or new.dtype not in ORDERED:
        return None
    keys = [canonical_value(bound) for bound in (old.minimum, old.maximum, new.minimum, new.maximum)]
    if any(key is None for key in keys):
        return None
    texts = [str(key) for key in keys]
    try:
        low_a, high_a, low_b, high_b = (float(text) for text in texts)
    except ValueError:
        if not (texts[0] <= texts[1] and texts[2] <= texts[3]):
            return None
        return 1.0 if max(texts[0], texts[2]) <= min(texts[1], texts[3]) else 0.0
    span = max(high_a, high_b) - min(low_a, low_b)
    inside = min(high_a, high_b) - max(low_a, low_b)
    if inside < 0:
        return 0.0
    return 1.0 if span == 0 else round(inside / span, 4)


def _closed(column: Column) -> bool:
    """The values seen are all the column has (its distinct estimate is no more than what the sample shows)."""
    return column.distinct_estimate is not None and 0 < column.distinct_estimate <= len(column.values)


def value_similarity(old: Column, new: Column) -> tuple[float | None, str]:
    """(score or None when the values say nothing, why)."""
    overlap: float | None = None
    why = "no values to compare"
    if old.values and new.values:
        shared = len(old.values & new.values)
        smaller = min(len(old.values), len(new.values))
        if shared or (_closed(old) and _closed(new)):
            overlap = round(shared / smaller, 4)
            why = f"{shared} of {smaller} sampled values shared"
        else:
            why = "no sampled value shared (not a closed set: says nothing)"
    ranged = _range_overlap(old, new)
    if ranged is not None and (overlap is None or ranged > overlap):
        return ranged, f"value ranges overlap {ranged:.0%}"
    return overlap, why


def _profile_similarity(old: Column, new: Column) -> float | None:
    parts = [
        1.0 - abs(a - b)
        for a, b in ((old.null_rate, new.null_rate), (old.distinct_share, new.distinct_share))
        if a is not None and b is not None
    ]
    return round(sum(parts) / len(parts), 4) if parts else None


@dataclass(frozen=True)
class RenameCandidate:
    old: Column
    new: Column
    confidence: float
    evidence: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.old.name,
            "to": self.new.name,
            "from_original": self.old.original_name,
            "to_original": self.new.original_name,
            "confidence": self.confidence,
            "evidence": self.evidence,
        }


def rename_candidate(
    old: Column, new: Column, aliases: Mapping[tuple[str, ...], frozenset[str]] | None = None
) -> RenameCandidate:
    """The confidence that ``new`` is ``old`` renamed, and the evidence it rests on."""
    name, name_why = name_similarity(old, new, aliases)
    scores: dict[str, float | None] = {"name": name}
    evidence: dict[str, Any] = {"name": {"score": name, "why": name_why}}
    damped = False
    if old.domain and new.domain:
        same = old.domain == new.domain
        scores["domain"] = 1.0 if same else 0.0
        damped = not same
        evidence["domain"] = {"score": scores["domain"], "from": old.domain, "to": new.domain}
    values, values_why = value_similarity(old, new)
    scores["values"] = values
    evidence["values"] = {"score": values, "why": values_why}
    change = type_change(old.dtype, new.dtype)
    scores["type"] = 1.0 if change is None else 0.7 if change is TypeChange.WIDENING else 0.2
    evidence["type"] = {
        "score": scores["type"],
        "from": old.dtype,
        "to": new.dtype,
        "change": change.value if change else None,
    }
    profile = _profile_similarity(old, new)
    scores["profile"] = profile
    if profile is not None:
        evidence["profile"] = {"score": profile}
    present = {kind: score for kind, score in scores.items() if score is not None}
    weight = sum(WEIGHTS[kind] for kind in present)
    confidence = sum(WEIGHTS[kind] * score for kind, score in present.items()) / weight
    if damped:
        confidence *= DIFFERENT_DOMAIN_DAMPING
    return RenameCandidate(old, new, round(confidence, 4), evidence)


def best_assignment(scores: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """The (row, column) pairs, each row and column at most once, of the greatest total score (the Hungarian
    method on the negated scores; a rectangular matrix is padded with zeros, and pairs scoring 0 are dropped)."""
    rows = len(scores)
    columns = len(scores[0]) if rows else 0
    if not rows or not columns:
        return []
    size = max(rows, columns)
    cost = [[-(scores[i][j] if i < rows and j < columns else 0.0) for j in range(size)] for i in range(size)]
    # e-maxx's O(n^3) Kuhn-Munkres with potentials, 1-based
    u = [0.0] * (size + 1)
    v = [0.0] * (size + 1)
    match = [0] * (size + 1)  # match[column] = row
    way = [0] * (size + 1)
    for i in range(1, size + 1):
        match[0] = i
        j0 = 0
        minimum = [math.inf] * (size + 1)
        used = [False] * (size + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], math.inf, 0
            for j in range(1, size + 1):
                if not used[j]:
                    current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < minimum[j]:
                        minimum[j], way[j] = current, j0
                    if minimum[j] < delta:
                        delta, j1 = minimum[j], j
            for j in range(size + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    minimum[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    pairs = [(match[j] - 1, j - 1) for j in range(1, size + 1) if match[j]]
    return sorted((i, j) for i, j in pairs if i < rows and j < columns and scores[i][j] > 0)


def _greedy(scores: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    ranked = sorted(
        ((score, i, j) for i, row in enumerate(scores) for j, score in enumerate(row) if score > 0),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    rows: set[int] = set()
    columns: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, i, j in ranked:
        if i not in rows and j not in columns:
            rows.add(i)
            columns.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def assign(scores: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """:func:`best_assignment` per connected group of candidate pairs (a score above 0 links a row and a column):
    a wide change of many small groups costs what its groups cost, and a group too large to solve exactly
    (:data:`MAX_PAIRS_OPTIMAL`) is assigned greedily, best pair first."""
    rows = len(scores)
    parent = list(range(rows + (len(scores[0]) if rows else 0)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    linked = [(i, j) for i, row in enumerate(scores) for j, score in enumerate(row) if score > 0]
    for i, j in linked:
        parent[root(i)] = root(rows + j)
    groups: dict[int, tuple[set[int], set[int]]] = {}
    for i, j in linked:
        group = groups.setdefault(root(i), (set(), set()))
        group[0].add(i)
        group[1].add(j)
    pairs: list[tuple[int, int]] = []
    for group_rows, group_columns in groups.values():
        row_list, column_list = sorted(group_rows), sorted(group_columns)
        sub = [[scores[i][j] for j in column_list] for i in row_list]
        solve = best_assignment if len(row_list) * len(column_list) <= MAX_PAIRS_OPTIMAL else _greedy
        pairs += [(row_list[a], column_list[b]) for a, b in solve(sub)]
    return sorted(pairs)


def pairs_to_score(
    removed: Sequence[Column], added: Sequence[Column], aliases: Mapping[tuple[str, ...], frozenset[str]] | None
) -> list[set[int]]:
    """For each removed column, the added ones worth scoring: all of them up to :data:`MAX_SCORED_PAIRS` pairs;
    past that (a header rewritten wholesale), those sharing a header word, a domain (assigned, or named by both
    headers' aliases) or a sampled value, and the :data:`NAME_NEIGHBOURS` closest spellings."""
    everyone = set(range(len(added)))
    if len(removed) * len(added) <= MAX_SCORED_PAIRS:
        return [set(everyone) for _ in removed]
    by_key: dict[tuple[str, str], set[int]] = {}
    for j, column in enumerate(added):
        keys = [("token", token) for token in column.tokens] + [("value", value) for value in column.values]
        keys += [
            ("domain", name) for name in ({column.domain} if column.domain else set()) | _aliased(column, aliases or {})
        ]
        for key in keys:
            by_key.setdefault(key, set()).add(j)
    spelled = [" ".join(column.words) for column in added]
    out: list[set[int]] = []
    for column in removed:
        found: set[int] = set()
        keys = [("token", token) for token in column.tokens] + [("value", value) for value in column.values]
        keys += [
            ("domain", name) for name in ({column.domain} if column.domain else set()) | _aliased(column, aliases or {})
        ]
        for key in keys:
            hits = by_key.get(key, set())
            if len(hits) <= MAX_KEY_HITS:  # a word every column has ("id", "code") links nothing
                found |= hits
        nearest = process.extract(" ".join(column.words), spelled, scorer=fuzz.ratio, limit=NAME_NEIGHBOURS)
        found |= {int(index) for _, _, index in nearest}
        out.append(found)
    return out


# --- the diff ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaDiff:
    previous: dict[str, Any] | None
    current: dict[str, Any] | None
    added: list[Column]
    removed: list[Column]
    type_changed: list[dict[str, Any]]  # {"column", "from", "to", "change"}
    renamed: list[RenameCandidate]
    possible_renames: list[RenameCandidate]  # the best pair of a removed column that did not reach RENAME_MIN
    alternatives: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # old name -> other candidates
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.type_changed or self.renamed)

    def breaking(self) -> list[str]:
        """The columns (current names) whose type changed in a breaking way, renamed ones included."""
        out = [str(change["column"]) for change in self.type_changed if change["change"] == TypeChange.BREAKING]
        for rename in self.renamed:
            if type_change(rename.old.dtype, rename.new.dtype) is TypeChange.BREAKING:
                out.append(rename.new.name)
        return out

    def _rename_json(self, rename: RenameCandidate) -> dict[str, Any]:
        change = type_change(rename.old.dtype, rename.new.dtype)
        return {
            **rename.to_json(),
            "confirm": rename.confidence < RENAME_AUTO,
            "type_change": change.value if change else None,
            "alternatives": self.alternatives.get(rename.old.name, []),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "evolution_version": EVOLUTION_VERSION,
            "previous": self.previous,
            "current": self.current,
            "changed": self.changed,
            "added": [column.to_json() for column in self.added],
            "removed": [column.to_json() for column in self.removed],
            "type_changed": self.type_changed,
            "renamed": [self._rename_json(rename) for rename in self.renamed],
            "possible_renames": [candidate.to_json() for candidate in self.possible_renames],
            "unchanged": self.unchanged,
            "thresholds": {"rename_min": RENAME_MIN, "rename_auto": RENAME_AUTO},
        }


def diff_catalogs(
    previous_body: Mapping[str, Any],
    current_body: Mapping[str, Any],
    *,
    previous_values: Mapping[str, Iterable[object]] | None = None,
    current_values: Mapping[str, Iterable[object]] | None = None,
    aliases: Mapping[tuple[str, ...], frozenset[str]] | None = None,
) -> SchemaDiff:
    """The diff of the previous run's catalog and this run's (see the module's docstring)."""
    old = {column.name: column for column in catalog_columns(previous_body, previous_values)}
    new = {column.name: column for column in catalog_columns(current_body, current_values)}
    removed = [column for name, column in old.items() if name not in new]
    added = [column for name, column in new.items() if name not in old]
    type_changed = []
    for name, column in new.items():
        before = old.get(name)
        if before is None:
            continue
        change = type_change(before.dtype, column.dtype)
        if change is not None:
            type_changed.append(
                {
                    "column": name,
                    "from": before.dtype,
                    "to": column.dtype,
                    "change": change.value,
                    "physical_from": before.physical_type,
                    "physical_to": column.physical_type,
                }
            )
    candidates = [
        {j: rename_candidate(gone, added[j], aliases) for j in sorted(looked_at)}
        for gone, looked_at in zip(removed, pairs_to_score(removed, added, aliases), strict=True)
    ]
    scores = [[0.0] * len(added) for _ in removed]
    for i, row in enumerate(candidates):
        for j, candidate in row.items():
            scores[i][j] = candidate.confidence if candidate.confidence >= RENAME_MIN else 0.0
    pairs = assign(scores)
    renamed = [candidates[i][j] for i, j in pairs]
    taken_old = {i for i, _ in pairs}
    taken_new = {j for _, j in pairs}
    alternatives: dict[str, list[dict[str, Any]]] = {}
    for i, j in pairs:
        others = sorted(
            (c for k, c in candidates[i].items() if k != j and c.confidence >= RENAME_MIN / 2),
            key=lambda c: -c.confidence,
        )[:3]
        alternatives[removed[i].name] = [{"to": c.new.name, "confidence": c.confidence} for c in others]
    possible = []
    for i, row in enumerate(candidates):
        free = [candidate for j, candidate in row.items() if j not in taken_new]
        if i not in taken_old and free:
            possible.append(max(free, key=lambda candidate: candidate.confidence))
    return SchemaDiff(
        previous=_table_summary(previous_body),
        current=_table_summary(current_body),
        added=[column for j, column in enumerate(added) if j not in taken_new],
        removed=[column for i, column in enumerate(removed) if i not in taken_old],
        type_changed=type_changed,
        renamed=renamed,
        possible_renames=possible,
        alternatives=alternatives,
        unchanged=sum(1 for name in new if name in old) - len(type_changed),
    )


# --- rules ------------------------------------------------------------------------------------------------------


def _reads(mapping: Mapping[str, Any]) -> list[str]:
    sources = mapping.get("sources")
    names = [str(name) for name in sources if isinstance(name, str)] if isinstance(sources, list) else []
    dsl = mapping.get("dsl")
    source = dsl.get("source") if isinstance(dsl, Mapping) else None
    if isinstance(source, str) and source not in names:
        names.insert(0, source)
    return names


def _readers(mappings: Sequence[Mapping[str, Any]], column: str) -> list[str]:
    return [str(mapping.get("target")) for mapping in mappings if column in _reads(mapping)]


def propose_rules(diff: SchemaDiff, mappings: Sequence[Mapping[str, Any]], policy: Policy) -> list[dict[str, Any]]:
    """The migration rule of each change, with the previous plan's mappings (targets) it touches."""
    rules: list[dict[str, Any]] = []
    for rename in diff.renamed:
        rules.append(
            {
                "change": ChangeKind.RENAMED.value,
                "column": rename.new.name,
                "from": rename.old.name,
                "action": RuleAction.MAP_NEW_NAME.value,
                "mappings": _readers(mappings, rename.old.name),
                "confidence": rename.confidence,
                "confirm": rename.confidence < RENAME_AUTO,
            }
        )
        change = type_change(rename.old.dtype, rename.new.dtype)
        if change is not None:
            rules.append(
                _type_rule(rename.new.name, rename.old.name, rename.old.dtype, rename.new.dtype, change, mappings)
            )
    for changed in diff.type_changed:
        rules.append(
            _type_rule(
                changed["column"],
                changed["column"],
                changed["from"],
                changed["to"],
                TypeChange(changed["change"]),
                mappings,
            )
        )
    for column in diff.removed:
        rules.append(
            {
                "change": ChangeKind.REMOVED.value,
                "column": column.name,
                "action": RuleAction.MARK_BROKEN.value,
                "mappings": _readers(mappings, column.name),
            }
        )
    propagates = policy in (Policy.PROPAGATE, Policy.PROPAGATE_COLUMNS)
    for column in diff.added:
        rules.append(
            {
                "change": ChangeKind.ADDED.value,
                "column": column.name,
                "mappings": [],
                "action": (RuleAction.PROPAGATE if propagates else RuleAction.IGNORE).value,
            }
        )
    return rules


def _type_rule(
    column: str, read_as: str, old: str, new: str, change: TypeChange, mappings: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "change": ChangeKind.TYPE_CHANGED.value,
        "column": column,
        "from_type": old,
        "to_type": new,
        "type_change": change.value,
        "mappings": _readers(mappings, read_as),
    }
    if change is TypeChange.WIDENING:
        rule.update(action=RuleAction.CAST.value, op={"op": "type_cast", "to": old})
    else:
        rule["action"] = RuleAction.REVALIDATE.value
    return rule


def rewritten_mapping(mapping: Mapping[str, Any], diff: SchemaDiff) -> tuple[dict[str, Any], list[str]]:
    """The previous run's mapping as this run's catalog reads it: renamed sources mapped to their new names, a
    widened column cast back to the type the pipeline was written for; and the removed columns it still reads
    (not empty: the mapping is broken)."""
    renames = {rename.old.name: rename for rename in diff.renamed}
    widened = {change["column"]: change for change in diff.type_changed if change["change"] == TypeChange.WIDENING}
    removed = {column.name for column in diff.removed}
    dsl = dict(mapping.get("dsl") or {}) if isinstance(mapping.get("dsl"), Mapping) else {}
    ops = list(dsl.get("ops") or []) if isinstance(dsl.get("ops"), list) else []
    source = dsl.get("source") if isinstance(dsl.get("source"), str) else None
    broken = [name for name in _reads(mapping) if name in removed]
    if source in renames:
        rename = renames[source]
        if type_change(rename.old.dtype, rename.new.dtype) is TypeChange.WIDENING:
            ops = [{"op": "type_cast", "to": rename.old.dtype}, *ops]
        source = rename.new.name
    elif source in widened:
        ops = [{"op": "type_cast", "to": widened[source]["from"]}, *ops]
    sources = [renames[name].new.name if name in renames else name for name in _reads(mapping)]
    out = {**dict(mapping), "dsl": {**dsl, "source": source, "ops": ops}, "sources": sources}
    return out, broken


# --- the policy's decision --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyDecision:
    decision: Decision
    reason: Text
    blocking: list[Text]  # what a person must look at (mappings broken, renames to confirm)

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision.value, "reason": self.reason, "blocking": self.blocking}


def blocking_changes(
    diff: SchemaDiff, rules: Sequence[Mapping[str, Any]], revalidated: Mapping[str, str] | None = None
) -> list[Text]:
    """What no policy applies without a person: a removed column a mapping reads, a breaking type change whose
    mappings did not re-validate as ``accept`` (``revalidated``: target -> decision), a rename to confirm."""
    out: list[Text] = []
    for rule in rules:
        targets = [str(target) for target in rule.get("mappings") or []]
        if rule["action"] == RuleAction.MARK_BROKEN and targets:
            out.append(
                Text("%(column)s was removed; %(targets)s read it", column=rule["column"], targets=", ".join(targets))
            )
        elif rule["action"] == RuleAction.REVALIDATE and targets:
            failing = [t for t in targets if (revalidated or {}).get(t) != "accept"]
            if failing:
                out.append(
                    Text(
                        "%(column)s is now %(type)s: %(targets)s did not re-validate",
                        column=rule["column"],
                        type=rule["to_type"],
                        targets=", ".join(failing),
                    )
                )
        elif rule["action"] == RuleAction.MAP_NEW_NAME and rule.get("confirm"):
            out.append(
                Text(
                    "the rename %(old)s -> %(new)s has a confidence of %(confidence)s: a person confirms it",
                    old=rule["from"],
                    new=rule["column"],
                    confidence=f"{rule['confidence']:.2f}",
                )
            )
    return out


def decide(
    diff: SchemaDiff,
    policy: Policy,
    rules: Sequence[Mapping[str, Any]],
    revalidated: Mapping[str, str] | None = None,
) -> PolicyDecision:
    """What the run's migration does with this diff under ``policy``, and why."""
    if not diff.changed:
        return PolicyDecision(Decision.PROCEED, Text("no schema change since the previous run"), [])
    counts = Text(
        "%(added)d added, %(removed)d removed, %(retyped)d retyped, %(renamed)d renamed",
        added=len(diff.added),
        removed=len(diff.removed),
        retyped=len(diff.type_changed),
        renamed=len(diff.renamed),
    )
    if policy is Policy.STOP:
        return PolicyDecision(
            Decision.STOP, Text("the schema changed (%(counts)s) and the policy is stop", counts=counts), []
        )
    blocking = blocking_changes(diff, rules, revalidated)
    if policy is Policy.APPROVE_MANUALLY:
        return PolicyDecision(
            Decision.WAIT_FOR_APPROVAL,
            Text("the schema changed (%(counts)s): the policy approve_manually waits for a person", counts=counts),
            blocking,
        )
    if blocking:
        return PolicyDecision(
            Decision.WAIT_FOR_APPROVAL,
            Text("a change breaks the mapping plan, whatever the policy: %(what)s", what="; ".join(blocking[:5])),
            blocking,
        )
    if policy is Policy.PROPAGATE_COLUMNS:
        if diff.renamed or diff.type_changed:
            return PolicyDecision(
                Decision.WAIT_FOR_APPROVAL,
                Text(
                    "the policy propagate_columns applies added and removed columns only: %(renamed)d renames and "
                    "%(retyped)d type changes wait for a person",
                    renamed=len(diff.renamed),
                    retyped=len(diff.type_changed),
                ),
                [Text("rename %(old)s -> %(new)s", old=r.old.name, new=r.new.name) for r in diff.renamed]
                + [
                    Text("%(column)s: %(old)s -> %(new)s", column=c["column"], old=c["from"], new=c["to"])
                    for c in diff.type_changed
                ],
            )
        return PolicyDecision(
            Decision.PROCEED_COLUMNS_ONLY,
            Text("%(counts)s: the column changes are applied (policy propagate_columns)", counts=counts),
            [],
        )
    return PolicyDecision(
        Decision.PROCEED, Text("%(counts)s: every change is applied (policy propagate)", counts=counts), []
    )


# --- the API's document (GET /runs/<run_id>/migration/schema_diff) ----------------------------------------------


class DiffColumnSchema(Schema):
    name = fields.String()
    original_name = fields.String()
    dtype = fields.String(metadata={"enum": list(LOGICAL_TYPES)})
    physical_type = fields.String(allow_none=True)
    domain = fields.String(allow_none=True)


class TypeChangedSchema(Schema):
    column = fields.String()
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    change = fields.String(metadata={"enum": [change.value for change in TypeChange]})
    physical_from = fields.String(allow_none=True)
    physical_to = fields.String(allow_none=True)


class RenameSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from", metadata={"description": "the previous catalog's column"})
    to = fields.String(metadata={"description": "this run's column"})
    from_original = fields.String()
    to_original = fields.String()
    confidence = fields.Float(metadata={"description": "0..1: the weighted mean of the evidence"})
    evidence = fields.Dict(
        metadata={"description": "name, domain, values, type, profile: each {score (0..1 or null), why or from/to}"}
    )
    confirm = fields.Boolean(metadata={"description": "below rename_auto: a person confirms it"})
    type_change = fields.String(allow_none=True, metadata={"enum": [change.value for change in TypeChange]})
    alternatives = fields.List(fields.Dict(), metadata={"description": "other candidates: {to, confidence}"})


class SchemaDiffSchema(Schema):
    evolution_version = fields.Integer()
    previous = fields.Dict(allow_none=True, metadata={"description": "the previous table: name, schema_hash, rows"})
    current = fields.Dict(allow_none=True)
    changed = fields.Boolean()
    added = fields.List(fields.Nested(DiffColumnSchema))
    removed = fields.List(fields.Nested(DiffColumnSchema))
    type_changed = fields.List(fields.Nested(TypeChangedSchema))
    renamed = fields.List(fields.Nested(RenameSchema))
    possible_renames = fields.List(fields.Nested(RenameSchema), metadata={"description": "below rename_min"})
    unchanged = fields.Integer()
    thresholds = fields.Dict(metadata={"description": "rename_min, rename_auto"})


class RuleSchema(Schema):
    change = fields.String(metadata={"enum": [kind.value for kind in ChangeKind]})
    column = fields.String(metadata={"description": "this run's column (the removed one for a removal)"})
    action = fields.String(metadata={"enum": [action.value for action in RuleAction]})
    mappings = fields.List(fields.String(), metadata={"description": "the previous plan's targets it touches"})
    from_ = fields.String(data_key="from", attribute="from", metadata={"description": "a rename's previous name"})
    confidence = fields.Float()
    confirm = fields.Boolean()
    from_type = fields.String()
    to_type = fields.String()
    type_change = fields.String()
    op = fields.Dict(metadata={"description": "a cast's DSL operation: {op: type_cast, to}"})


class CarriedMappingSchema(Schema):
    target = fields.String()
    previous_decision = fields.String()
    status = fields.String(metadata={"enum": ["unchanged", "rewritten", "revalidated", "broken"]})
    decision = fields.String(metadata={"enum": ["accept", "hold", "fix"]})
    dsl = fields.Dict(metadata={"description": "the pipeline as this run reads it"})
    sources = fields.List(fields.String())
    changed = fields.Boolean()
    revalidated = fields.Boolean(metadata={"description": "run again on this run's Sample Pack"})
    success_rate = fields.Float(allow_none=True)
    reasons = fields.List(fields.String())


class SchemaDiffResultSchema(Schema):
    run_id = fields.String()
    previous_run_id = fields.String(allow_none=True, metadata={"description": "null: no earlier run to compare"})
    policy = fields.String(metadata={"enum": [policy.value for policy in Policy]})
    decision = fields.String(metadata={"enum": [decision.value for decision in Decision]})
    reason = fields.String()
    blocking = fields.List(fields.String(), metadata={"description": "what a person must look at"})
    diff = fields.Nested(SchemaDiffSchema, allow_none=True)
    rules = fields.List(fields.Nested(RuleSchema))
    mappings = fields.List(fields.Nested(CarriedMappingSchema))
