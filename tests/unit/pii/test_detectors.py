"""find_spans and detect_series: positive and negative cases per type, and the two paths agreeing value by value."""

from __future__ import annotations

import random
import string

import polars as pl
import pytest

from superset_review.pii import vectorized
from superset_review.pii.detectors import count_series, detect_series, find_spans
from superset_review.pii.patterns import RULES, Rule
from superset_review.pii.types import PiiInputError, PiiType
from superset_review.pii.validators import IBAN_LENGTHS, iban, iban_checksum_ok, luhn_ok

EMAIL, PHONE, SSN, CARD = PiiType.EMAIL, PiiType.PHONE, PiiType.US_SSN, PiiType.CREDIT_CARD
IBAN, IP, URL, DOB = PiiType.IBAN, PiiType.IP_ADDRESS, PiiType.URL, PiiType.DATE_OF_BIRTH
POSTAL, PERSON, STREET = PiiType.POSTAL_CODE, PiiType.PERSON, PiiType.STREET_ADDRESS

# (text, type, the exact text of the span that must be found)
POSITIVE: list[tuple[str, PiiType, str]] = [
    # e-mail
    ("write to alice.smith+news@example.co.uk today", EMAIL, "alice.smith+news@example.co.uk"),
    ("UtaKortig@jourrapide.com?", EMAIL, "UtaKortig@jourrapide.com"),
    ("<bob_99@mail.example.org>", EMAIL, "bob_99@mail.example.org"),
    # phones, international and national formats
    ("call +44 20 7946 0958 now", PHONE, "+44 20 7946 0958"),
    ("office +1 (555) 123-4567", PHONE, "+1 (555) 123-4567"),
    ("(555) 123-4567", PHONE, "(555) 123-4567"),
    ("555-123-4567", PHONE, "555-123-4567"),
    ("555.123.4567", PHONE, "555.123.4567"),
    ("+49 30 123456", PHONE, "+49 30 123456"),
    ("001-518-640-0854 mobile", PHONE, "001-518-640-0854"),
    ("0049 30 1234567", PHONE, "0049 30 1234567"),
    ("desk 555-123-4567 x123", PHONE, "555-123-4567 x123"),
    ("+1-903-140-4508x769", PHONE, "+1-903-140-4508x769"),
    ("555-123-4567 ext. 42", PHONE, "555-123-4567 ext. 42"),
    ("+46 (0)8 928 571 38 fax", PHONE, "+46 (0)8 928 571 38"),
    ("+447700677662", PHONE, "+447700677662"),
    ("(579)888-3058", PHONE, "(579)888-3058"),
    ("(08) 8747 6301", PHONE, "(08) 8747 6301"),
    ("07700 900123", PHONE, "07700 900123"),
    ("06 12 34 56 78", PHONE, "06 12 34 56 78"),
    ("01.84.17.61.18", PHONE, "01.84.17.61.18"),
    ("60-56-85-91", PHONE, "60-56-85-91"),
    # loose digit groups, only with a phone word nearby
    ("Can someone call me on 9472 7916?", PHONE, "9472 7916"),
    ("Fax: 9498777106", PHONE, "9498777106"),
    ("Phone:\n467 3395", PHONE, "467 3395"),
    ("416 60 039 office", PHONE, "416 60 039"),
    # US SSN
    ("123-45-6789", SSN, "123-45-6789"),
    ("Here's my SSN: 460-89-9847", SSN, "460-89-9847"),
    ("area 899 is valid since 2011: 899-12-3456", SSN, "899-12-3456"),
    ("SSN 123 45 6789", SSN, "123 45 6789"),
    ("social security number: 123456789", SSN, "123456789"),
    # cards, Luhn-valid, 12 to 19 digits, spaces or dashes
    ("card 4111111111111111 ok", CARD, "4111111111111111"),
    ("4111 1111 1111 1111", CARD, "4111 1111 1111 1111"),
    ("4111-1111-1111-1111", CARD, "4111-1111-1111-1111"),
    ("amex 3782 822463 10005", CARD, "3782 822463 10005"),
    ("378282246310005", CARD, "378282246310005"),
    ("maestro 501800000009", CARD, "501800000009"),
    ("visa 4222222222222", CARD, "4222222222222"),
    ("diners 30569309025904", CARD, "30569309025904"),
    ("19 digits 4111111111111111110", CARD, "4111111111111111110"),
    # IBANs from several countries, with and without spaces, any case
    ("GB82 WEST 1234 5698 7654 32", IBAN, "GB82 WEST 1234 5698 7654 32"),
    ("from GB82WEST12345698765432 to", IBAN, "GB82WEST12345698765432"),
    ("gb82west12345698765432", IBAN, "gb82west12345698765432"),
    ("DE89 3704 0044 0532 0130 00", IBAN, "DE89 3704 0044 0532 0130 00"),
    ("FR14 2004 1010 0505 0001 3M02 606", IBAN, "FR14 2004 1010 0505 0001 3M02 606"),
    ("NL91ABNA0417164300", IBAN, "NL91ABNA0417164300"),
    ("ES91 2100 0418 4502 0005 1332", IBAN, "ES91 2100 0418 4502 0005 1332"),
    ("BE68 5390 0754 7034, thanks", IBAN, "BE68 5390 0754 7034"),
    ("CH93 0076 2011 6238 5295 7", IBAN, "CH93 0076 2011 6238 5295 7"),
    ("NO93 8601 1117 947 and more", IBAN, "NO93 8601 1117 947"),
    ("IT60 X054 2811 1010 0000 0123 456", IBAN, "IT60 X054 2811 1010 0000 0123 456"),
    ("PL61 1090 1014 0000 0712 1981 2874", IBAN, "PL61 1090 1014 0000 0712 1981 2874"),
    # IP addresses
    ("from 192.168.0.1 today", IP, "192.168.0.1"),
    ("|106.31.73.20|", IP, "106.31.73.20"),
    ("0.0.0.0", IP, "0.0.0.0"),  # noqa: S104 - a string under test, not a bind address
    ("255.255.255.255", IP, "255.255.255.255"),
    ("2001:db8::1", IP, "2001:db8::1"),
    ("host fe80::1 is up", IP, "fe80::1"),
    ("::ffff:192.0.2.1", IP, "::ffff:192.0.2.1"),
    ("6e40:4041:c617:e898:c11:40d2:c669:2eb4", IP, "6e40:4041:c617:e898:c11:40d2:c669:2eb4"),
    ("addr 2001:db8:0:0:0:0:2:1.", IP, "2001:db8:0:0:0:0:2:1"),
    # URLs
    ("see https://example.com/path?x=1.", URL, "https://example.com/path?x=1"),
    ("www.example.org", URL, "www.example.org"),
    ("ftp://files.example.com/a.txt", URL, "ftp://files.example.com/a.txt"),
    ("(http://example.com/a)", URL, "http://example.com/a"),
    # dates of birth, with context
    ("She was born on 2/8/1935.", DOB, "2/8/1935"),
    ("DOB: 1990-05-03", DOB, "1990-05-03"),
    ("date of birth: 5 March 1990", DOB, "5 March 1990"),
    ("Birthday March 5, 1990", DOB, "March 5, 1990"),
    ("tell me your date of birth. It's 6/24/1991", DOB, "6/24/1991"),
    # postal codes, with context
    ("ZIP: 90210", POSTAL, "90210"),
    ("my zip code is 90210-1234", POSTAL, "90210-1234"),
    ("Postcode SW1A 1AA", POSTAL, "SW1A 1AA"),
    ("Springfield, IL 62704", POSTAL, "62704"),
    ("10 Downing Street, London SW1A 2AA", POSTAL, "SW1A 2AA"),
    ("postal code K1A 0B1", POSTAL, "K1A 0B1"),
    ("ZIP: 7412 SL", POSTAL, "7412 SL"),
    # names and streets
    ("Dear Mr. John Smith,", PERSON, "John Smith"),
    ("Name: Aino Korhonen", PERSON, "Aino Korhonen"),
    ("Name: Åsa Laine", PERSON, "Åsa Laine"),
    ("Name: John", PERSON, "John"),
    ("Mr. Leiva flew to Oslo", PERSON, "Leiva"),
    ("I met Mary Kowalczyk yesterday", PERSON, "Mary Kowalczyk"),
    ("1600 Pennsylvania Avenue", STREET, "1600 Pennsylvania Avenue"),
    ("221B Baker Street", STREET, "221B Baker Street"),
    ("Mellemvej 32", STREET, "Mellemvej 32"),
    ("at 9554 62 Rue Gafsa", STREET, "9554 62 Rue Gafsa"),
]

