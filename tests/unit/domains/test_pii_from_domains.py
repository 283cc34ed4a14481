"""One answer to "is this column personal data": the domain first, the value detectors where it cannot tell, no
verdict for an empty column from its name alone."""

from __future__ import annotations

import polars as pl

from superset_review.domains.domaining import PiiVerdict, classify_sample, current_catalog
from superset_review.domains.pii import combined, pii_findings
from superset_review.pii.scanner import scan_column
from superset_review.pii.types import PiiType


def findings(frame: pl.DataFrame) -> dict[str, PiiType | None]:
    return {finding.column: finding.pii_type for finding in pii_findings(frame)}


def test_an_empty_column_gets_no_verdict_from_its_name() -> None:
    frame = pl.DataFrame({"email": pl.Series([None, "", None], dtype=pl.String), "id": [1, 2, 3]})
    [email, _] = pii_findings(frame)
    assert email.pii_type is None and email.empty and email.name_hint is PiiType.EMAIL


def test_phones_stored_as_floats_are_personal_data() -> None:
    """The detectors do not read floats; the domain does (8801712345678.0 is a phone number)."""
    frame = pl.DataFrame(
        {"mobile": [8801712345678.0, 8801812345679.0, 8801912345670.0, 8801512345671.0, 8801612345672.0]}
    )
    assert findings(frame) == {"mobile": PiiType.PHONE}


def test_a_confident_non_personal_domain_overrules_the_detectors() -> None:
    finding = scan_column("order_ref", pl.Series(["555-123-4567"] * 5))
    phone = type(finding)(finding.column, PiiType.PHONE, 0.9, finding.evidence)
    order = PiiVerdict("order_ref", None, 0.95, "identifier.order_id", "high", "classifier")
    assert combined(phone, order, free_text={"text.description"}).pii_type is None
    free = PiiVerdict("order_ref", None, 0.95, "text.description", "high", "classifier")
    assert combined(phone, free, free_text={"text.description"}).pii_type is PiiType.PHONE, "free text is read"
    unsure = PiiVerdict("order_ref", None, 0.5, "identifier.order_id", "borderline", "classifier")
    assert combined(phone, unsure).pii_type is PiiType.PHONE, "a borderline domain leaves it to the detectors"
    person = PiiVerdict("order_ref", None, 1.0, None, "low", "decision")
    assert combined(phone, person).pii_type is None, "a person who said 'not personal data' is heard"


def test_snippets_in_the_evidence_are_masked() -> None:
    catalog, _ = current_catalog()
    frame = pl.DataFrame({"email": ["ann@example.com", "bo@example.org"], "note": ["call ann@example.com", "ok"]})
    results, _ = classify_sample(catalog, frame, frame.columns)
    snippets = " ".join(" ".join(result.evidence["samples"]) for result in results)
    assert "@example" not in snippets and "ok" in snippets


def test_metadata_only_reads_headers_and_never_assigns_high() -> None:
    catalog, _ = current_catalog()
    results, _ = classify_sample(catalog, None, ["email", "order_date", "zzz"])
    verdicts = {result.column: (result.domain, result.band.value) for result in results}
    assert verdicts["email"] == ("contact.email", "borderline")
    assert verdicts["zzz"][1] == "low"
    assert all(result.band.value != "high" and "samples" not in result.evidence for result in results)


def test_metadata_only_weighs_the_columns_database_type() -> None:
    catalog, _ = current_catalog()
    columns = ["email", "order_date", "phone", "is_active"]
    types = {"email": "BIGINT", "order_date": "TIMESTAMP WITHOUT TIME ZONE", "phone": "BIGINT", "is_active": "VARCHAR"}
    results = {result.column: result for result in classify_sample(catalog, None, columns, types)[0]}
    email = results["email"]
    assert email.domain != "contact.email" and "contact.email" in email.evidence["type"]["ruled_out"]
    assert results["order_date"].domain == "datetime.date", "a timestamp column may hold dates"
    assert results["phone"].domain == "contact.phone", "phone numbers are often stored as integers"
    assert "type" not in results["is_active"].evidence, "a text type holds anything"
