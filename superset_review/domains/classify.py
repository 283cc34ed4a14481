"""Domaining: which catalog domain each column of a table holds, how sure we are, and why.

Per column and candidate domain, four kinds of evidence, each in [0, 1]:

- ``name_sim``: the header's tokens (camelCase, snake_case and digits split, common abbreviations expanded, any
  script: ``ДатаРождения`` and ``cust_tel_no`` both read) against the domain's aliases in every language;
- ``regex_strength``: the share of sampled values that fully match one of the domain's regexes, weighted (a
  bare 10-digit number is a weak phone, a ``+44 ...`` a strong one);
- ``value_sim``: the share of values in the domain's vocabulary or value set (first names, countries, booleans),
  or, for a numeric domain with a range, of numbers in it; a small credit when the kind of value fits. This is
  the seam for value embeddings: ``classify_frame(value_similarity=...)`` adds a provider's figure;
- ``unit_compat``: +1 when a unit cue in the header or the values is one of the domain's units, -1 when the
  cues name another dimension (``weight_kg`` is not money).

``score = alpha*name_sim + beta*regex_strength + gamma*value_sim + epsilon*unit_compat + zeta*context``
(context: another column of the table is of the same family), minus a penalty when a shape-defined domain's
regexes miss nearly every value. A negative (header phrase or values) rules a domain out. The weights and bands
are a :class:`ThresholdProfile`. Pure Python and Polars: no Flask, no database.

Values are read within bounds: at most ``sample_size`` non-empty values per column (a fixed-seed sample, so runs
agree), each cut to ``max_value_chars``; a column of a million distinct long strings costs what 500 short do.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from superset_review.domains.catalog import Catalog, Domain, builtin_catalog
from superset_review.domains.units import UNITS, dimension_of
from superset_review.extension.lazy import LazyModule
from superset_review.extension.linear_regex import compile_linear
from superset_review.pii.dictionaries import FIRST_NAMES, SURNAMES
from superset_review.pii.types import PiiType

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")  # imported at first use: see extension/lazy.py


@dataclass(frozen=True)
class ThresholdProfile:
    """The weights of the score and the bands; versioned because every stored assignment depends on it."""

    name: str
    version: int
    alpha: float  # header name similarity
    beta: float  # regex strength
    gamma: float  # value similarity
    epsilon: float  # unit compatibility
    zeta: float  # table context
    tau_high: float
    tau_low: float
    margin: float  # high also needs this lead over the next domain: a tie between two readings is borderline
    pattern_miss_penalty: float  # a shape-defined domain whose regexes miss nearly every value
    pattern_miss_share: float
    sample_size: int
    max_value_chars: int
    min_values: int  # fewer non-empty values than this: value evidence counts proportionally less
    # Embedding evidence (domains/vectors.py), scaled by these before the larger of it and the token or vocabulary
    # figure is taken; 0 turns it off.
    name_embedding: float = 0.0
    value_embedding: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_profile(name: str = "tp_default_v1") -> ThresholdProfile:
    """A calibrated profile shipped in ``domains/profiles/<name>.json`` (its ``profile`` key; the file also holds
    the reliability curve and the figures it was fitted and held out on: ``bench/calibrate_domains.py``)."""
    text = resources.files("superset_review.domains").joinpath("profiles", f"{name}.json").read_text(encoding="utf-8")
    fields = {f.name for f in dataclasses.fields(ThresholdProfile)}
    document = json.loads(text)["profile"]
    return ThresholdProfile(**{key: value for key, value in document.items() if key in fields})


def profile_document(name: str = "tp_default_v1") -> dict[str, Any]:
    """The whole calibration file of a profile: ``profile``, ``reliability``, ``measured_on``, ``metrics``."""
    text = resources.files("superset_review.domains").joinpath("profiles", f"{name}.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


# Fitted on the development sets, with a held-out part: bench/calibrate_domains.py writes the file.
TP_DEFAULT_V1 = load_profile("tp_default_v1")


class Band(StrEnum):
    HIGH = "high"
    BORDERLINE = "borderline"
    LOW = "low"  # the domain is unknown
    EMPTY = "empty"  # no non-empty value: no verdict from the name alone


@dataclass(frozen=True)
class Candidate:
    domain: str
    score: float
    name_sim: float
    regex_strength: float
    value_sim: float
    unit_compat: float
    context: float


@dataclass(frozen=True)
class ColumnDomain:
    """The verdict on one column. ``domain`` is None for the low and empty bands (unknown)."""

    column: str
    domain: str | None
    confidence: float
    band: Band
    pii: PiiType | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "domain": self.domain,
            "confidence": self.confidence,
            "band": self.band.value,
            "pii": self.pii.value if self.pii else None,
            "evidence": self.evidence,
        }


# A provider of value similarity (e.g. embeddings against the catalog's centroids): column name and sampled values
# in, {domain name: similarity in [0, 1]} out. Combined with the built-in figure by taking the larger.
ValueSimilarity = Callable[[str, Sequence[str]], Mapping[str, float]]


class SimilarityIndex(Protocol):
    """Embedding similarity of headers and of value samples to each domain (``vectors.CentroidIndex``), batched
    per table: one mapping {domain: similarity in [0, 1]} per header or per column's values."""

    def name_similarity(self, headers: Sequence[str]) -> Sequence[Mapping[str, float]]: ...

    def value_similarity(self, value_sketches: Sequence[Sequence[str]]) -> Sequence[Mapping[str, float]]: ...


