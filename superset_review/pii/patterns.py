"""The detection rules, written once for two linear-time regex engines.

Free text is scanned with RE2 (``detectors.find_spans``, every LLM prompt); columns are screened with Polars, whose
Rust ``regex`` engine is linear too. Neither has look-around. Every rule is therefore a *core* pattern both engines
read the same way, plus a left boundary (a set of characters that may not precede a match), given to both as
``(?:^|[^...])``, which consumes one character that the column code strips again (and that the span of the core
group leaves out). Every character a core can start with is in its boundary set, so that stripped character is
never part of the core. Right boundaries are ``\\b`` for Polars; RE2's ``\\b`` is ASCII, so RE2 consumes the
following character instead (every word-ending core ends in a word character). A core holds no ``\\b`` of its
own, and reads greedily past look-alike continuations (a fifth octet, a street name after a number) so that its
validator can refuse them: neither engine needs look-ahead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from superset_review.extension.linear_regex import LinearRegex, compile_linear, word_boundaries
from superset_review.pii import validators
from superset_review.pii.dictionaries import (
    FIRST_NAMES,
    STREET_COMPOUND_ENDINGS,
    STREET_PREFIXES,
    STREET_SUFFIXES,
    SURNAMES,
    words,
)
from superset_review.pii.types import PiiType

Validator = Callable[[str], int | None]


@dataclass(frozen=True)
class Context:
    """Words that must occur within ``before`` characters ahead of a match or ``after`` characters behind it."""

    words: str
    before: int
    after: int = 0
    # For Polars, which screens whole values: the same words without anchors to the window's end.
    screen: str = ""

    @property
    def value_screen(self) -> str:
        return self.screen or self.words

    @cached_property
    def regex(self) -> LinearRegex:
        """Only searched in a window (never asked where), so each ``\\b`` may consume its neighbour."""
        return compile_linear(word_boundaries(self.words))


# A core may mark the part that is the PII with this group: "Mr. (?P<pii>John Smith)" masks the name, not the title.
SPAN_GROUP = "(?P<pii>"


@dataclass(frozen=True)
class Rule:
    name: str
    pii_type: PiiType
    core: str
    left: str  # body of a character class: what may not come right before a match
    validate: Validator | None = None
    context: Context | None = None
    word_end: bool = True
    dot_after: bool = False  # after the word end, a full stop belongs to the match ("Main St.")

    @cached_property
    def linear(self) -> LinearRegex:
        """The rule for RE2: group ``core`` is the match; the boundary characters on either side are consumed.

        With ``dot_after``, group ``dot`` holds the full stop when there is one.
        """
        behind = f"(?:^|[^{self.left}])" if self.left else ""
        after = r"(?:[^\w]|$)" if self.word_end else ""
        if self.dot_after:
            after = r"(?:(?P<dot>\.)|[^\w]|$)"
        return compile_linear(f"{behind}(?P<core>{self.core}){after}")

    @cached_property
    def rust(self) -> str:
        """The same rule for Polars: the left boundary is consumed, see the module docstring."""
        boundary = f"(?:^|[^{self.left}])" if self.left else ""
        # Polars only asks whether a rule matches, and a union of rules may not repeat a group name.
        return f"{boundary}(?:{self.core.replace(SPAN_GROUP, '(?:')}){self._end}"

    @cached_property
    def rust_span(self) -> str | None:
        """For a core that marks its PII part: a regex whose group 1 is that part, applied to a stripped match."""
        return f"^(?:{self.core.replace(SPAN_GROUP, '(')})" if SPAN_GROUP in self.core else None

    @cached_property
    def rust_strip(self) -> str:
        """Removes the consumed boundary character from a Polars match (never a core character)."""
        return f"^[^{self.left}]" if self.left else ""

    @property
    def _end(self) -> str:
        end = r"\b" if self.word_end else ""
        return end + r"\.?" if self.dot_after else end


def _alternation(choices: Iterable[str]) -> str:
    """Longest first, so that "Street" is tried before "St"."""
    return "|".join(re.escape(choice) for choice in sorted(choices, key=lambda c: (-len(c), c)))


# --- context words -------------------------------------------------------------------------------------------
# Scoped (?i:...) flags, because some of these are combined with case-sensitive alternatives (state codes).
PHONE_WORDS = (
    r"(?i:\b(?:phone|phones|telephone|tel|mobile|mob|cell|cellphone|fax|call|calls|called|calling|dial|ring|"
    r"text|sms|whatsapp|contact|reach|desk|office|landline|hotline|voicemail|answering|message|messages)\b)"
)
SSN_WORDS = r"(?i:\bssn\b|\bsocial[ -]?security\b|\bss#|\bs\.s\.n\b|\bss no\b)"
DOB_WORDS = r"(?i:\b(?:born|birth|birthday|birthdate|dob|d\.o\.b|bday)\b)"
POSTAL_WORDS = r"(?i:\b(?:zip|zipcode|zip code|postal|postcode|post code|plz|cep|eircode)\b)"
US_STATES = words(
    """
    AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV NY
    OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY
    """
)
_SUFFIX = f"(?:{_alternation(STREET_SUFFIXES)})"
# A ZIP right after a state code ("Springfield, IL 62704") or a street line is an address, not an amount.
ADDRESS_WORDS = rf"\b(?:{'|'.join(US_STATES)}),?[ ]$|\b{_SUFFIX}\b"
# The text around a ZIP that says it is one; every context regex is searched in a window, never the whole text.
POSTAL_OR_ADDRESS = f"{POSTAL_WORDS}|{ADDRESS_WORDS}"
POSTAL_OR_ADDRESS_SCREEN = rf"{POSTAL_WORDS}|\b(?:{'|'.join(US_STATES)})\b|\b{_SUFFIX}\b"

# --- shared pieces -------------------------------------------------------------------------------------------
EXT = r"(?:[ ]?(?:[xX]|[eE][xX][tT]\.?|[eE]xtension)[ ]?[0-9]{1,6})?"
MONTH = (
    r"(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|[Jj]uly?|[Aa]ug(?:ust)?|"
    r"[Ss]ep(?:t(?:ember)?)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)"
)
UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĢĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽ"
APOSTROPHES = "'\u2019"  # "O'Brien" is written with either
NAME_WORD = rf"[{UPPER}][^\W\d_]*(?:[{APOSTROPHES}-][^\W\d_]+)?"
HEX = "[0-9A-Fa-f]{1,4}"
# A number followed by a street ("17151 2450 Crown St"): phone rules read it in so they can refuse it. It ends
# their core, so the rule's own word end is the boundary after the street word.
STREET_TAIL = rf"(?:(?:[ ]{NAME_WORD}){{0,3}}[ ]{_SUFFIX})?"


PHONE_LEFT = r"\w+(./-"
RULES: tuple[Rule, ...] = (
    # --- e-mail and URLs
    Rule(
        "email",
        PiiType.EMAIL,
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        left=r"\w.%+-",
    ),
    Rule(
        "url",
        PiiType.URL,
        r"(?:(?:[Hh][Tt][Tt][Pp][Ss]?|[Ff][Tt][Pp])://|[Ww][Ww][Ww]\.)[^\s<>\"'{}|\\^`\[\]]+",
        left=r"\w",
        validate=validators.url,
        word_end=False,
    ),
    # --- numbers with a checksum or fixed structure
    Rule(
        "credit_card.luhn",
        PiiType.CREDIT_CARD,
        r"[0-9]{4}(?:[ -]?[0-9]{4}){2,3}(?:[ -]?[0-9]{1,4})?|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}",
        left=r"\w+.",
        validate=validators.card,
    ),
    Rule(
        "iban.mod97",
        PiiType.IBAN,
        r"[A-Za-z]{2}[0-9]{2}(?:[ ]?[A-Za-z0-9]){11,32}",
        left=r"\w",
        validate=validators.iban,
        word_end=False,
    ),
    Rule(
        "us_ssn.dashed",
        PiiType.US_SSN,
        r"[0-9]{3}-[0-9]{2}-[0-9]{4}(?:-[0-9]+)?",
        left=r"\w+.-",
        validate=validators.us_ssn,
    ),
    Rule(
        "us_ssn.context",
        PiiType.US_SSN,
        r"[0-9]{3}[ .]?[0-9]{2}[ .]?[0-9]{4}",
        left=r"\w+.-",
        validate=validators.us_ssn,
        context=Context(SSN_WORDS, before=40),
    ),
    Rule(
        "ip_address.v4",
        PiiType.IP_ADDRESS,
        r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:\.[0-9]+)*",
        left=r"\w.",
        validate=validators.ipv4,
    ),
    Rule(
        "ip_address.v6",
        PiiType.IP_ADDRESS,
        rf"(?:(?:{HEX}:){{7}}{HEX}|(?:{HEX}:){{1,6}}(?:[0-9]{{1,3}}\.){{3}}[0-9]{{1,3}}|"
        rf"(?:{HEX}(?::{HEX}){{0,6}})?::(?:{HEX}(?::{HEX}){{0,6}})?(?:\.[0-9]{{1,3}}){{0,3}})"
        # Read on through anything address-like, so "1:2:3:4:5:6:7:8:9" is refused whole, not cut at 8 groups.
        r"[0-9A-Za-z:.]*",
        left=r"\w:",
        validate=validators.ipv6,
        word_end=False,
    ),
    # --- phones: distinctive shapes need no context, loose digit groups do
    Rule(
        "phone.international",
        PiiType.PHONE,
        rf"\+[1-9][0-9]{{0,3}}(?:[ .-]?\(0\))?(?:[ .-]?(?:\([0-9]{{1,5}}\)[ .-]?)?[0-9]{{1,5}}){{1,6}}{EXT}",
        left=PHONE_LEFT,
        validate=validators.PhoneCheck(8, 15),
    ),
    Rule(
        "phone.international_00",
        PiiType.PHONE,
        rf"00[1-9][0-9]{{0,3}}(?:[ .-]?\(0\))?(?:[ .-]?(?:\([0-9]{{1,5}}\)[ .-]?)?[0-9]{{1,5}}){{1,6}}{EXT}",
        left=PHONE_LEFT,
        validate=validators.PhoneCheck(10, 17),
    ),
    Rule(
        "phone.nanp",
        PiiType.PHONE,
        rf"(?:1[ .-])?(?:\([0-9]{{3}}\)[ ]?|[0-9]{{3}}[ .-])[0-9]{{3}}[ .-][0-9]{{4}}{EXT}",
        left=PHONE_LEFT,
        validate=validators.PhoneCheck(10, 11),
    ),
    Rule(
        "phone.area_code",
        PiiType.PHONE,
        rf"\([0-9]{{1,4}}\)[ ]?[0-9]{{2,5}}(?:[ .-][0-9]{{2,5}}){{1,3}}{EXT}",
        left=PHONE_LEFT,
        validate=validators.PhoneCheck(7, 12),
    ),
    Rule(
        "phone.trunk_prefix",
        PiiType.PHONE,
        rf"0[0-9]{{1,4}}(?:[ .-][0-9]{{2,8}}){{1,4}}{EXT}{STREET_TAIL}",
        left=PHONE_LEFT,
        validate=validators.NoStreetTail(validators.PhoneCheck(9, 12, reject_look_alikes=True)),
    ),
    Rule(
        "phone.pairs",
        PiiType.PHONE,
        r"[0-9]{2}(?:[.-][0-9]{2}){3,}",
        left=PHONE_LEFT,
        validate=validators.PhoneCheck(8, 10),
    ),
    Rule(
        "phone.context",
        PiiType.PHONE,
        rf"(?:[0-9]{{2,5}}(?:[ .-][0-9]{{2,8}}){{1,4}}|[0-9]{{7,12}}){EXT}{STREET_TAIL}",
        left=PHONE_LEFT,
        validate=validators.NoStreetTail(validators.PhoneCheck(7, 12, reject_look_alikes=True)),
        context=Context(PHONE_WORDS, before=40, after=15),
    ),
    # --- values that are only PII because of what the text says about them
    Rule(
        "date_of_birth.context",
        PiiType.DATE_OF_BIRTH,
        rf"[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-](?:[0-9]{{4}}|[0-9]{{2}})|[0-9]{{4}}[/.-][0-9]{{1,2}}[/.-][0-9]{{1,2}}|"
        rf"{MONTH}\.?[ ][0-9]{{1,2}}(?:st|nd|rd|th)?,?[ ][0-9]{{4}}|"
        rf"[0-9]{{1,2}}(?:st|nd|rd|th)?[ ](?:of[ ])?{MONTH}\.?,?[ ][0-9]{{4}}",
        left=r"\w/.-",
        validate=validators.plausible_date,
        context=Context(DOB_WORDS, before=40),
    ),
    Rule(
        "postal_code.us_uk_ca",
        PiiType.POSTAL_CODE,
        r"[0-9]{5}(?:-[0-9]{4})?|[A-Z]{1,2}[0-9][A-Z0-9]?[ ]?[0-9][A-Z]{2}|[A-Z][0-9][A-Z][ ]?[0-9][A-Z][0-9]",
        left=r"\w-",
        context=Context(POSTAL_OR_ADDRESS, before=40, screen=POSTAL_OR_ADDRESS_SCREEN),
    ),
    Rule(
        "postal_code.international",
        PiiType.POSTAL_CODE,
        r"[0-9]{4,5}-[0-9]{3}|[0-9]{2}-[0-9]{3}|[0-9]{3}[ ][0-9]{2}|[0-9]{4}[ ]?[A-Z]{2}|[0-9]{3,6}",
        left=r"\w-",
        context=Context(POSTAL_WORDS, before=20),
    ),
    # --- names and streets, from the dictionaries
    Rule(
        "person.title",
        PiiType.PERSON,
        rf"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ ]{SPAN_GROUP}{NAME_WORD}(?:[ ](?:[A-Z]\.[ ])?{NAME_WORD}){{0,2}})",
        left=r"\w",
        validate=validators.person_words,
    ),
    Rule(
        "person.label",
        PiiType.PERSON,
        rf"(?:[Nn]ame|NAME|[Cc]ontact|[Cc]ustomer|[Pp]atient)[ ]?:[ ]*"
        rf"{SPAN_GROUP}{NAME_WORD}(?:[ ](?:[A-Z]\.[ ])?{NAME_WORD}){{0,2}})",
        left=r"\w",
        validate=validators.labelled_person,
    ),
    Rule(
        "person.dictionary",
        PiiType.PERSON,
        rf"(?:{_alternation(n.title() for n in FIRST_NAMES)})[ ](?:[A-Z]\.[ ])?{NAME_WORD}|"
        rf"{NAME_WORD}[ ](?:{_alternation(n.title() for n in SURNAMES)})",
        left=r"\w",
        validate=validators.person_words,
    ),
    Rule(
        "street_address.suffix",
        PiiType.STREET_ADDRESS,
        rf"[0-9]{{1,5}}[A-Za-z]?(?:[ ][0-9]{{1,5}})?,?[ ](?:{NAME_WORD}[ ]){{1,4}}{_SUFFIX}",
        left=r"\w",
        dot_after=True,
    ),
    Rule(
        "street_address.prefix",
        PiiType.STREET_ADDRESS,
        rf"[0-9]{{1,5}}[A-Za-z]?(?:[ ][0-9]{{1,5}})?,?[ ](?:{_alternation(STREET_PREFIXES)})(?:[ ][^\W\d_]+){{1,4}}",
        left=r"\w",
    ),
    Rule(
        "street_address.compound",
        PiiType.STREET_ADDRESS,
        rf"[{UPPER}][^\W\d_]*(?:{_alternation(STREET_COMPOUND_ENDINGS)})[ ][0-9]{{1,4}}[A-Za-z]?",
        left=r"\w",
    ),
)

# Where two rules claim overlapping text, the more specific type wins: a checksum beats a shape, a shape beats
# a context guess (an IBAN's digits are not a phone, a card is not a phone, an e-mail inside a URL is an e-mail).
PRIORITY: dict[PiiType, int] = {
    PiiType.IBAN: 100,
    PiiType.CREDIT_CARD: 90,
    PiiType.EMAIL: 85,
    PiiType.US_SSN: 80,
    PiiType.IP_ADDRESS: 75,
    PiiType.URL: 70,
    PiiType.DATE_OF_BIRTH: 60,
    PiiType.PHONE: 50,
    PiiType.POSTAL_CODE: 40,
    PiiType.STREET_ADDRESS: 30,
    PiiType.PERSON: 20,
}
