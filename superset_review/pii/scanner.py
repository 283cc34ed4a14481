"""Column level: does this column hold PII, of which type, how sure are we, and why.

Two kinds of evidence are combined. The column NAME (``names.hint``) gives a prior; the VALUES give the share of
sampled values that hold the type (``detectors.detect_series``, with the name as context so that a column named
``phone`` may hold bare ``4155552671``). Then:

- name and values agree: confidence = prior + (1 - prior) * share;
- the name says PII but the values contradict it (under 20 % match): the confidence drops below the decision
  threshold, and the evidence says so (an ``email`` column of hashes is no longer readable PII);
- values alone: share times a per-type weight, and only for types whose values are unambiguous. Context-only
  shapes (a date, a ZIP, digit groups) never make a column PII without a name that says so, which is the rule
  that keeps ``order_number`` and ``customer_id`` (7-10 digit integers) from being taken for phones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from superset_review.extension.lazy import LazyModule
from superset_review.extension.linear_regex import compile_linear
from superset_review.pii import names
from superset_review.pii.detectors import detect_series
from superset_review.pii.dictionaries import FIRST_NAMES, SURNAMES
from superset_review.pii.patterns import APOSTROPHES, RULES
from superset_review.pii.types import PiiType
from superset_review.policy.manifest import PolicyManifest

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")  # imported at first use: see extension/lazy.py

# The default of the policy's ``pii_threshold``: one score decides flagging and masking.
THRESHOLD = PolicyManifest().pii_threshold
CONTRADICTION = 0.2  # below this share, values contradict the column name
# How far values alone are trusted, per type. Absent types need a column name.
VALUE_WEIGHT: dict[PiiType, float] = {
    PiiType.EMAIL: 0.95,
    PiiType.CREDIT_CARD: 0.95,
    PiiType.IBAN: 0.95,
    PiiType.IP_ADDRESS: 0.95,
    PiiType.URL: 0.9,
    PiiType.US_SSN: 0.9,
    PiiType.PHONE: 0.85,
    PiiType.STREET_ADDRESS: 0.8,
    PiiType.PERSON: 0.7,
}
IDENTIFIER_PHONE_DISCOUNT = 0.5
PERSON_DICTIONARY_SHARE = 0.3  # of values holding a listed first name or surname, for a column of names
_NAMES = sorted(FIRST_NAMES | SURNAMES)
_NAME_WORD = rf"[^\W\d_]+(?:[{APOSTROPHES}.-][^\W\d_]+)*\.?"
_NAME_SHAPE = rf"^{_NAME_WORD}(?:[ ,]+{_NAME_WORD}){{0,3}}$"
_HOUSE_NUMBER = r"^[0-9]{1,5}[A-Za-z]?[ ,]+[^\W\d_]|[^\W\d_]{3,}[ ][0-9]{1,4}[A-Za-z]?(?:$|[ ,])"
_PLAIN_INTEGER = r"^[+-]?[0-9]+$"
# Types whose context-gated rules the column name may switch on.
_CONTEXT_FROM_NAME = frozenset(rule.pii_type for rule in RULES if rule.context is not None)


class PiiScanError(Exception):
    """A table that cannot be scanned; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class Evidence:
    rule: str
    matched: int
    sampled: int
    detail: str


@dataclass(frozen=True)
class ColumnFinding:
    """The verdict on one column.

    ``confidence`` is the confidence in the verdict: in ``pii_type`` when one is given, and that the column holds
    no PII when ``pii_type`` is None.
    """

    column: str
    pii_type: PiiType | None
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    # No non-empty value was read: no verdict, whatever the name says; ``name_hint`` is what the name suggests.
    empty: bool = False
    name_hint: PiiType | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "column": self.column,
            "pii_type": self.pii_type.value if self.pii_type else None,
            "confidence": self.confidence,
            "empty": self.empty,
            "name_hint": self.name_hint.value if self.name_hint else None,
            "evidence": [
                {"rule": e.rule, "matched": e.matched, "sampled": e.sampled, "detail": e.detail} for e in self.evidence
            ],
        }


