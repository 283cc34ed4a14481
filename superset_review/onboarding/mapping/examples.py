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
MAX_CACHED = 10_000


class Masker:
    """Masks values of columns by their PII class and domain; the operators are looked up once per domain."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._operators: dict[str | None, Any] = {}
        # The same value of the same column shows in the examples of several targets: masked once.
        self._masked: dict[tuple[str, str | None, str | None], str | None] = {}

    def _operator(self, domain: str | None) -> Any:
        if domain not in self._operators:
            self._operators[domain] = masking_operator(self.catalog, domain)
        return self._operators[domain]

    def mask(self, value: object, pii: str | None, domain: str | None) -> str | None:
        if value is None:
            return None
        text = str(value)[:EXAMPLE_CHARS]
        key = (text, pii, domain)
        if key not in self._masked:
            if len(self._masked) >= MAX_CACHED:
                self._masked.clear()
            self._masked[key] = self._mask(text, pii, domain)
        return self._masked[key]

    def _mask(self, text: str, pii: str | None, domain: str | None) -> str | None:
        if pii is None:
            return mask_text(text, RedactOperator()).text
        try:
            pii_type = PiiType(pii)
        except ValueError:  # a class this installation does not know: personal data all the same
            return REDACTED
        masked = mask_value(text, pii_type, self._operator(domain))
        return masked if masked else None
