"""The vocabulary shared by detection, column scanning and masking."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PiiType(StrEnum):
    """A kind of personal data. The value doubles as the label of masking tokens (``<EMAIL_1>``)."""

    EMAIL = "EMAIL"
    PHONE = "PHONE"
    US_SSN = "US_SSN"
    CREDIT_CARD = "CREDIT_CARD"
    IBAN = "IBAN"
    IP_ADDRESS = "IP_ADDRESS"
    URL = "URL"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    POSTAL_CODE = "POSTAL_CODE"
    PERSON = "PERSON"
    STREET_ADDRESS = "STREET_ADDRESS"


@dataclass(frozen=True)
class Span:
    """One detected piece of PII: ``text == source[start:end]``; ``rule`` names the rule that found it."""

    pii_type: PiiType
    start: int
    end: int
    text: str
    rule: str

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


class PiiInputError(TypeError):
    """A value of a type the PII functions do not read; the message names the function and the type."""

    def __init__(self, function: str, got: object) -> None:
        self.type_name = got if isinstance(got, str) else type(got).__name__
        super().__init__(
            f"{function} reads text (str), got {self.type_name}; convert it explicitly first "
            "(e.g. str(value) for a number) if it really holds text"
        )