def scan_frame(
    df: pl.DataFrame, max_values_per_column: int | None = None, *, threshold: float = THRESHOLD
) -> list[ColumnFinding]:
    """Every column of ``df``. Columns sharing a name context are detected in one pass over their concatenated
    values: the detectors' cost is per call, not per value, on the short samples a review reads (200 columns of
    20 values took 4.5 s column by column)."""
    prepared = [_prepare(name, df.get_column(name), max_values_per_column) for name in df.columns]
    flags: dict[int, dict[PiiType | str, pl.Series]] = {}
    groups: dict[frozenset[PiiType], list[tuple[int, pl.Series]]] = {}
    for index, column in enumerate(prepared):
        if column.sample is not None and len(column.sample):
            groups.setdefault(column.context, []).append((index, column.sample))
    for context, members in groups.items():
        found = _detect(pl.concat([sample for _, sample in members]), context)
        offset = 0
        for index, sample in members:
            flags[index] = {key: hits.slice(offset, len(sample)) for key, hits in found.items()}
            offset += len(sample)
    return [_finish(column, flags.get(index), threshold) for index, column in enumerate(prepared)]


def scan_column(
    name: str, values: pl.Series, *, max_values: int | None = None, threshold: float = THRESHOLD
) -> ColumnFinding:
    column = _prepare(name, values, max_values)
    found = None
    if column.sample is not None and len(column.sample):
        found = _detect(column.sample, column.context)
    return _finish(column, found, threshold)


_SHAPED, _KNOWN = "name_shaped", "name_known"


def _detect(sample: pl.Series, context: frozenset[PiiType]) -> dict[PiiType | str, pl.Series]:
    """Per value: the detectors' flags per type, and whether it is name-shaped / holds a listed name."""
    found: dict[PiiType | str, pl.Series] = {}
    found.update(detect_series(sample, context).items())
    shaped = sample.str.contains(_NAME_SHAPE)
    words = sample.str.to_lowercase().str.extract_all(r"[^\W\d_]+")
    found[_SHAPED] = shaped
    found[_KNOWN] = words.list.eval(pl.element().is_in(_NAMES)).list.any().fill_null(False) & shaped
    return found


@dataclass
class _Column:
    """A column read for the detectors: its name hint, evidence so far, and the text sample (None: unreadable)."""

    name: str
    hint: names.NameHint | None
    named: names.NameHint | None
    evidence: list[Evidence]
    sample: pl.Series | None

    @property
    def context(self) -> frozenset[PiiType]:
        return frozenset({self.hint.pii_type}) & _CONTEXT_FROM_NAME if self.hint else frozenset()


def _prepare(name: str, values: pl.Series, max_values: int | None) -> _Column:
    if max_values is not None and max_values < 1:
        raise ValueError(f"max_values must be at least 1 (got {max_values})")
    hint = named = names.hint(name)
    evidence: list[Evidence] = []
    if hint is not None and names.is_key(name):
        # "phone_id" holds keys to phone rows: the values alone decide, and bare digits are not phones.
        evidence.append(
            Evidence("identifier_name", 1, 1, f"name {name!r} is a key; its {hint.pii_type} word is ignored")
        )
        hint = None
    if hint is not None:
        token = f" ({hint.token})" if hint.token != name.lower() else ""
        evidence.append(Evidence("column_name", 1, 1, f"name {name!r}{token} suggests {hint.pii_type}"))
    text = _readable(values)
    if text is None:
        evidence.append(Evidence("values_unreadable", 0, 0, f"{values.dtype} values are not read; name only"))
        return _Column(name, hint, named, evidence, None)
    return _Column(name, hint, named, evidence, _sample(text, max_values))


