"""One answer to "is this column personal data", for the PII scan, the profile's masking and what reaches the gateway.

The domain decides: a person's decision on the column, else the stored domaining of the dataset, else the
classifier's verdict on the very sample at hand. A domain that carries a PII class makes the column PII of that class.
The value detectors of ``pii.scanner`` still run and their evidence is kept; they decide alone only where the domain
cannot tell (a borderline or unknown verdict) and in free text: a confident domain of structured values that is not
personal data (``identifier.order_id``, high) overrules the detectors' reading of its values (order numbers written
like phone numbers), and a person who said "not personal data" is heard; a column of free text (a ``text`` domain)
that holds e-mail addresses is masked all the same. A column with no non-empty value gets no verdict from its name
alone.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from superset_review.domains.classify import Band
from superset_review.pii.scanner import THRESHOLD, ColumnFinding, Evidence, scan_frame

if TYPE_CHECKING:
    import polars as pl

    from superset_review.domains.domaining import PiiVerdict


def pii_findings(
    frame: pl.DataFrame, dataset_id: int | None = None, *, threshold: float = THRESHOLD
) -> list[ColumnFinding]:
    """Per column of ``frame``: the verdict (``pii_type`` None when not personal data), domain first."""
    from superset_review.domains.domaining import current_catalog, pii_verdicts

    scanned = scan_frame(frame, threshold=threshold)
    domains = pii_verdicts(frame, dataset_id)
    catalog, _ = current_catalog()
    free_text = {domain.name for domain in catalog.domains if domain.kind == "text"}
    return [combined(finding, domains.get(finding.column), free_text) for finding in scanned]


def combined(finding: ColumnFinding, domain: PiiVerdict | None, free_text: Collection[str] = ()) -> ColumnFinding:
    if domain is None or finding.empty:
        return finding
    said = f"domain {domain.domain or 'unknown'} ({domain.band}, {domain.source})"
    evidence = [Evidence("domain", 1, 1, said), *finding.evidence]
    if domain.pii is not None and not domain.empty:
        confidence = max(domain.confidence, finding.confidence if finding.pii_type is domain.pii else 0.0)
        return ColumnFinding(finding.column, domain.pii, round(confidence, 3), evidence)
    structured = domain.domain is not None and domain.domain not in free_text
    overruled = domain.source == "decision" or (domain.band == Band.HIGH.value and structured)
    if overruled and finding.pii_type is not None:
        evidence.append(Evidence("overruled_by_domain", 1, 1, f"values read as {finding.pii_type}; {said} is not PII"))
        return ColumnFinding(finding.column, None, round(domain.confidence, 3), evidence)
    return ColumnFinding(
        finding.column, finding.pii_type, finding.confidence, evidence, finding.empty, finding.name_hint
    )
