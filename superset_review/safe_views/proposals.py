"""A view proposed from a dataset's domains: which columns go in, with which redaction, and why.

Each column's domain (its ``ColumnDomainAssignment``, the PII class from the live catalog) decides:

- high-risk columns are left out: national ids, card numbers, bank accounts, passports, and secrets (a header naming
  a password, a token, a secret or a key);
- personal data gets the default redaction of its PII class (:data:`DEFAULT_REDACTIONS`);
- identifiers and keys are hashed, so that joins on them still match;
- every other column is included as it is; a column domaining has not seen is included and flagged.

The author adjusts the proposal and confirms it by creating the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from superset_review.extension.i18n import Text
from superset_review.extension.linear_regex import compile_linear

# PII classes never proposed for a view, whatever the column.
HIGH_RISK_PII = frozenset({"US_SSN", "CREDIT_CARD", "IBAN"})
# Domains left out though their PII class is milder or none: national and travel ids.
HIGH_RISK_DOMAINS = frozenset({"identifier.us_ssn", "identifier.passport_number", "identifier.inn"})
# Identifier domains: hashed (salted, type-stable), so a join of two views on them matches as the raw join does.
KEY_DOMAINS = frozenset({"identifier.uuid", "identifier.key", "identifier.order_id", "identifier.customer_id"})
# Headers that name a secret: left out whatever domaining said.
_SECRET_HEADER = compile_linear(r"(passw|pwd|secret|token|api_?key|private_?key|credential)", case_insensitive=True)

# The default redaction of each PII class (a mask needs a text column: any other type is hashed instead).
DEFAULT_REDACTIONS: dict[str, dict[str, Any]] = {
    "EMAIL": {"operator": "hash"},
    "PHONE": {"operator": "mask", "keep_prefix": 0, "keep_suffix": 2},
    "PERSON": {"operator": "hash"},
    "DATE_OF_BIRTH": {"operator": "generalize", "grain": "year", "bucket": None},
    "POSTAL_CODE": {"operator": "mask", "keep_prefix": 2, "keep_suffix": 0},
    "STREET_ADDRESS": {"operator": "null"},
    "IP_ADDRESS": {"operator": "hash"},
    "URL": {"operator": "null"},
}

_TEXT_TYPES = ("CHAR", "TEXT", "STRING", "CLOB", "VARCHAR")
_TEMPORAL_TYPES = ("DATE", "TIME")


@dataclass(frozen=True)
class ColumnProposal:
    name: str
    type: str
    domain: str | None
    pii: str | None
    band: str | None
    included: bool
    redaction: dict[str, Any] | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "domain": self.domain, "pii": self.pii, "band": self.band,
            "included": self.included, "redaction": self.redaction, "reason": self.reason,
        }  # fmt: skip


def _fitting(redaction: dict[str, Any], column_type: str) -> dict[str, Any]:
    """The redaction, or a hash when the column's type cannot take it (a mask of a number, a grain of a text)."""
    upper = column_type.upper()
    if redaction["operator"] == "mask" and not any(word in upper for word in _TEXT_TYPES):
        return {"operator": "hash"}
    if redaction["operator"] == "generalize" and not any(word in upper for word in _TEMPORAL_TYPES):
        return {"operator": "null"}
    return dict(redaction)


def propose_column(
    name: str, column_type: str, assignment: Any | None, pii_of: dict[str, str | None]
) -> ColumnProposal:
    """One column's proposal from its assignment (None: domaining has not seen it) and the live catalog's PII
    classes (domain -> class)."""
    domain = getattr(assignment, "domain", None)
    band = getattr(assignment, "band", None)
    pii = pii_of.get(domain, getattr(assignment, "pii", None)) if domain else None

    def proposal(included: bool, redaction: dict[str, Any] | None, reason: str) -> ColumnProposal:
        return ColumnProposal(name, column_type, domain, pii, band, included, redaction, reason)

    if _SECRET_HEADER.search(name):
        return proposal(False, None, Text("left out: its name says it holds a secret (password, token or key)"))
    if pii in HIGH_RISK_PII or domain in HIGH_RISK_DOMAINS:
        return proposal(False, None, Text("left out: high-risk personal data (%(what)s)", what=pii or domain))
    if assignment is None:
        return proposal(True, None, Text("not domained yet: run domaining; included as it is"))
    if domain in KEY_DOMAINS:
        return proposal(True, {"operator": "hash"}, Text("an identifier: hashed, so that joins on it still match"))
    if pii in DEFAULT_REDACTIONS:
        redaction = _fitting(DEFAULT_REDACTIONS[pii], column_type)
        return proposal(True, redaction, Text("personal data (%(pii)s): %(operator)s", pii=pii,
                                              operator=redaction["operator"]))  # fmt: skip
    if pii:
        return proposal(True, {"operator": "hash"}, Text("personal data (%(pii)s): hashed", pii=pii))
    if domain is None:
        return proposal(True, None, Text("no domain found: included as it is"))
    return proposal(True, None, Text("not personal data: included as it is"))


def propose(dataset: Any) -> dict[str, Any]:
    """The proposed view of a Superset dataset (its physical columns, in the order Superset read them), from its
    domain assignments."""
    from superset_review.domains.assignments import ColumnDomainDAO
    from superset_review.domains.live import live_catalog

    catalog = live_catalog().catalog
    pii_of = {domain.name: (domain.pii.value if domain.pii else None) for domain in catalog.domains}
    assignments = {row.column_name: row for row in ColumnDomainDAO.of_dataset(int(dataset.id))}
    physical = sorted((column for column in dataset.columns if not column.expression), key=lambda c: c.id or 0)
    columns = [
        propose_column(str(column.column_name), str(column.type or ""), assignments.get(column.column_name), pii_of)
        for column in physical
    ]
    return {
        "name": f"{dataset.table_name}_ai_safe"[:250],
        "base_dataset_id": int(dataset.id),
        "columns": [column.to_dict() for column in columns],
        "domained": bool(columns) and all(column.name in assignments for column in columns),
    }


def reasons_of(proposal: dict[str, Any]) -> dict[str, str]:
    """Column -> why it is left out or redacted, for the view dataset's description."""
    return {column["name"]: column["reason"] for column in proposal["columns"]}