def _finish(column: _Column, found: dict[PiiType | str, pl.Series] | None, threshold: float) -> ColumnFinding:
    name, hint, named, evidence, sample = column.name, column.hint, column.named, column.evidence, column.sample
    if sample is None:
        return _verdict(name, hint, {}, 0, evidence, threshold)
    sampled = len(sample)
    if not sampled:
        # An empty "email" column holds no e-mail: the name is a hint, not a verdict.
        said = f"; the name suggests {named.pii_type}" if named is not None else ""
        evidence.append(Evidence("empty", 0, 0, f"no non-empty value{said}"))
        return ColumnFinding(name, None, 1.0, evidence, empty=True, name_hint=named.pii_type if named else None)
    shares = _shares(sample, hint, evidence, found or {})
    if names.names_a_thing(name):
        # "John Deere tractor" in product_name is a product, whatever the dictionaries say.
        shares.pop(PiiType.PERSON, None)
    if sampled and (hint is None or hint.pii_type not in _NUMERIC_TYPES):
        plain = int(sample.str.contains(_PLAIN_INTEGER).sum())
        if plain == sampled:
            detail = "plain integers: an identifier or a quantity, not read as phone numbers without a name saying so"
            if names.is_identifier(name):
                detail = "identifier column (name) of plain integers: not a phone, whatever the digit count"
            evidence.append(Evidence("numeric_identifier", plain, sampled, detail))
    phone_named = named is not None and named.pii_type is PiiType.PHONE
    if hint is None and not phone_named and names.is_identifier(name) and PiiType.PHONE in shares:
        # Order numbers and references are often written like phone numbers (555-123-4567); in a column named as an
        # identifier that shape alone is not enough (the classic false positive of value-only phone detection).
        shares[PiiType.PHONE] *= IDENTIFIER_PHONE_DISCOUNT
        detail = f"identifier column: phone-shaped values count {IDENTIFIER_PHONE_DISCOUNT:.0%}"
        evidence.append(Evidence("identifier_name", 1, 1, detail))
    return _verdict(name, hint, shares, sampled, evidence, threshold)


# Types whose values are often stored as bare digits, when the name says so.
_NUMERIC_TYPES = frozenset({PiiType.PHONE, PiiType.CREDIT_CARD, PiiType.US_SSN, PiiType.POSTAL_CODE})


def _readable(values: pl.Series) -> pl.Series | None:
    """Text for the detectors: strings, integers and categories as text, dates in ISO form; else None."""
    dtype = values.dtype
    if dtype == pl.String:
        return values
    if dtype.is_integer() or dtype.is_temporal() or dtype in (pl.Null, pl.Categorical) or isinstance(dtype, pl.Enum):
        return values.cast(pl.String)
    return None


def _sample(text: pl.Series, max_values: int | None) -> pl.Series:
    present = text.drop_nulls().str.strip_chars()
    present = present.filter(present != "")
    if max_values is not None and len(present) > max_values:
        # Fixed seed: the same file gives the same verdict on every run.
        present = present.sample(max_values, seed=0)
    return present


def _shares(
    sample: pl.Series, hint: names.NameHint | None, evidence: list[Evidence], found: dict[PiiType | str, pl.Series]
) -> dict[PiiType, float]:
    sampled = len(sample)
    if not sampled:
        return {}
    flags = {key: hits for key, hits in found.items() if isinstance(key, PiiType)}
    if hint and hint.pii_type is PiiType.STREET_ADDRESS:
        # A column named "address" may hold "12 Park Lane" as much as "Mellemvej 32": a house number is enough.
        flags[PiiType.STREET_ADDRESS] = flags[PiiType.STREET_ADDRESS] | sample.str.contains(_HOUSE_NUMBER)
    shares: dict[PiiType, float] = {}
    for pii_type, hits in flags.items():
        matched = int(hits.sum())
        if matched and pii_type is not PiiType.PERSON:
            shares[pii_type] = matched / sampled
            evidence.append(
                Evidence(f"values:{pii_type.value.lower()}", matched, sampled, _share_text(matched, sampled, pii_type))
            )
    shares[PiiType.PERSON] = _person_share(found[_SHAPED], found[_KNOWN], hint, evidence)
    return shares