# (text, type that must NOT be found anywhere in it)
NEGATIVE: list[tuple[str, PiiType]] = [
    # e-mail
    ("user at example dot com", EMAIL),
    ("@handle", EMAIL),
    ("a@b", EMAIL),
    # phones: dates, times, IDs, IPs, cards, plain integers and house numbers are not phones
    ("2024-01-15", PHONE),
    ("15/01/2024", PHONE),
    ("01.02.2003", PHONE),
    ("2020-06-20 14:11:22", PHONE),
    ("Order 12345678 shipped", PHONE),
    ("9498777106", PHONE),
    ("ORD-2024-000123", PHONE),
    ("192.168.10.20", PHONE),
    ("12.34.56.78", PHONE),
    ("4111 1111 1111 1111", PHONE),
    ("call 4111-1111-1111-1111", PHONE),
    ("123-45-6789", PHONE),
    ("ISBN 978-3-16-148410-0", PHONE),
    ("1,234,567.89", PHONE),
    ("version 10.2.3", PHONE),
    ("the office is at 17151 2450 Crown St", PHONE),
    ("03262 2437 Main St Suite 442", PHONE),
    ("call me at 12.05.2019 14", PHONE),
    ("12-34-56-78-90-12", PHONE),
    ("IBAN GB82 WEST 1234 5698 7654 32, call me", PHONE),
    ("Boston, MA 02110-1301", PHONE),
    ("call us, open 2013-2026", PHONE),
    ("000-000-0000", PHONE),
    ("Phone: 00 00 00 00 00", PHONE),
    # SSN: invalid ranges, and undelimited or spaced forms without context
    ("000-12-3456", SSN),
    ("666-12-3456", SSN),
    ("900-12-3456", SSN),
    ("123-00-4567", SSN),
    ("123-45-0000", SSN),
    ("111-11-1111", SSN),
    ("123456789", SSN),
    ("123 45 6789", SSN),
    ("123-45-6789-1", SSN),
    # cards: Luhn failures, lengths, phone numbers, decimals
    ("4111111111111112", CARD),
    ("4111 1111 1111 1112", CARD),
    ("12345678901", CARD),
    ("41111111111111111111", CARD),
    ("+447700677662", CARD),
    ("0.4111111111111111", CARD),
    ("1234 5678 9012 3456", CARD),
    # IBAN: wrong checksum, unknown country, wrong length
    ("GB82 WEST 1234 5698 7654 33", IBAN),
    ("GB83WEST12345698765432", IBAN),
    ("DE89 3704 0044 0532 0130 01", IBAN),
    ("FR15 2004 1010 0505 0001 3M02 606", IBAN),
    ("XX82WEST12345698765432", IBAN),
    ("GB82WEST123456987654321", IBAN),
    ("NL91ABNA041716430", IBAN),
    # IP
    ("256.1.1.1", IP),
    ("1.2.3", IP),
    ("1.2.3.4.5", IP),
    ("01.2.3.4", IP),
    ("192.168.001.1", IP),
    ("12:20:39", IP),
    ("a::b", IP),
    ("std::vector", IP),
    ("2001:db8::g1", IP),
    ("1:2:3:4:5:6:7:8:9", IP),
    ("00:1a:2b:3c:4d:5e", IP),
    # URLs
    ("example.com", URL),
    ("http://", URL),
    # dates without birth context, or impossible
    ("meeting on 2/8/2024", DOB),
    ("Date: 2015-12-22 04:34:22", DOB),
    ("born on 13/13/1990", DOB),
    ("born in a 1990-13-45 build", DOB),
    # postal codes without context
    ("I paid 90210 dollars", POSTAL),
    ("SW1A 1AA", POSTAL),
    ("order 12345", POSTAL),
    # names
    ("The Davis, Reynolds and Williams group", PERSON),
    ("the blue widget", PERSON),
    ("Name: The", PERSON),
    ("name: Optional[str]", PERSON),
    ("Dr. If", PERSON),
    # streets
    ("I have 2 dogs and a park", STREET),
]


