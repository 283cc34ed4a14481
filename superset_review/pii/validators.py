"""Checksums and range checks that tell real identifiers from look-alikes a regex cannot rule out.

Each takes the candidate text exactly as matched and answers with the length of the valid part (``None`` when
invalid). A few keep less than the whole candidate: an IBAN pattern reads greedily and the country's fixed length
says where the IBAN ends; a URL or IPv6 address at the end of a sentence leaves the full stop to the sentence.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from superset_review.extension.linear_regex import compile_linear
from superset_review.pii.dictionaries import FIRST_NAMES, NOT_NAMES, SURNAMES

# Lengths from the SWIFT IBAN registry. A known length turns a greedy, space-tolerant match into an exact one.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

# Both are also run by Polars (vectorized.py), so neither uses look-around.
EXTENSION = r"(?i)[ ]?(?:x|ext\.?|extension)[ ]?[0-9]{1,6}$"
# Digit groups that are something else: a date (maybe followed by a time), a US ZIP+4, a span of years.
LOOK_ALIKES = (
    r"^(?:[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}|[0-9]{4}[./-][0-9]{1,2}[./-][0-9]{1,2})(?:[^0-9]|$)"
    r"|^[0-9]{5}-[0-9]{4}$|^(?:19|20)[0-9]{2}[ -](?:19|20)[0-9]{2}$"
)
STREET_TAIL = r"[ ][^\d ]+$"
_EXTENSION = compile_linear(EXTENSION)
_LOOK_ALIKES = compile_linear(LOOK_ALIKES)
_STREET_TAIL = compile_linear(STREET_TAIL)
_NUMBERS = compile_linear("[0-9]+")
_WORDS = compile_linear(r"[^\W\d_]+")


_LETTER_VALUES = {ord(letter): str(value) for value, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=10)}


def digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def luhn_ok(number: str) -> bool:
    """The mod-10 check every payment card number carries; catches any single-digit error and most swaps."""
    total = 0
    for position, char in enumerate(reversed(number)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card(candidate: str) -> int | None:
    number = digits(candidate)
    return len(candidate) if 12 <= len(number) <= 19 and luhn_ok(number) else None


def iban_checksum_ok(compact: str) -> bool:
    """ISO 13616 mod-97: move the first four characters to the end, letters to 10..35, the number mod 97 is 1."""
    return int((compact[4:] + compact[:4]).translate(_LETTER_VALUES)) % 97 == 1


def iban(candidate: str) -> int | None:
    """Valid length of the IBAN at the start of ``candidate`` (spaces allowed between characters), else None."""
    expected = IBAN_LENGTHS.get(candidate[:2].upper())
    if expected is None:
        return None
    taken = 0
    for index, char in enumerate(candidate):
        if char == " ":
            continue
        taken += 1
        if taken == expected:
            end = index + 1
            # A letter or digit glued to the cut means the token is longer than this country's IBAN.
            if end < len(candidate) and candidate[end] != " ":
                return None
            compact = candidate[:end].replace(" ", "").upper()
            return end if iban_checksum_ok(compact) else None
    return None


def us_ssn(candidate: str) -> int | None:
    """Area 001-899 except 666, group 01-99, serial 0001-9999 (SSA rules since the 2011 randomisation)."""
    number = digits(candidate)
    if len(number) != 9 or len(set(number)) == 1:
        return None
    area, group, serial = int(number[:3]), int(number[3:5]), int(number[5:])
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return None
    return len(candidate)


_HEX = "[0-9A-Fa-f]{1,4}"
# The hex-only IPv6 forms, as a regex Polars can run. Equivalent to ``ipaddress`` for addresses without an embedded
# IPv4 part (checked against it on random candidates in the tests); candidates with a "." go to ``ipaddress``.
IPV6_HEX_ONLY = (
    rf"^(?:(?:{_HEX}:){{7}}{_HEX}|(?:{_HEX}:){{1,7}}:|(?:{_HEX}:){{1,6}}:{_HEX}|(?:{_HEX}:){{1,5}}(?::{_HEX}){{1,2}}|"
    rf"(?:{_HEX}:){{1,4}}(?::{_HEX}){{1,3}}|(?:{_HEX}:){{1,3}}(?::{_HEX}){{1,4}}|(?:{_HEX}:){{1,2}}(?::{_HEX}){{1,5}}|"
    rf"{_HEX}:(?::{_HEX}){{1,6}}|:(?:(?::{_HEX}){{1,7}}|:))$"
)


def url(candidate: str) -> int | None:
    """Trailing sentence punctuation belongs to the prose, not to the URL; something must follow the scheme."""
    trimmed = candidate.rstrip(".,;:!?)]}'\"")
    return len(trimmed) if len(trimmed) > trimmed.find("//") + 3 and "." in trimmed else None


def ipv4(candidate: str) -> int | None:
    """Four decimal octets 0-255 without leading zeros (a fifth part, read in by the pattern, makes it a version)."""
    parts = candidate.split(".")
    ok = len(parts) == 4 and all(
        1 <= len(p) <= 3 and p.isascii() and p.isdigit() and int(p) <= 255 and (p == "0" or p[0] != "0") for p in parts
    )
    return len(candidate) if ok else None


def ipv6(candidate: str) -> int | None:
    """Valid per ``ipaddress``, and not a short colon-separated token such as ``a::b`` or ``de:ad``.

    A final full stop ends the sentence, not the address.
    """
    candidate = candidate.rstrip(".")
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return None
    groups = [group for group in candidate.split(":") if group]
    if candidate.count(":") < 3 and not any(len(group) == 4 for group in groups):
        return None
    return len(candidate)


@dataclass(frozen=True)
class PhoneCheck:
    """Digit count (extension excluded) within a numbering plan's range, not one digit repeated ("000 000 0000"
    is a placeholder); for the loose shapes, also not a look-alike ("12.05.2019 14", "02110-1301", "2013-2026").
    """

    low: int
    high: int
    reject_look_alikes: bool = False

    def __call__(self, candidate: str) -> int | None:
        if self.reject_look_alikes and _LOOK_ALIKES.search(candidate):
            return None
        number = digits(_EXTENSION.sub("", candidate))
        ok = self.low <= len(number) <= self.high and len(set(number)) > 1
        return len(candidate) if ok else None


def plausible_date(candidate: str) -> int | None:
    """A calendar date with a year 1900-2099 (or two digits); day/month in either order, as both are in use."""
    parts = [int(part) for part in _NUMBERS.findall(candidate)]
    if len(parts) == 2:  # the month was a word: day and year
        day, year = parts
        return len(candidate) if 1 <= day <= 31 and 1900 <= year <= 2099 else None
    if len(parts) != 3:
        return None
    if parts[0] >= 1000:  # ISO order
        year, month, day = parts
        ok = 1 <= month <= 12 and 1 <= day <= 31
    else:
        first, second, year = parts
        ok = (1 <= first <= 12 and 1 <= second <= 31) or (1 <= second <= 12 and 1 <= first <= 31)
    return len(candidate) if ok and (year < 100 or 1900 <= year <= 2099) else None


@dataclass(frozen=True)
class NoStreetTail:
    """Refuses a number that the pattern read together with a street name after it: a house number."""

    check: PhoneCheck

    def __call__(self, candidate: str) -> int | None:
        return None if _STREET_TAIL.search(candidate) else self.check(candidate)


def person_words(candidate: str) -> int | None:
    """Name words, none of them "The", "Bank" and the like (capitalised words that are never names)."""
    found = _WORDS.findall(candidate)
    return None if any(word.lower() in NOT_NAMES for word in found) else len(candidate)


def labelled_person(candidate: str) -> int | None:
    """After "Name:", a single word must be a listed name: "Name: Optional" in a type annotation is not a person
    (and "Name: Madonna" would need the lists to know her)."""
    found = _WORDS.findall(candidate)
    if len(found) == 1 and found[0].lower() not in FIRST_NAMES | SURNAMES:
        return None
    return person_words(candidate)