def _person_share(shaped: pl.Series, known: pl.Series, hint: names.NameHint | None, evidence: list[Evidence]) -> float:
    """Name-shaped values (letters, 1-4 words), trusted as far as the dictionaries recognise them.

    A column named ``last_name`` needs the shape only (the lists are short and US-centric: "Korhonen" is a
    surname all the same). A bare ``name`` column, or a column with no name hint at all, needs the dictionaries
    to recognise names in at least ``PERSON_DICTIONARY_SHARE`` of its values: "Widget" is name-shaped too.
    """
    sampled = len(shaped)
    shaped_count, known_count = int(shaped.sum()), int(known.sum())
    shaped_share, dictionary_share = shaped_count / sampled, known_count / sampled
    named = hint is not None and hint.pii_type is PiiType.PERSON
    if named or dictionary_share >= PERSON_DICTIONARY_SHARE:
        evidence.append(Evidence("values:name_shape", shaped_count, sampled, "values of 1-4 words of letters"))
        detail = "values holding a listed first name or surname"
        evidence.append(Evidence("dictionary:names", known_count, sampled, detail))
    recognised = min(1.0, dictionary_share / PERSON_DICTIONARY_SHARE)
    if named and hint is not None and hint.strength >= names.STRONG:
        return shaped_share * (0.6 + 0.4 * recognised)
    return shaped_share * recognised if recognised >= 1.0 or named else 0.0


def _share_text(matched: int, sampled: int, pii_type: PiiType) -> str:
    return f"{matched} of {sampled} sampled values ({matched / sampled:.0%}) hold {pii_type}"


def _verdict(
    column: str,
    hint: names.NameHint | None,
    shares: dict[PiiType, float],
    sampled: int,
    evidence: list[Evidence],
    threshold: float,
) -> ColumnFinding:
    scores: dict[PiiType, float] = {}
    for pii_type, weight in VALUE_WEIGHT.items():
        scores[pii_type] = min(1.0, shares.get(pii_type, 0.0)) * weight
    if hint is not None:
        share = min(1.0, shares.get(hint.pii_type, 0.0))
        if not sampled:
            named = hint.strength
        elif share < CONTRADICTION:
            named = hint.strength * (0.5 + 0.5 * share / CONTRADICTION)
            evidence.append(
                Evidence("name_contradicted", round(share * sampled), sampled, f"few values hold {hint.pii_type}")
            )
        else:
            named = hint.strength + (1 - hint.strength) * share
        scores[hint.pii_type] = max(scores.get(hint.pii_type, 0.0), named)
    best = max(scores, key=lambda pii_type: scores[pii_type], default=None)
    if best is None or scores[best] < threshold:
        top = scores[best] if best is not None else 0.0
        return ColumnFinding(column, None, round(1 - top, 3), evidence)
    return ColumnFinding(column, best, round(scores[best], 3), evidence)


# --- reading files -------------------------------------------------------------------------------------------
_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": ","}
_PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}
_PARQUET_MAGIC = b"PAR1"


def read_table(path: Path) -> pl.DataFrame:
    """A CSV (every column read as text: inference would drop the leading zeros of ZIPs and phones) or Parquet."""
    if not path.exists():
        raise PiiScanError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise PiiScanError(f"{path} is a directory; give a CSV or Parquet file")
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as ex:
        raise PiiScanError(f"cannot read {path}: {ex.strerror or ex}; check the file's permissions") from ex
    suffix = path.suffix.lower()
    if suffix in _PARQUET_SUFFIXES or head == _PARQUET_MAGIC:
        return _read(path, "Parquet", lambda: pl.read_parquet(path))
    if suffix in _CSV_SUFFIXES:
        separator = _CSV_SUFFIXES[suffix]
        return _read(path, "CSV", lambda: pl.read_csv(path, infer_schema=False, separator=separator))
    raise PiiScanError(f"{path} is neither CSV nor Parquet (by its name and content); export it as .csv or .parquet")


def _read(path: Path, kind: str, reader: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    try:
        frame = reader()
    except Exception as ex:
        reason = _first_line(ex)
        advice = "save it as UTF-8" if "utf-8" in reason.lower() else f"check that it is a valid {kind} file"
        raise PiiScanError(f"cannot read {path} as {kind}: {reason}; {advice}") from ex
    return frame


def _first_line(ex: Exception) -> str:
    lines = [line.strip() for line in str(ex).splitlines() if line.strip()]
    return _SPACES.sub(" ", lines[0]) if lines else type(ex).__name__


_SPACES = compile_linear(r"\s+")