KIND_CREDIT = 0.3  # value similarity for values of the domain's kind alone (text, integers, codes)
NEGATIVE_VALUE_SHARE = 0.5  # of values that are a domain's negatives: not that domain

# --- header tokens -------------------------------------------------------------------------------------------
_CAMEL = compile_linear(r"([\p{Ll}\p{N}])(\p{Lu})")
_ACRONYM = compile_linear(r"(\p{Lu})(\p{Lu}\p{Ll})")
_LETTERS_DIGITS = compile_linear(r"(\p{L})(\p{N})")
_DIGITS_LETTERS = compile_linear(r"(\p{N})(\p{L})")
_SEPARATORS = compile_linear(r"[^\p{L}\p{N}]+")
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "addr": ("address",),
    "tel": ("telephone",),
    "ph": ("phone",),
    "mob": ("mobile",),
    "no": ("number",),
    "nr": ("number",),
    "num": ("number",),
    "nbr": ("number",),
    "qty": ("quantity",),
    "amt": ("amount",),
    "dt": ("date",),
    "ts": ("timestamp",),
    "dob": ("date", "of", "birth"),
    "fname": ("first", "name"),
    "lname": ("last", "name"),
    "cust": ("customer",),
    "acct": ("account",),
    "desc": ("description",),
    "cnt": ("count",),
    "pct": ("percent",),
    "ccy": ("currency",),
    "cur": ("currency",),
    "dept": ("department",),
    "org": ("organization",),
    "mgr": ("manager",),
    "emp": ("employee",),
    "msg": ("message",),
    "st": ("street",),
    "str": ("street",),
    "prod": ("product",),
    "cat": ("category",),
    "lng": ("longitude",),
    "lon": ("longitude",),
    "lat": ("latitude",),
    "yr": ("year",),
    "mon": ("month",),
    "wt": ("weight",),
    "temp": ("temperature",),
    "zipcode": ("zip", "code"),
    "postcode": ("post", "code"),
    "firstname": ("first", "name"),
    "lastname": ("last", "name"),
    "fullname": ("full", "name"),
    "username": ("user", "name"),
    "birthdate": ("birth", "date"),
    "emailaddress": ("email", "address"),
    "phonenumber": ("phone", "number"),
    "фио": ("фио",),
}


def header_tokens(column: str) -> tuple[str, ...]:
    """``billingZipCode`` -> billing, zip, code; ``address1`` -> address, 1; ``ДатаРождения`` -> дата, рождения."""
    spaced = _ACRONYM.sub(r"\1 \2", _CAMEL.sub(r"\1 \2", column[:200]))
    spaced = _DIGITS_LETTERS.sub(r"\1 \2", _LETTERS_DIGITS.sub(r"\1 \2", spaced))
    return tuple(token for token in _SEPARATORS.split(spaced.lower()) if token)


