"""Domaining columns: the real-world traps the issue lists, the evidence, the bands and the bounds."""

from __future__ import annotations

import time

import polars as pl
import pytest

from superset_review.domains.classify import (
    TP_DEFAULT_V1,
    Band,
    DomainClassifier,
    ThresholdProfile,
    header_tokens,
    sample_values,
)
from superset_review.pii.types import PiiType

CLASSIFIER = DomainClassifier()


def verdict(header: str, values: list[object]) -> tuple[str | None, Band, PiiType | None]:
    found = CLASSIFIER.classify_column(header, pl.Series(values))
    return found.domain, found.band, found.pii


@pytest.mark.parametrize(
    ("header", "tokens"),
    [
        ("billingZipCode", ("billing", "zip", "code")),
        ("customer_email", ("customer", "email")),
        ("address1", ("address", "1")),
        ("HTTPStatusCode", ("http", "status", "code")),
        ("ДатаРождения", ("дата", "рождения")),
        ("Номер телефона", ("номер", "телефона")),
        ("PHONE-NUMBER", ("phone", "number")),
    ],
)
def test_header_tokens(header: str, tokens: tuple[str, ...]) -> None:
    assert header_tokens(header) == tokens


TRAPS = [
    # (case, header, values, domain, pii)
    (
        "phones stored as floats",
        "msisdn",
        [8801712345678.0, 8801812345679.0, 8801912345670.0, 8801512345671.0, 8801612345672.0],
        "contact.phone",
        PiiType.PHONE,
    ),
    (
        "floats as text from a CSV",
        "Mobile",
        ["8801712345678.0", "8801812345679.0", "8801912345670.0", "8801512345671.0", "8801612345672.0"],
        "contact.phone",
        PiiType.PHONE,
    ),
    (
        "national mobiles, no country code",
        "contact",
        ["01712345678", "01812345679", "01912345670", "01512345671", "01612345672"],
        "contact.phone",
        PiiType.PHONE,
    ),
    (
        "Russian mobiles",
        "телефон",
        ["8 916 123-45-67", "8 (903) 765-43-21", "+7 926 000-11-22", "89161234567", "8 999 111 22 33"],
        "contact.phone",
        PiiType.PHONE,
    ),
    (
        "addresses outside the US",
        "Adresse",
        ["Mellemvej 32", "Hauptstraße 1", "Koskikatu 25 Apt. 864", "Via Roma 22", "Calle Mayor 10"],
        "address.street_address",
        PiiType.STREET_ADDRESS,
    ),
    (
        "Russian addresses",
        "адрес",
        ["ул. Ленина, д. 5", "проспект Мира, 12", "ул. Пушкина, д. 10, кв. 3", "улица Гагарина 7", "пер. Садовый, 4"],
        "address.street_address",
        PiiType.STREET_ADDRESS,
    ),
    (
        "non-English names",
        "ФИО",
        ["Иванов Иван Иванович", "Смирнова Ольга", "Nguyễn Văn An", "Oluwaseun Adeyemi", "Søren Kierkegaard"],
        "person.full_name",
        PiiType.PERSON,
    ),
    ("birth year", "birth_year", [1985, 1990, 1977, 2001, 1963], "datetime.birth_year", PiiType.DATE_OF_BIRTH),
    ("birth month", "BirthMonth", [7, 12, 1, 3, 10], "datetime.birth_month", PiiType.DATE_OF_BIRTH),
    ("birth day", "birth_day", [23, 1, 15, 31, 7], "datetime.birth_day", PiiType.DATE_OF_BIRTH),
    (
        "bare domains as URLs",
        "website",
        ["example.com", "shop.example.co.uk", "example.org", "news.example.ru", "example.io"],
        "web.url",
        PiiType.URL,
    ),
    (
        "header in upper case",
        "E_MAIL",
        ["a@example.com", "b@example.org", "c@example.net", "d@example.ru", "e@example.de"],
        "contact.email",
        PiiType.EMAIL,
    ),
    (
        "e-mails with no header at all",
        "col_7",
        ["a@example.com", "b@example.org", "c@example.net", "d@example.ru", "e@example.de"],
        "contact.email",
        PiiType.EMAIL,
    ),
    (
        "a mostly-empty column",
        "email",
        ["a@example.com", None, "", None, None, None, None, None, None, "b@example.org", None, " "],
        "contact.email",
        PiiType.EMAIL,
    ),
    (
        "order numbers are not phones",
        "order_number",
        ["1234567", "98765432", "5551234567", "1000234", "20240315001"],
        "identifier.order_id",
        None,
    ),
    ("a weight in kg is not money", "weight_kg", ["72.5", "80.1", "65.0", "90.3", "55.2"], "measure.weight", None),
]


@pytest.mark.parametrize(("header", "values", "domain", "pii"), [t[1:] for t in TRAPS], ids=[t[0] for t in TRAPS])
def test_real_world_traps(header: str, values: list[object], domain: str, pii: PiiType | None) -> None:
    found = CLASSIFIER.classify_column(header, pl.Series(values))
    assert (found.domain, found.pii) == (domain, pii), found.evidence["candidates"]
    assert found.band in (Band.HIGH, Band.BORDERLINE)


def test_an_empty_column_gets_no_pii_verdict_from_its_name_only_a_hint() -> None:
    found = CLASSIFIER.classify_column("customer_email", pl.Series([None, "", "  ", None], dtype=pl.String))
    assert (found.domain, found.band, found.pii, found.confidence) == (None, Band.EMPTY, None, 0.0)
    assert found.evidence["empty"] is True
    assert found.evidence["name_hint"] == {"domain": "contact.email", "alias": "email", "pii": "EMAIL"}