@pytest.mark.parametrize(("text", "pii_type", "expected"), POSITIVE)
def test_finds(text: str, pii_type: PiiType, expected: str) -> None:
    found = [(span.pii_type, span.text) for span in find_spans(text)]
    assert (pii_type, expected) in found, found


@pytest.mark.parametrize(("text", "pii_type"), NEGATIVE)
def test_does_not_find(text: str, pii_type: PiiType) -> None:
    found = [(span.pii_type, span.text) for span in find_spans(text)]
    assert pii_type not in [kind for kind, _ in found], found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://user@example.com", [EMAIL]),
        ("Call DE89370400440532013000", [IBAN]),
        ("Phone: 4111-1111-1111-1111", [CARD]),
        ("call 4111111111111111", [CARD]),
        ("SSN 123-45-6789", [SSN]),
        ("call 192.168.10.20", [IP]),
        ("mail a@b.com, site https://b.com, ip 10.0.0.1", [EMAIL, URL, IP]),
    ],
)
def test_overlaps_keep_the_most_specific(text: str, expected: list[PiiType]) -> None:
    assert [span.pii_type for span in find_spans(text)] == expected


def test_spans_are_exact_slices_in_order() -> None:
    text = "Mail a@b.com or call +44 20 7946 0958, card 4111 1111 1111 1111."
    spans = find_spans(text)
    assert [s.pii_type for s in spans] == [EMAIL, PHONE, CARD]
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert spans == sorted(spans, key=lambda s: s.start)


