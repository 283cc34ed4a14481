"""What a column's name says about its content: ``customer_email`` holds e-mails, ``order_number`` does not.

Names are split into lower-case tokens (``billingZipCode`` -> billing, zip, code). Short, ambiguous tokens
(``ip``, ``tel``, ``pan``, ``cc``) must be whole tokens: "zip" contains "ip" and "shipping" contains "ip" too.
Long, unambiguous words may appear inside a longer token ("useremail", "phonenumber").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from superset_review.extension.linear_regex import compile_linear
from superset_review.pii.dictionaries import words
from superset_review.pii.types import PiiType

STRONG = 0.6  # the name alone makes the column PII at this confidence
WEAK = 0.3  # the name suggests it, the values must confirm (a bare "name" column may hold product names)


@dataclass(frozen=True)
class NameHint:
    pii_type: PiiType
    strength: float
    token: str


@dataclass(frozen=True)
class _Clue:
    pii_type: PiiType
    tokens: frozenset[str]  # whole tokens
    inside: tuple[str, ...] = ()  # substrings of the joined name
    pairs: tuple[tuple[str, str], ...] = ()  # two tokens together ("ip" + "address", "e" + "mail")


# Order matters: the first clue that fits wins, so "ip_address" and "email_address" are decided before "address".
_CLUES: tuple[_Clue, ...] = (
    _Clue(PiiType.EMAIL, frozenset({"email", "mail", "emailaddress"}), ("email",), (("e", "mail"),)),
    _Clue(PiiType.IBAN, frozenset({"iban"}), ("iban",)),
    _Clue(
        PiiType.CREDIT_CARD,
        frozenset({"card", "cc", "pan", "ccnumber", "creditcard", "cardnumber"}),
        ("creditcard", "cardnumber", "ccnumber"),
    ),
    _Clue(PiiType.US_SSN, frozenset({"ssn"}), ("socialsecurity",), (("social", "security"),)),
    _Clue(PiiType.IP_ADDRESS, frozenset({"ip", "ipv4", "ipv6", "ipaddress", "ipaddr"}), ("ipaddress",)),
    _Clue(
        PiiType.PHONE,
        frozenset({"phone", "telephone", "tel", "mobile", "msisdn", "cell", "cellphone", "fax", "phonenumber"}),
        ("phone",),
        (("contact", "number"), ("contact", "no")),
    ),
    _Clue(PiiType.URL, frozenset({"url", "uri", "website", "link", "homepage", "webpage"}), ("website", "homepage")),
    _Clue(PiiType.DATE_OF_BIRTH, frozenset({"dob", "birthdate", "birthday", "bday", "birth"}), ("birth",)),
    _Clue(
        PiiType.POSTAL_CODE,
        frozenset({"zip", "zipcode", "postcode", "postal", "postalcode", "plz"}),
        ("zipcode", "postcode", "postalcode"),
    ),
    _Clue(
        PiiType.STREET_ADDRESS,
        frozenset({"address", "street", "addr", "address1", "address2", "streetaddress"}),
        ("address", "street"),
    ),
    _Clue(
        PiiType.PERSON,
        frozenset({"firstname", "lastname", "fullname", "surname", "forename", "givenname", "familyname", "fname"}),
        ("firstname", "lastname", "fullname", "surname", "givenname", "familyname", "middlename", "maidenname"),
    ),
)

# "<qualifier>_name" is a person's name for these qualifiers; "product_name" or "file_name" is not.
_PERSON_QUALIFIERS = frozenset(
    words(
        """
    first last full given family middle maiden sur fore contact customer client patient employee user person
    owner holder member student author recipient sender buyer seller passenger guest applicant
    """
    )
)
_PERSON_TOKENS = frozenset({"person", "lname", "fname"})

# Tokens of identifier columns: a column named like this holds keys, whatever its digits look like.
IDENTIFIER_TOKENS = frozenset(
    words(
        """
    id ids number no nr num key code ref reference sku uuid guid index idx seq
    """
    )
)


# The strict subset: tokens that make a column a key even when a PII word is in its name too ("phone_id",
# "card_id", "person_id" point at rows of another table). "number" and "no" are not here: "phone_number".
KEY_TOKENS = frozenset({"id", "ids", "key", "pk", "fk", "uuid", "guid", "idx", "seq", "sku"})


def tokens(column: str) -> list[str]:
    spaced = _CAMEL.sub(r"\1 \2", column)
    return [token for token in _NOT_ALPHANUMERIC.split(spaced.lower()) if token]


_CAMEL = compile_linear(r"([a-z0-9])([A-Z])")
_NOT_ALPHANUMERIC = compile_linear(r"[^0-9A-Za-z]+")


def hint(column: str) -> NameHint | None:
    """The PII type the column name points at, if any."""
    parts = tokens(column)
    joined = "".join(parts)
    for clue in _CLUES:
        for word in parts:
            if word in clue.tokens:
                return NameHint(clue.pii_type, STRONG, word)
        for first, second in clue.pairs:
            if any(a == first and b == second for a, b in itertools.pairwise(parts)):
                return NameHint(clue.pii_type, STRONG, f"{first}_{second}")
        for inside in clue.inside:
            if inside in joined:
                return NameHint(clue.pii_type, STRONG, inside)
    for word in parts:
        if word in _PERSON_TOKENS:
            return NameHint(PiiType.PERSON, STRONG, word)
    if "name" in parts:
        position = parts.index("name")
        if position and parts[position - 1] in _PERSON_QUALIFIERS:
            return NameHint(PiiType.PERSON, STRONG, f"{parts[position - 1]}_name")
        if parts == ["name"]:
            return NameHint(PiiType.PERSON, WEAK, "name")
    return None


def is_identifier(column: str) -> bool:
    """``order_number``, ``customer_id``, ``invoiceNo``: a key column (unless a PII word says otherwise)."""
    return any(token in IDENTIFIER_TOKENS for token in tokens(column))


def names_a_thing(column: str) -> bool:
    """``product_name``, ``company_name``, ``file_name``: the name of something that is not a person."""
    parts = tokens(column)
    found = hint(column)
    return "name" in parts and (found is None or found.pii_type is not PiiType.PERSON)


def is_key(column: str) -> bool:
    """``phone_id``, ``customer_key``: a key column whatever other words its name holds."""
    return any(token in KEY_TOKENS for token in tokens(column))