def _expanded(tokens: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for token in tokens:
        out.extend(ABBREVIATIONS.get(token, (token,)))
    return tuple(out)


def expanded_tokens(column: str) -> tuple[str, ...]:
    """The header's tokens with abbreviations spelled out: ``cust_tel_no`` -> customer, telephone, number."""
    return _expanded(header_tokens(column))


@dataclass(frozen=True)
class _Alias:
    domain: str
    phrase: str
    tokens: tuple[str, ...]
    joined: str


@dataclass(frozen=True)
class _NameMatch:
    score: float
    alias: str


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    width = len(needle)
    return any(tuple(haystack[i : i + width]) == tuple(needle) for i in range(len(haystack) - width + 1))


def _name_match(tokens: tuple[str, ...], alias: _Alias) -> float:
    if not tokens or not alias.tokens:
        return 0.0
    joined = "".join(tokens)
    if tokens == alias.tokens or joined == alias.joined:
        return 1.0
    if _contains(tokens, alias.tokens):
        # "customer_email" holds "email": the more of the header the alias covers, the closer.
        return 0.7 + 0.25 * len(alias.tokens) / len(tokens)
    if len(alias.joined) >= 5 and alias.joined in joined:
        return 0.6 + 0.2 * len(alias.joined) / len(joined)
    shared = set(tokens) & set(alias.tokens)
    if shared and len(alias.tokens) > 1:
        return 0.45 * len(shared) / len(set(tokens) | set(alias.tokens))
    return 0.0


# --- values --------------------------------------------------------------------------------------------------
_INTEGRAL_FLOAT = r"^([+-]?[0-9]+)\.0+$"
_INTEGER = r"^[+-]?[0-9]+$"
_DECIMAL = r"^[+-]?[0-9]*[.,][0-9]+$"
_HAS_LETTER = r"\p{L}"
_CODE = r"^[^ ]{1,40}$"
_NAME_WORD = r"\p{Lu}[\p{L}'\u2019.-]*"
_SINGLE_NAME = rf"^{_NAME_WORD}$|^\p{{Ll}}+$"
# Chinese, Japanese and Korean names have no case and no space: a family and a given name in 2-4 characters.
_CJK_NAME = r"^[\p{Han}\p{Hangul}]{2,4}$"
_FULL_NAME = rf"^{_NAME_WORD},?(?: {_NAME_WORD}){{1,3}}$|{_CJK_NAME}"
# A column of names mixes "Anna", "Anna Berg" and "Berg, Anna": one to four name words.
_ANY_NAME = rf"^{_NAME_WORD},?(?: {_NAME_WORD}){{0,3}}$"
_UNIT_AFFIX = r"^\s*([^\d\s.,+-]{1,6})?\s*[+-]?[0-9][0-9 .,]*\s*([^\d\s.,]{1,6})?\s*$"
_FIRST_NAMES = sorted(FIRST_NAMES)
_ALL_NAMES = sorted(FIRST_NAMES | SURNAMES)
_SURNAMES = sorted(SURNAMES)


def _text_of(values: pl.Series) -> pl.Series | None:
    """Values as text for matching: integral floats (``8801712345678.0``) as their digits, dates in ISO form."""
    dtype = values.dtype
    if dtype == pl.String:
        return values
    if dtype.is_float():
        finite = values.filter(values.is_finite())
        largest = finite.abs().max() if len(finite) else None
        if isinstance(largest, float) and largest < 1e18 and bool((finite == finite.round(0)).all()):
            return values.cast(pl.Int64, strict=False).cast(pl.String)
        return values.cast(pl.String)
    if dtype == pl.Boolean:
        return values.cast(pl.String)
    if dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.Null, pl.Categorical) or isinstance(dtype, pl.Enum):
        return values.cast(pl.String)
    return None


def sample_values(values: pl.Series, profile: ThresholdProfile) -> tuple[pl.Series, int, int]:
    """The bounded, fixed-seed sample of non-empty values (as text), the count of non-empty values (estimated
    beyond ``4 * sample_size`` values) and the row count."""
    rows = len(values)
    present = values.drop_nulls()
    non_null = len(present)
    if non_null > 4 * profile.sample_size:
        # Sample first, convert and strip after: doing so on a million long strings would cost more than the verdict.
        present = present.sample(4 * profile.sample_size, seed=0)
    text = _text_of(present)
    if text is None:
        return pl.Series([], dtype=pl.String), 0, rows
    present = text
    read = len(present)
    present = present.str.slice(0, profile.max_value_chars * 2).str.strip_chars()
    present = present.filter(present != "")
    present = present.str.replace(_INTEGRAL_FLOAT, "${1}")
    # Exact up to 4 samples' worth of values; beyond, estimated from the share of blanks among those read.
    non_empty = round(non_null * len(present) / read) if read else 0
    if len(present) > profile.sample_size:
        present = present.sample(profile.sample_size, seed=0)
    return present.str.slice(0, profile.max_value_chars), non_empty, rows


