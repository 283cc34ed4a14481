"""Domaining's pure steps, with no Superset command or model import (the profile's masking runs them in unit tests
and in the CLI too): the catalog in use, a prepared classifier per catalog, the sample domaining may read, the
verdicts with masked snippets, and the one answer to "which columns are personal data"."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superset_review.domains.catalog import Catalog, Domain, builtin_catalog
from superset_review.domains.classify import TP_DEFAULT_V1, Band, ColumnDomain, DomainClassifier
from superset_review.extension.linear_regex import compile_linear
from superset_review.pii.types import PiiType
from superset_review.policy.manifest import Mode, PolicyManifest

if TYPE_CHECKING:
    import polars as pl

SNIPPETS = 3  # sample values shown per column in the evidence, masked
SNIPPET_CHARS = 60


@dataclass(frozen=True)
class CatalogStamp:
    """Which catalog and threshold profile produced a verdict (stored with every assignment)."""

    version: int | None
    content_hash: str
    profile_id: str


@dataclass(frozen=True)
class PiiVerdict:
    """The answer to "is this column personal data": ``pii`` None means no; ``source`` says who answered."""

    column: str
    pii: PiiType | None
    confidence: float
    domain: str | None
    band: str
    source: str  # "decision" (a person), "assignment" (stored domaining), "classifier" (this sample, nothing stored)

    @property
    def empty(self) -> bool:
        return self.band == Band.EMPTY.value


def current_catalog() -> tuple[Catalog, CatalogStamp]:
    """The live catalog (slice A's store, once it exists) or the built-in one, with its stamp."""
    try:
        live = importlib.import_module("superset_review.domains.live").live_catalog()
    except ModuleNotFoundError:
        catalog = builtin_catalog()
        return catalog, CatalogStamp(None, catalog.content_hash, TP_DEFAULT_V1.name)
    return live.catalog, CatalogStamp(live.version, live.content_hash, TP_DEFAULT_V1.name)


_CLASSIFIERS: dict[str, DomainClassifier] = {}


def classifier_for(catalog: Catalog) -> DomainClassifier:
    """One prepared classifier per catalog content (aliases tokenised once, not per dataset); a promoted catalog
    has another hash, so an old classifier is never used for it."""
    classifier = _CLASSIFIERS.get(catalog.content_hash)
    if classifier is None:
        if len(_CLASSIFIERS) >= 4:
            _CLASSIFIERS.clear()
        classifier = _CLASSIFIERS[catalog.content_hash] = DomainClassifier(catalog, TP_DEFAULT_V1)
    return classifier


# --- reading -----------------------------------------------------------------------------------------------------


def read_sample(dataset: Any, policy: PolicyManifest) -> pl.DataFrame | None:
    """The rows domaining may read: None in metadata_only; else at most the policy's rows, cut to whole rows within
    its bytes (as the PII scan reads them)."""
    if policy.mode is not Mode.DATA_MODE:
        return None
    caps = policy.sample_caps
    from superset_review.adapters.datasets import sample_rows

    frame = sample_rows(dataset, max(caps.rows, 0))
    if frame.height and frame.estimated_size() > caps.bytes:
        bytes_per_row = frame.estimated_size() / frame.height
        frame = frame.head(int(caps.bytes // bytes_per_row))
    return frame


def _names_frame(columns: Sequence[str]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame({name: pl.Series(name, [], dtype=pl.String) for name in dict.fromkeys(columns)})


def classify_sample(
    catalog: Catalog,
    frame: pl.DataFrame | None,
    columns: Sequence[str],
    types: Mapping[str, str] | None = None,
) -> tuple[list[ColumnDomain], pl.DataFrame]:
    """The verdict on every column (by its values when ``frame`` has them, by its header, its database type and the
    table's context otherwise), with masked sample snippets in the evidence; also the frame read (empty in
    metadata_only)."""
    classifier = classifier_for(catalog)
    names_only = frame is None
    if frame is None:
        frame = _names_frame(columns)
    results = classifier.classify_frame(frame, names_only=names_only)
    if not names_only:
        results = [_with_snippets(result, frame, catalog) for result in results]
    elif types:
        results = [_fitting_type(result, types.get(result.column) or "", catalog) for result in results]
    return results, frame


# The kinds of value a column of a database type can hold (a string column can hold any; a phone number stored as a
# BIGINT is a code, so numbers exclude only text and booleans).
_TYPE_FAMILIES: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("TIMESTAMP", "DATETIME"), frozenset({"date", "datetime", "time"})),
    (("DATE",), frozenset({"date", "datetime"})),
    (("TIME",), frozenset({"time", "datetime"})),
    (("BOOL",), frozenset({"boolean"})),
    (("INT", "NUMERIC", "DECIMAL", "FLOAT", "DOUBLE", "REAL", "NUMBER", "SERIAL", "MONEY"),
     frozenset({"integer", "decimal", "code", "date", "datetime"})),
)  # fmt: skip


def kinds_of_type(sql_type: str) -> frozenset[str] | None:
    """The domain kinds a database type allows; None when it allows any (text types, an unknown type)."""
    upper = sql_type.upper()
    if any(word in upper for word in ("CHAR", "TEXT", "STRING", "CLOB", "JSON", "UUID", "INTERVAL", "POINT")):
        return None
    for words, kinds in _TYPE_FAMILIES:
        if any(word in upper for word in words):
            return kinds
    return None


_DIGITS_ONLY = compile_linear(r"^[0-9 +().-]+$")


def _fits(domain: Domain, allowed: frozenset[str]) -> bool:
    """Whether a column limited to ``allowed`` kinds may hold the domain: a code fits a number type only when some
    of its curated examples are written in digits (phone and card numbers, not e-mail addresses)."""
    if domain.kind not in allowed:
        return False
    if domain.kind == "code" and "text" not in allowed:
        return any(_DIGITS_ONLY.match(example) for example in domain.examples)
    return True


def _fitting_type(result: ColumnDomain, sql_type: str, catalog: Catalog) -> ColumnDomain:
    """A header-only verdict whose domain the column's type cannot hold (an ``email`` column of BIGINT) gives way to
    the best candidate that fits, or to unknown; the type is in the evidence either way."""
    allowed = kinds_of_type(sql_type)
    if allowed is None or result.domain is None:
        return result
    evidence = {**result.evidence, "type": {"sql_type": sql_type[:60]}}
    if _fits(catalog.by_name[result.domain], allowed):
        return ColumnDomain(result.column, result.domain, result.confidence, result.band, result.pii, evidence)
    ruled_out = [
        candidate["domain"]
        for candidate in evidence.get("candidates") or []
        if candidate["domain"] in catalog.by_name and not _fits(catalog.by_name[candidate["domain"]], allowed)
    ]
    evidence["type"]["ruled_out"] = ruled_out
    for candidate in evidence.get("candidates") or []:
        domain = catalog.by_name.get(candidate["domain"])
        if domain is not None and _fits(domain, allowed) and candidate["score"] >= TP_DEFAULT_V1.tau_low:
            return ColumnDomain(result.column, domain.name, candidate["score"], Band.BORDERLINE, domain.pii, evidence)
    return ColumnDomain(result.column, None, result.confidence, Band.LOW, None, evidence)


def _with_snippets(result: ColumnDomain, frame: pl.DataFrame, catalog: Catalog) -> ColumnDomain:
    """A few distinct values of the column, masked: whole under the domain's operator for personal data (or the
    name's hint of it), span by span for the rest (an e-mail inside a comment goes too)."""
    import polars as pl

    from superset_review.pii.masking import RedactOperator, mask_text, mask_value

    values = frame.get_column(result.column).drop_nulls().cast(pl.String, strict=False).drop_nulls()
    values = values.filter(values.str.strip_chars() != "").unique(maintain_order=True).head(SNIPPETS)
    hint = (result.evidence.get("name_hint") or {}).get("pii")
    pii = result.pii or (catalog.by_name[result.domain].pii if result.domain else None)
    snippets: list[str] = []
    for value in values.to_list():
        text = str(value)[:SNIPPET_CHARS]
        if pii is not None or hint:
            operator = masking_operator(catalog, result.domain)
            snippets.append(mask_value(text, pii, operator) if pii is not None else "[REDACTED]")
        else:
            snippets.append(mask_text(text, RedactOperator()).text)
    evidence = {**result.evidence, "samples": snippets}
    return ColumnDomain(result.column, result.domain, result.confidence, result.band, result.pii, evidence)


def masking_operator(catalog: Catalog, domain: str | None) -> Any:
    """The domain's masking operator when it needs no secret or vault (mask, redact, null); else redaction."""
    from superset_review.pii.masking import MaskingConfigError, RedactOperator, parse_operator

    entry = catalog.by_name.get(domain) if domain else None
    if entry is not None and entry.masking and dict(entry.masking).get("kind") in ("mask", "redact", "null"):
        try:
            return parse_operator(dict(entry.masking))
        except MaskingConfigError:  # checked when the catalog was loaded; a redaction all the same
            pass
    return RedactOperator()


def pii_verdicts(frame: pl.DataFrame, dataset_id: int | None = None) -> dict[str, PiiVerdict]:
    """The one answer to "which columns of this sample are personal data": a person's decision or the stored
    domaining of the dataset where there is one, the classifier's verdict on this same sample elsewhere."""
    stored: Mapping[str, PiiVerdict] = {}
    if dataset_id is not None:
        from superset_review.domains.assignments import pii_of_dataset

        stored = pii_of_dataset(dataset_id)
    missing = [column for column in frame.columns if column not in stored]
    classified: list[ColumnDomain] = []
    if missing:
        catalog, _ = current_catalog()
        classified = classifier_for(catalog).classify_frame(frame)  # the whole table: its context counts
        classified = [result for result in classified if result.column in missing]
    return merged_verdicts(stored, classified, frame.columns)


def verdict_of_classifier(result: ColumnDomain) -> PiiVerdict:
    return PiiVerdict(result.column, result.pii, result.confidence, result.domain, result.band.value, "classifier")


def merged_verdicts(
    stored: Mapping[str, PiiVerdict], classified: Iterable[ColumnDomain], columns: Sequence[str]
) -> dict[str, PiiVerdict]:
    """Stored answers where there are any, the classifier's on this sample elsewhere, in ``columns``' order."""
    fresh = {result.column: verdict_of_classifier(result) for result in classified}
    merged: dict[str, PiiVerdict] = {}
    for column in columns:
        if column in stored:
            merged[column] = stored[column]
        elif column in fresh:
            merged[column] = fresh[column]
    return merged