def test_values_that_contradict_a_shape_defined_name_are_not_that_domain() -> None:
    hashes = ["5d41402abc4b2a76b9719d911017c592", "7d793037a0760186574b0282f2f435e7", "9e107d9d372bb6826bd81d3542a419d6",
              "e4d909c290d0fb1ca068ffaddf22cbd0", "ab56b4d92b40713acc5af89985d4b786"]  # fmt: skip
    found = CLASSIFIER.classify_column("email", pl.Series(hashes))
    assert found.domain != "contact.email" and found.pii is None


def test_the_evidence_says_which_tokens_and_regexes_hit_how_many_values() -> None:
    found = CLASSIFIER.classify_column("Phone", pl.Series(["+44 20 7946 0958", "(555) 123-4567", "not a phone"]))
    assert found.domain == "contact.phone"
    evidence = found.evidence
    assert evidence["header_tokens"] == ["phone"] and evidence["name"] == {"alias": "phone"}
    assert evidence["sampled"] == 3 and evidence["non_empty"] == 3
    matched = [hit["matched"] for hit in evidence["regexes"]]
    assert max(matched) <= 2 and sum(matched) >= 2  # "not a phone" matches none of them
    assert set(evidence["score"]) == {"name_sim", "regex_strength", "value_sim", "unit_compat", "context"}
    assert evidence["score"]["regex_strength"] == pytest.approx(2 / 3, abs=0.01)


def test_unit_cues_in_values_and_headers() -> None:
    money = CLASSIFIER.classify_column("total", pl.Series(["$12.00", "$7.50", "$100.00", "$3.99", "$45.10"]))
    assert money.domain == "money.amount" and money.evidence["unit_cues"] == {"$": "currency"}
    kilos = CLASSIFIER.classify_column("amount", pl.Series(["12 kg", "7 kg", "100 kg", "3 kg", "45 kg"]))
    assert kilos.domain == "measure.weight"
    assert kilos.evidence["score"]["unit_compat"] == 1.0


def test_the_table_context_lifts_a_column_of_the_same_family() -> None:
    frame = pl.DataFrame(
        {
            "street": ["12 Park Lane", "Mellemvej 32", "5 Rue de Rivoli", "Via Roma 22", "Calle Mayor 10"],
            "zip": ["W1K 1AA", "2100", "75001", "00184", "28013"],
            "col3": ["London", "København", "Paris", "Roma", "Madrid"],
        }
    )
    town = CLASSIFIER.classify_frame(frame)[2]
    assert town.domain == "address.city" and town.evidence["score"]["context"] == 1.0
    alone = CLASSIFIER.classify_column("col3", frame.get_column("col3"))
    assert alone.evidence["score"]["context"] == 0.0
    assert alone.confidence < town.confidence


def test_bands_follow_the_profile() -> None:
    values = pl.Series(["a@example.com", "b@example.org", "c@example.net", "d@example.ru", "e@example.de"])
    strict = ThresholdProfile(**{**TP_DEFAULT_V1.to_json(), "name": "strict", "tau_high": 1.01, "tau_low": 1.01})
    found = DomainClassifier(profile=strict).classify_column("col", values)
    assert found.band is Band.LOW and found.domain is None and found.pii is None
    assert DomainClassifier().classify_column("col", values).band is Band.HIGH


def test_a_value_similarity_provider_is_a_seam_for_embeddings() -> None:
    calls: list[tuple[str, int]] = []

    def provider(column: str, values: list[str]) -> dict[str, float]:
        calls.append((column, len(values)))
        return {"product.brand": 1.0}

    values = pl.Series(["Zorblax", "Quintor", "Vellumia", "Trondix", "Maxilan"])
    without = CLASSIFIER.classify_frame(pl.DataFrame({"col": values}))[0]
    with_provider = CLASSIFIER.classify_frame(pl.DataFrame({"col": values}), value_similarity=provider)[0]
    assert without.domain != "product.brand" and with_provider.domain == "product.brand"
    assert calls == [("col", 5)]


def test_a_million_distinct_long_strings_is_bounded_by_the_sample_caps() -> None:
    values = pl.Series([f"{index:07d}" + "x" * 2000 for index in range(1_000_000)])
    sample, non_empty, rows = sample_values(values, TP_DEFAULT_V1)
    assert len(sample) == TP_DEFAULT_V1.sample_size and rows == non_empty == 1_000_000
    assert int(sample.str.len_chars().max() or 0) <= TP_DEFAULT_V1.max_value_chars  # type: ignore[operator]
    started = time.perf_counter()
    found = CLASSIFIER.classify_frame(pl.DataFrame({"notes": values}))[0]
    assert time.perf_counter() - started < 5  # generous: 2 shared cores; typically well under 1 s
    assert found.evidence["sampled"] == TP_DEFAULT_V1.sample_size


def test_the_same_table_gives_the_same_verdict_every_run() -> None:
    values = pl.Series(
        [f"user{index}@example.com" if index % 3 else f"+4420794609{index % 100:02d}" for index in range(5000)]
    )
    first = CLASSIFIER.classify_column("contact", values).to_dict()
    assert CLASSIFIER.classify_column("contact", values).to_dict() == first


def test_repeated_values_count_as_often_as_they_occur() -> None:
    """Distinct values are matched once; their shares still count every occurrence."""
    values = pl.Series(["a@example.com"] * 6 + ["not an e-mail"] * 4)
    found = CLASSIFIER.classify_column("email", values)
    assert found.evidence["sampled"] == 10
    assert found.evidence["regexes"][0]["matched"] == 6
    assert found.evidence["score"]["regex_strength"] == pytest.approx(0.6)