def test_types_filter_after_resolving_overlaps() -> None:
    text = "IBAN GB82 WEST 1234 5698 7654 32, phone 555-123-4567"
    assert [s.text for s in find_spans(text, types={PHONE})] == ["555-123-4567"]


@pytest.mark.parametrize("value", [None, 4155552671, b"a@b.com", 1.5, ["a@b.com"]])
def test_non_text_is_refused_naming_the_type(value: object) -> None:
    with pytest.raises(PiiInputError, match=type(value).__name__) as caught:
        find_spans(value)  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("79927398713", True),
        ("4111111111111112", False),
        ("79927398710", False),
        ("378282246310005", True),
        ("378282246310006", False),
    ],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_ok(number) is valid


def test_iban_stops_at_the_country_length() -> None:
    assert iban("GB82 WEST 1234 5698 7654 32 is mine") == len("GB82 WEST 1234 5698 7654 32")


# --- vectorized ------------------------------------------------------------------------------------------------
ALL_TEXTS = [text for text, *_ in POSITIVE] + [text for text, _ in NEGATIVE]


def test_detect_series_agrees_with_find_spans_value_by_value() -> None:
    texts = [*ALL_TEXTS, None, ""]
    flags = detect_series(pl.Series(texts))
    for index, text in enumerate(texts):
        expected = {span.pii_type for span in find_spans(text)} if text is not None else set()
        got = {pii_type for pii_type, series in flags.items() if series[index]}
        assert got == expected, text


@pytest.mark.parametrize(
    ("values", "pii_type", "expected"),
    [
        (["a@b.com", "nope", None, "x c@d.org y"], EMAIL, [True, False, False, True]),
        (["+44 20 7946 0958", "2024-01-15", "9498777106"], PHONE, [True, False, False]),
        (["4111111111111111", "4111111111111112", "4111 1111 1111 1111"], CARD, [True, False, True]),
        (["GB82WEST12345698765432", "GB83WEST12345698765432"], IBAN, [True, False]),
        (["10.0.0.1", "10.0.0.256", "fe80::1", "12:20:39"], IP, [True, False, True, False]),
        (["123-45-6789", "666-45-6789", "123456789"], SSN, [True, False, False]),
    ],
)
def test_detect_series_per_type(values: list[str | None], pii_type: PiiType, expected: list[bool]) -> None:
    assert detect_series(pl.Series(values))[pii_type].to_list() == expected


@pytest.mark.parametrize(
    ("values", "context", "pii_type", "expected"),
    [
        (["4155552671", "467 3395", "hello"], PHONE, PHONE, [True, True, False]),
        (["1990-05-03", "03/05/1990", "1990-13-45"], DOB, DOB, [True, True, False]),
        (["02134", "90210-1234", "SW1A 1AA", "hello"], POSTAL, POSTAL, [True, True, True, False]),
        (["123456789", "123 45 6789"], SSN, SSN, [True, True]),
    ],
)
def test_detect_series_with_context_from_the_column_name(
    values: list[str], context: PiiType, pii_type: PiiType, expected: list[bool]
) -> None:
    assert detect_series(pl.Series(values), {context})[pii_type].to_list() == expected
    without_context = detect_series(pl.Series(values))[pii_type]
    assert not without_context[0], "the first value needs the context"


def test_detect_series_reads_integers_as_digits() -> None:
    flags = detect_series(pl.Series([4111111111111111, 4111111111111112, None]))
    assert flags[CARD].to_list() == [True, False, False]


@pytest.mark.parametrize("series", [pl.Series([1.5, 2.5]), pl.Series([b"a@b.com"]), pl.Series([[1, 2]])])
def test_detect_series_refuses_other_dtypes(series: pl.Series) -> None:
    with pytest.raises(PiiInputError, match="detect_series"):
        detect_series(series)