# --- the classifier ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedColumn:
    name: str
    sampled: int
    non_empty: int
    rows: int
    features: Mapping[str, Any] | None
    extra: Mapping[str, float]  # a ValueSimilarity provider's figures
    embedded_names: Mapping[str, float]  # unscaled embedding similarity of the header, per domain
    embedded_values: Mapping[str, float]  # unscaled embedding similarity of the values, per domain


@dataclass(frozen=True)
class PreparedFrame:
    columns: tuple[PreparedColumn, ...]
    names_only: bool = False  # no value was read (see classify_frame)


class DomainClassifier:
    """A catalog and a profile, prepared once (aliases tokenised, patterns listed) for many tables."""

    def __init__(
        self,
        catalog: Catalog | None = None,
        profile: ThresholdProfile = TP_DEFAULT_V1,
        *,
        similarity: SimilarityIndex | None = None,
        embeddings: bool = True,
    ) -> None:
        """``similarity`` gives the embedding evidence; by default the catalog's offline centroids, when the
        profile weighs embeddings at all and ``embeddings`` is true."""
        self.catalog = catalog or builtin_catalog()
        self.profile = profile
        if similarity is None and embeddings and (profile.name_embedding or profile.value_embedding):
            from superset_review.domains.vectors import CentroidIndex

            similarity = CentroidIndex.for_catalog(self.catalog)
        self.similarity = similarity
        self.domains = self.catalog.assignable
        self.aliases: list[_Alias] = []
        self.negatives: dict[str, list[tuple[str, ...]]] = {}
        self.vocabulary: dict[str, list[str]] = {}
        self.negative_values: dict[str, list[str]] = {}
        for domain in self.domains:
            for phrase in {*domain.alias_phrases(), domain.name.split(".")[-1].replace("_", " ")}:
                tokens = _expanded(header_tokens(phrase))
                self.aliases.append(_Alias(domain.name, phrase, tokens, "".join(tokens)))
            self.negatives[domain.name] = [_expanded(header_tokens(phrase)) for phrase in domain.negatives]
            if domain.negatives:
                self.negative_values[domain.name] = sorted({phrase.lower() for phrase in domain.negatives})
            if domain.values:
                self.vocabulary[domain.name] = sorted({*domain.values, *(e.lower() for e in domain.examples)})
        # Every pattern once, by source: several domains may share one.
        self.patterns: list[str] = sorted({p.anchored for d in self.domains for p in d.regexes})
        self.pattern_index = {source: index for index, source in enumerate(self.patterns)}

    # name evidence
    def name_evidence(self, column: str) -> tuple[tuple[str, ...], dict[str, _NameMatch], set[str]]:
        tokens = _expanded(header_tokens(column))
        best: dict[str, _NameMatch] = {}
        present, joined = set(tokens), "".join(tokens)
        for alias in self.aliases:
            if not (present.intersection(alias.tokens) or (len(alias.joined) >= 5 and alias.joined in joined)):
                continue  # shares nothing with the header: most aliases, skipped cheaply
            score = _name_match(tokens, alias)
            if score and score > best.get(alias.domain, _NameMatch(0.0, "")).score:
                best[alias.domain] = _NameMatch(score, alias.phrase)
        vetoed = {
            name
            for name, phrases in self.negatives.items()
            if any(phrase and (_contains(tokens, phrase) or "".join(phrase) == "".join(tokens)) for phrase in phrases)
        }
        return tokens, best, vetoed

    def classify_frame(
        self, frame: pl.DataFrame, *, value_similarity: ValueSimilarity | None = None, names_only: bool = False
    ) -> list[ColumnDomain]:
        """Every column of ``frame``; all columns' samples are matched in one pass per pattern.

        ``names_only``: no value was read (the policy's metadata_only), so a column without values is not empty but
        unread; its verdict rests on the header and the table's context, and is never high."""
        return self.classify_prepared(self.prepare(frame, value_similarity=value_similarity, names_only=names_only))

    def prepare(
        self, frame: pl.DataFrame, *, value_similarity: ValueSimilarity | None = None, names_only: bool = False
    ) -> PreparedFrame:
        """The profile-independent work on ``frame``: samples, pattern and vocabulary shares, embedding
        similarities (calibration scores one prepared frame under many profiles)."""
        columns = [(name, frame.get_column(name)) for name in frame.columns]
        return self.prepare_columns(columns, value_similarity=value_similarity, names_only=names_only)

    def prepare_columns(
        self,
        columns: Sequence[tuple[str, pl.Series]],
        *,
        value_similarity: ValueSimilarity | None = None,
        names_only: bool = False,
    ) -> PreparedFrame:
        """``prepare`` on columns given one by one (headers may repeat: the catalog's auto-test)."""
        profile = self.profile
        samples: list[tuple[str, pl.Series, int, int]] = []
        for name, values in columns:
            sample, non_empty, rows = sample_values(values, profile)
            samples.append((name, sample, non_empty, rows))
        features = self._value_features([sample for _, sample, _, _ in samples])
        embedded_names: Sequence[Mapping[str, float]] = [{}] * len(samples)
        embedded_values: Sequence[Mapping[str, float]] = [{}] * len(samples)
        if self.similarity is not None and samples:
            embedded_names = self.similarity.name_similarity([name for name, _, _, _ in samples])
            embedded_values = self.similarity.value_similarity([sample.to_list() for _, sample, _, _ in samples])
        prepared = []
        for index, (name, sample, non_empty, rows) in enumerate(samples):
            extra = dict(value_similarity(name, sample.to_list())) if value_similarity and len(sample) else {}
            prepared.append(
                PreparedColumn(
                    name, len(sample), non_empty, rows, features.get(index), extra,
                    embedded_names[index], embedded_values[index],
                )
            )  # fmt: skip
        return PreparedFrame(tuple(prepared), names_only)

    def classify_columns(self, columns: Sequence[tuple[str, pl.Series]], *, alone: bool = False) -> list[ColumnDomain]:
        """Columns of one table; with ``alone``, each as a table of its own (no context from the others): many
        one-column checks for the price of one pass (the catalog's auto-test)."""
        return self.classify_prepared(self.prepare_columns(columns), alone=alone)

    def classify_prepared(
        self, prepared: PreparedFrame, profile: ThresholdProfile | None = None, *, alone: bool = False
    ) -> list[ColumnDomain]:
        """The verdicts on a prepared frame under ``profile`` (this classifier's by default); ``alone``: no column
        gets context from the others."""
        profile = profile or self.profile
        first: list[tuple[list[Candidate], dict[str, Any], set[str]]] = []
        for column in prepared.columns:
            extra = dict(column.extra)
            for domain, similarity in column.embedded_values.items():
                extra[domain] = max(extra.get(domain, 0.0), profile.value_embedding * similarity)
            named = {domain: profile.name_embedding * sim for domain, sim in column.embedded_names.items()}
            first.append(
                self._candidates(
                    column.name, column.features, column.sampled, column.non_empty, column.rows, extra, named, profile
                )
            )
        families = [self._top_family(candidates, profile) for candidates, _, _ in first]
        results = []
        for index, (column, (candidates, evidence, _)) in enumerate(zip(prepared.columns, first, strict=True)):
            others = set() if alone else {family for j, family in enumerate(families) if j != index and family}
            results.append(
                self._verdict(column.name, candidates, evidence, others, column.non_empty, profile, prepared.names_only)
            )
        return results

    def classify_column(self, name: str, values: pl.Series) -> ColumnDomain:
        return self.classify_frame(pl.DataFrame({name: values}))[0]

    def _rank(self, candidate: Candidate) -> tuple[float, float, bool, str]:
        """Best score first; on a tie the header decides, then the claim that is not personal data (a year before a
        birth year: the values alone cannot tell)."""
        personal = self.catalog.by_name[candidate.domain].pii is not None
        return (-candidate.score, -candidate.name_sim, personal, candidate.domain)

    def _top_family(self, candidates: list[Candidate], profile: ThresholdProfile) -> str | None:
        if candidates and candidates[0].score >= profile.tau_high:
            return candidates[0].domain.split(".", 1)[0]
        return None

    def _value_features(self, samples: list[pl.Series]) -> dict[int, dict[str, Any]]:
        """Per column (by index): pattern hit counts and per-domain shares, from one frame of all samples."""
        if not any(len(s) for s in samples):
            return {}
        column = pl.Series("column", [i for i, s in enumerate(samples) for _ in range(len(s))], dtype=pl.Int32)
        values = pl.concat([s.rename("value") for s in samples if len(s)])
        # Each distinct value of a column is matched once and counted ``n`` times: a status column of 500 values
        # holds five.
        frame = (
            pl.DataFrame({"column": column, "value": values})
            .group_by("column", "value", maintain_order=True)
            .agg(pl.len().alias("n"))
            .with_columns(pl.col("value").str.to_lowercase().alias("lower"))
        )
        count = pl.col("n")
        value, lower = pl.col("value"), pl.col("lower")
        hits = [value.str.contains(source).alias(f"p{index}") for index, source in enumerate(self.patterns)]
        number = value.str.replace_all(r"[ ,](\d{3})", "${1}").str.replace(",", ".").cast(pl.Float64, strict=False)
        words = lower.str.extract_all(r"\p{L}+")
        basics = [
            value.str.contains(_INTEGER).alias("k_integer"),
            value.str.contains(_DECIMAL).alias("k_decimal"),
            value.str.contains(_HAS_LETTER).alias("k_text"),
            value.str.contains(_CODE).alias("k_code"),
            number.alias("number"),
            (value.str.contains(_SINGLE_NAME) & lower.is_in(_FIRST_NAMES)).alias("s_first_names"),
            (value.str.contains(_SINGLE_NAME) & lower.is_in(_SURNAMES)).alias("s_surnames"),
            value.str.contains(_SINGLE_NAME).alias("s_single_shape"),
            (value.str.contains(_ANY_NAME) & words.list.eval(pl.element().is_in(_ALL_NAMES)).list.any()).alias(
                "s_full_names"
            ),
            value.str.contains(_FULL_NAME).alias("s_full_shape"),
            value.str.extract(_UNIT_AFFIX, 1).str.to_lowercase().alias("u_prefix"),
            value.str.extract(_UNIT_AFFIX, 2).str.to_lowercase().alias("u_suffix"),
        ]
        vocab = [lower.is_in(words_).alias(f"v_{name}") for name, words_ in self.vocabulary.items()]
        vocab += [lower.is_in(words_).alias(f"g_{name}") for name, words_ in self.negative_values.items()]
        frame = frame.with_columns(*hits, *basics, *vocab)
        strengths = []
        for domain in self.domains:
            if domain.regexes:
                weighted = [
                    pl.when(pl.col(f"p{self.pattern_index[p.anchored]}")).then(p.weight).otherwise(0.0)
                    for p in domain.regexes
                ]
                strengths.append(((pl.max_horizontal(weighted) * count).sum() / count.sum()).alias(f"r_{domain.name}"))
            if domain.value_range is not None:
                low, high = domain.value_range
                inside = pl.col("number").is_between(low, high).fill_null(False) & (
                    pl.col("k_integer") | pl.col("k_decimal")
                )
                strengths.append(((inside.cast(pl.Float64) * count).sum() / count.sum()).alias(f"n_{domain.name}"))
        shares = [name for name in frame.columns if name.startswith(("k_", "s_", "v_", "g_"))]
        aggregated = frame.group_by("column").agg(
            *((pl.col(f"p{index}").cast(pl.Int64) * count).sum() for index in range(len(self.patterns))),
            *(((pl.col(name).cast(pl.Float64) * count).sum() / count.sum()).alias(name) for name in shares),
            *strengths,
            pl.col("u_prefix").drop_nulls().value_counts(sort=True).head(3).alias("u_prefix"),
            pl.col("u_suffix").drop_nulls().value_counts(sort=True).head(3).alias("u_suffix"),
        )
        return {int(row.pop("column")): row for row in aggregated.iter_rows(named=True)}

    def _units_found(self, tokens: tuple[str, ...], features: Mapping[str, Any] | None) -> dict[str, str]:
        """Unit cues -> their dimension, from header tokens (cues of 2+ characters) and value affixes."""
        found: dict[str, str] = {}
        for token in tokens:
            dimension = dimension_of(token) if len(token) > 1 or not token.isascii() else None
            if dimension:
                found[token] = dimension
        for key in ("u_prefix", "u_suffix"):
            for entry in (features or {}).get(key) or []:
                cue = next(iter(entry.values())) if isinstance(entry, dict) else entry
                if isinstance(cue, str):
                    dimension = dimension_of(cue)
                    if dimension:
                        found[cue] = dimension
        return found

    def _candidates(
        self,
        column: str,
        features: Mapping[str, Any] | None,
        sampled: int,
        non_empty: int,
        rows: int,
        extra: Mapping[str, float],
        embedded_names: Mapping[str, float],
        profile: ThresholdProfile,
    ) -> tuple[list[Candidate], dict[str, Any], set[str]]:
        tokens, names, vetoed = self.name_evidence(column)
        for domain_name, similarity in embedded_names.items():
            if similarity > (names[domain_name].score if domain_name in names else 0.0):
                # The header's meaning is close to the domain's aliases without sharing a token with any of them.
                names[domain_name] = _NameMatch(similarity, "")
        units = self._units_found(tokens, features)
        dimensions = set(units.values())
        in_values = any(cue not in tokens for cue in units)
        trust = min(1.0, sampled / profile.min_values) if sampled else 0.0
        candidates: list[Candidate] = []
        f = features or {}
        for domain in self.domains:
            if domain.name in vetoed:
                continue
            if sampled and float(f.get(f"g_{domain.name}") or 0.0) >= NEGATIVE_VALUE_SHARE:
                vetoed.add(domain.name)  # "unknown", "n/a": the values say it is not this domain
                continue
            name_sim = names[domain.name].score if domain.name in names else 0.0
            regex = float(f.get(f"r_{domain.name}") or 0.0) if sampled else 0.0
            value = self._value_sim(domain, f) if sampled else 0.0
            value = max(value, min(1.0, max(0.0, float(extra.get(domain.name, 0.0)))))
            unit = 0.0
            if domain.units and dimensions:
                own = {UNITS[code].dimension for code in domain.units}
                unit = 1.0 if dimensions & own else -1.0
            elif in_values and not domain.units:
                unit = -1.0  # "12 kg" is a quantity with a unit, not a street or a code
            score = profile.alpha * name_sim + trust * (profile.beta * regex + profile.gamma * value)
            score += profile.epsilon * unit
            if sampled and domain.pattern_required and regex < profile.pattern_miss_share:
                score -= profile.pattern_miss_penalty
            if score <= 0:
                continue
            candidates.append(Candidate(domain.name, score, name_sim, regex, value, unit, 0.0))
        candidates.sort(key=self._rank)
        evidence: dict[str, Any] = {"header_tokens": list(tokens), "rows": rows, "non_empty": non_empty}
        evidence["sampled"] = sampled
        if units:
            evidence["unit_cues"] = units
        if vetoed:
            evidence["ruled_out_by_negatives"] = sorted(vetoed)
        # The alias that matched, or the embedding similarity when none shares a token with the header.
        evidence["_names"] = {
            name: {"alias": match.alias} if match.alias else {"embedding": round(match.score, 3)}
            for name, match in names.items()
        }
        evidence["_features"] = f
        return candidates, evidence, vetoed

    def _value_sim(self, domain: Domain, f: Mapping[str, Any]) -> float:
        kind_fit = {
            "integer": f.get("k_integer"),
            "decimal": (f.get("k_integer") or 0) + (f.get("k_decimal") or 0),
            "text": f.get("k_text"),
            "code": f.get("k_code"),
        }.get(domain.kind)
        best = KIND_CREDIT * min(1.0, float(kind_fit or 0.0))
        if domain.kind == "code" and domain.values:
            best = 0.0  # a closed set: only its own values count ("The Great Gatsby" is a code, not a title like Mr)
        if domain.name in self.vocabulary:
            best = max(best, float(f.get(f"v_{domain.name}") or 0.0))
        if domain.value_range is not None:
            best = max(best, 0.5 * float(f.get(f"n_{domain.name}") or 0.0))
        if domain.value_set == "first_names":
            best = max(best, float(f.get("s_first_names") or 0) + 0.4 * float(f.get("s_single_shape") or 0))
        elif domain.value_set == "surnames":
            best = max(best, float(f.get("s_surnames") or 0) + 0.4 * float(f.get("s_single_shape") or 0))
        elif domain.value_set == "full_names":
            best = max(best, float(f.get("s_full_names") or 0) + 0.4 * float(f.get("s_full_shape") or 0))
        return min(1.0, best)

    def _verdict(
        self,
        column: str,
        candidates: list[Candidate],
        evidence: dict[str, Any],
        other_families: set[str],
        non_empty: int,
        profile: ThresholdProfile,
        names_only: bool = False,
    ) -> ColumnDomain:
        names: dict[str, dict[str, Any]] = evidence.pop("_names")
        features: dict[str, Any] = evidence.pop("_features")
        if other_families:
            candidates = sorted(
                (
                    Candidate(
                        c.domain,
                        c.score + profile.zeta * (c.domain.split(".", 1)[0] in other_families),
                        c.name_sim,
                        c.regex_strength,
                        c.value_sim,
                        c.unit_compat,
                        float(c.domain.split(".", 1)[0] in other_families),
                    )
                    for c in candidates
                ),
                key=self._rank,
            )
        evidence["candidates"] = [{"domain": c.domain, "score": round(min(1.0, c.score), 3)} for c in candidates[:3]]
        if not non_empty and not names_only:
            # The name alone gives no verdict (an empty "email" column holds no e-mail): only a hint.
            named = [c for c in candidates if c.name_sim > 0]
            if named:
                hint = self.catalog.by_name[named[0].domain]
                evidence["name_hint"] = {
                    "domain": hint.name,
                    **names[hint.name],
                    "pii": hint.pii.value if hint.pii else None,
                }
            evidence["empty"] = True
            return ColumnDomain(column, None, 0.0, Band.EMPTY, None, evidence)
        if not candidates:
            return ColumnDomain(column, None, 0.0, Band.LOW, None, evidence)
        top = candidates[0]
        confidence = round(max(0.0, min(1.0, top.score)), 3)
        band = (
            Band.HIGH
            if confidence >= profile.tau_high
            else Band.BORDERLINE
            if confidence >= profile.tau_low
            else Band.LOW
        )
        lead = top.score - candidates[1].score if len(candidates) > 1 else top.score
        if band is Band.HIGH and names_only:
            band = Band.BORDERLINE  # a header without its values is a reading to confirm, never an assignment
            evidence["names_only"] = True
        elif band is Band.HIGH and lead < profile.margin:
            # Values that read equally well as two domains (a year or a birth year, 1-31 as a day or an age).
            band = Band.BORDERLINE
            evidence["ambiguous_with"] = candidates[1].domain
        domain = self.catalog.by_name[top.domain]
        evidence["score"] = {
            "name_sim": round(top.name_sim, 3),
            "regex_strength": round(top.regex_strength, 3),
            "value_sim": round(top.value_sim, 3),
            "unit_compat": top.unit_compat,
            "context": top.context,
        }
        if top.domain in names:
            evidence["name"] = names[top.domain]
        evidence["regexes"] = [
            {"pattern": p.source, "matched": int(features.get(f"p{self.pattern_index[p.anchored]}") or 0)}
            for p in domain.regexes
        ]
        if band is Band.LOW:
            return ColumnDomain(column, None, confidence, band, None, evidence)
        # Personal data is claimed when the verdict is high, or borderline with the header pointing at it.
        pii = domain.pii if band is Band.HIGH or top.name_sim > 0 else None
        return ColumnDomain(column, top.domain, confidence, band, pii, evidence)


def classify_frame(
    frame: pl.DataFrame,
    *,
    catalog: Catalog | None = None,
    profile: ThresholdProfile = TP_DEFAULT_V1,
    value_similarity: ValueSimilarity | None = None,
    names_only: bool = False,
) -> list[ColumnDomain]:
    return DomainClassifier(catalog, profile).classify_frame(
        frame, value_similarity=value_similarity, names_only=names_only
    )
