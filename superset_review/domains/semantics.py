"""A dataset's column domains as a source of meanings for its review: per column, the domain's label (verbose name)
and description, with the domain's confidence and a rationale built from its evidence."""

from __future__ import annotations

from typing import Any

from superset_review.domains.assignments import ColumnDomainDAO, is_decided
from superset_review.domains.catalog import Domain
from superset_review.domains.domaining import current_catalog
from superset_review.domains.models import ColumnDomainAssignment
from superset_review.extension.hashing import stable_hash
from superset_review.semantics import DictionaryEntry, SemanticSource, SourceKind

SOURCE_NAME = "column domains"


def label_of(domain: Domain) -> str:
    """The domain's first English alias, capitalised ("Email address"), else its last name part."""
    english = dict(domain.aliases).get("en") or ()
    phrase = english[0] if english else domain.name.rsplit(".", 1)[-1].replace("_", " ")
    return phrase[:1].upper() + phrase[1:]


def rationale_of(row: ColumnDomainAssignment) -> str:
    """Why the domain: who decided, or the band and confidence with the evidence that carried it."""
    if is_decided(row):
        return f"{row.domain}: {row.status} by a reviewer"
    evidence: dict[str, Any] = row.evidence or {}
    parts = [f"{row.domain} ({row.band}, confidence {row.confidence:.2f})"]
    alias = (evidence.get("name") or {}).get("alias")
    if alias:
        parts.append(f"header matches the alias '{alias}'")
    sampled = evidence.get("sampled") or 0
    matched = max((int(regex.get("matched") or 0) for regex in evidence.get("regexes") or []), default=0)
    if sampled and matched:
        parts.append(f"{matched} of {sampled} sampled values match its pattern")
    score = evidence.get("score") or {}
    if score.get("value_sim"):
        parts.append(f"value similarity {float(score['value_sim']):.2f}")
    if evidence.get("unit_cues"):
        parts.append("unit cues " + ", ".join(sorted(evidence["unit_cues"])))
    return "; ".join(parts)[:500]


def domains_source(dataset_id: int) -> SemanticSource:
    """The source of the dataset's stored domains: columns with a domain that is high, borderline or decided.
    Its version changes with any assignment or the catalog, so a re-import refreshes what changed."""
    catalog, stamp = current_catalog()
    entries: dict[str, DictionaryEntry] = {}
    versions: list[Any] = [stamp.content_hash]
    for row in ColumnDomainDAO.of_dataset(dataset_id):
        domain = catalog.by_name.get(row.domain) if row.domain else None
        if domain is None or (row.band not in ("high", "borderline") and not is_decided(row)):
            continue
        confidence = 1.0 if is_decided(row) else round(float(row.confidence), 3)
        entries[row.column_name] = DictionaryEntry(
            row.column_name, label_of(domain), domain.description or None, confidence, rationale_of(row)
        )
        versions.append([row.column_name, row.domain, row.status, confidence])
    return SemanticSource(SourceKind.DOMAINS, SOURCE_NAME, stable_hash(versions)[:16], entries)