def test_detect_series_on_empty_and_all_null() -> None:
    assert all(len(s) == 0 for s in detect_series(pl.Series([], dtype=pl.String)).values())
    assert not any(s.any() for s in detect_series(pl.Series([None, None], dtype=pl.String)).values())


def test_count_series() -> None:
    values = pl.Series(["a@b.com", "c@d.org", "555-123-4567", "nothing"])
    assert count_series(values) == {EMAIL: 2, PHONE: 1}


# --- the Polars validators give the Python validators' answers --------------------------------------------------
def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible test data, not secrets


def rule(name: str) -> Rule:
    return next(r for r in RULES if r.name == name)


def same_verdicts(rule_name: str, candidates: list[str]) -> None:
    checked = rule(rule_name)
    assert checked.validate is not None
    vectorized_verdicts = vectorized._validate_candidates(checked, pl.Series(candidates, dtype=pl.String)).to_list()
    python_verdicts = [checked.validate(candidate) is not None for candidate in candidates]
    mismatches = [c for c, v, p in zip(candidates, vectorized_verdicts, python_verdicts, strict=True) if v != p]
    assert not mismatches, mismatches[:10]
    assert any(python_verdicts), "the sample must hold valid candidates too"


def test_luhn_vectorized_agrees() -> None:
    rng = seeded(1)
    numbers = ["".join(rng.choice(string.digits) for _ in range(rng.randrange(10, 21))) for _ in range(3000)]
    spaced = [" ".join(n[i : i + 4] for i in range(0, len(n), 4)) for n in numbers[:500]]
    same_verdicts("credit_card.luhn", [*numbers, *spaced, "4111111111111111", "0004111111111111111"])


def make_iban(rng: random.Random, country: str) -> str:
    bban = "".join(rng.choice(string.digits + string.ascii_uppercase) for _ in range(IBAN_LENGTHS[country] - 4))
    return next(f"{country}{c:02d}{bban}" for c in range(2, 99) if iban_checksum_ok(f"{country}{c:02d}{bban}"))


def test_iban_vectorized_agrees() -> None:
    rng = seeded(2)
    valid = [make_iban(rng, rng.choice(sorted(IBAN_LENGTHS))) for _ in range(600)]
    corrupted = [v[:5] + ("1" if v[5] != "1" else "2") + v[6:] for v in valid[:300]]
    spaced = [" ".join(v[i : i + 4] for i in range(0, len(v), 4)) for v in valid[:200]]
    variants = [v.lower() for v in valid[:100]] + [v + "X" for v in valid[:50]] + [v + " to" for v in spaced[:50]]
    same_verdicts("iban.mod97", [*valid, *corrupted, *spaced, *variants, "XX82WEST12345698765432"])


def test_ipv6_vectorized_agrees() -> None:
    rng = seeded(3)
    candidates = []
    for _ in range(5000):
        parts = [
            "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.choice([0, 1, 2, 4, 4, 5])))
            for _ in range(rng.randrange(2, 10))
        ]
        text = ":".join(parts)
        candidates.append(text.replace(":", "::", 1) if rng.random() < 0.3 else text)
    candidates += ["::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.999", "fe80::1."]
    same_verdicts("ip_address.v6", candidates)


@pytest.mark.parametrize(
    ("rule_name", "alphabet", "lengths"),
    [
        ("us_ssn.dashed", string.digits, (9, 9)),
        ("ip_address.v4", string.digits + "...", (7, 15)),
        ("phone.trunk_prefix", string.digits + " .-", (8, 16)),
        ("phone.context", string.digits + " x-", (6, 14)),
        ("phone.nanp", "0", (10, 10)),
    ],
)
def test_arithmetic_validators_agree(rule_name: str, alphabet: str, lengths: tuple[int, int]) -> None:
    rng = seeded(4)
    candidates = ["".join(rng.choice(alphabet) for _ in range(rng.randint(*lengths))) for _ in range(3000)]
    if rule_name == "us_ssn.dashed":
        candidates = [f"{c[:3]}-{c[3:5]}-{c[5:]}" for c in candidates] + ["111-11-1111", "666-12-3456"]
    if rule_name == "phone.context":
        candidates += ["12.05.2019 14", "17151 2450 Crown St", "555 1234 ext 12", "02110-1301", "2013-2026"]
    if rule_name == "phone.nanp":
        candidates = ["000-000-0000", "555-123-4567", "1 555 123 4567 x12", "(555) 555-5555", "111.111.1111"]
    same_verdicts(rule_name, candidates)
