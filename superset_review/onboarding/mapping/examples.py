"""Values of the Sample Pack as a mapping's examples show them: masked by domain before they leave the stage.

A column that is personal data (its ``pii`` in the catalog or the target schema) has every value masked whole with
its domain's operator where that needs no secret or vault (mask, redact, null), else redacted (the rule domaining's
snippets follow: ``domains.domaining.masking_operator``). Any other value still has the PII spans the detectors find
in it redacted (an e-mail in a comment column). Values are cut to ``EXAMPLE_CHARS`` first.
"""

from __future__ import annotations

from typing import Any

from superset_review.domains.catalog import Catalog
from superset_review.domains.domaining import masking_operator
from superset_review.pii.masking import RedactOperator, mask_text, mask_value
from superset_review.pii.types import PiiType

EXAMPLE_CHARS = 80
REDACTED = "[REDACTED]"


class Masker:
    """Masks values of columns by their PII class and domain; the operators are looked up once per domain."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._operators: dict[str | None, Any] = {}

    def _operator(self, domain: str | None) -> Any:
        if domain not in self._operators:
            self._operators[domain] = masking_operator(self.catalog, domain)
        return self._operators[domain]

    def mask(self, value: object, pii: str | None, domain: str | None) -> str | None:
        if value is None:
            return None
        text = str(value)[:EXAMPLE_CHARS]
        if pii is None:
            return mask_text(text, RedactOperator()).text
        try:
            pii_type = PiiType(pii)
        except ValueError:  # a class this installation does not know: personal data all the same
            return REDACTED
        masked = mask_value(text, pii_type, self._operator(domain))
        return masked if masked else None
