"""Real tables, not the development files: mixed locales and scripts, headers in any case and language, numbers
stored as floats, national numbers, empty and mostly-empty columns. One row per trap the issue lists."""

from __future__ import annotations

import polars as pl
import pytest

from superset_review.domains.classify import Band, DomainClassifier
from superset_review.pii.types import PiiType

CLASSIFIER = DomainClassifier()

CASES = [
    # (case, header, values, domain, pii)
    ("Chinese and Korean names", "name", ["王伟", "李娜", "张敏", "刘洋", "陈静", "김민준"], "person.full_name", PiiType.PERSON),
    ("accented Latin names under a Spanish header", "Nombre completo",
     ["José Álvarez", "María Pérez", "François Lefèvre", "Zoë Brontë", "Łukasz Żółw"], "person.full_name", PiiType.PERSON),
    ("Cyrillic first names", "имя", ["Иван", "Ольга", "Сергей", "Мария", "Дмитрий"], "person.first_name", PiiType.PERSON),
    ("Cyrillic surnames", "Фамилия", ["Иванов", "Петрова", "Сидоров", "Смирнова", "Кузнецов"], "person.last_name",
     PiiType.PERSON),
    ("German first-name header", "Vorname", ["Hans", "Anna", "Lukas", "Mia", "Felix"], "person.first_name", PiiType.PERSON),
    ("German surname header", "Nachname", ["Müller", "Schmidt", "Schneider", "Fischer", "Weber"], "person.last_name",
     PiiType.PERSON),
    ("French first-name header", "prénom", ["Jean", "Marie", "Pierre", "Sophie", "Luc"], "person.first_name", PiiType.PERSON),
    ("German national numbers", "Telefonnummer", ["030 1234567", "0176 12345678", "089 987654", "0151 2345678", "040 555123"],
     "contact.phone", PiiType.PHONE),
    ("UK mobiles without a country code", "mobile", ["07700900123", "07700900456", "07911123456", "07400123456",
     "07811234567"], "contact.phone", PiiType.PHONE),
    ("Indian mobiles without a country code", "mobile_no", ["9876543210", "9123456780", "8123456789", "7012345678",
     "9988776655"], "contact.phone", PiiType.PHONE),
    ("phones in a float column", "phone", [4155550199.0, 2125550143.0, 3105550123.0, 6175550100.0, 2065550111.0],
     "contact.phone", PiiType.PHONE),
    ("float phones with nulls", "phone", [8801712345678.0, None, 8801812345679.0, None, 8801912345670.0, 8801512345671.0],
     "contact.phone", PiiType.PHONE),
    ("Spanish e-mail header", "correo_electronico", ["ana@example.es", "luis@example.mx", "eva@example.com",
     "juan@example.ar", "pepe@example.co"], "contact.email", PiiType.EMAIL),
    ("Russian e-mail header", "Электронная почта", ["ivan@example.ru", "olga@example.ru", "petr@example.com",
     "anna@example.org", "oleg@example.net"], "contact.email", PiiType.EMAIL),
    ("header in upper snake case", "PHONE_NUMBER", ["+1 415 555 0199", "+1 212 555 0143", "+44 20 7946 0958",
     "+49 30 901820", "+33 1 42 68 53 00"], "contact.phone", PiiType.PHONE),
    ("header in camelCase", "customerEmailAddress", ["a@example.com", "b@example.org", "c@example.net", "d@example.ru",
     "e@example.de"], "contact.email", PiiType.EMAIL),
    ("Japanese addresses", "住所", ["東京都千代田区丸の内1-1-1", "大阪府大阪市北区梅田3-1-3", "京都府京都市下京区烏丸通七条下る",
     "北海道札幌市中央区北1条西2丁目", "福岡県福岡市博多区博多駅中央街1-1"], "address.street_address", PiiType.STREET_ADDRESS),
    ("French addresses", "adresse", ["12 rue de la Paix", "5 avenue des Champs-Élysées", "3 boulevard Saint-Michel",
     "8 place Bellecour", "21 quai des Chartrons"], "address.street_address", PiiType.STREET_ADDRESS),
    ("birth years stored as floats", "birth_year", [1985.0, 1990.0, 1977.0, 2001.0, 1963.0], "datetime.birth_year",
     PiiType.DATE_OF_BIRTH),
    ("bare domains under a domain header are web domains", "domain", ["example.com", "shop.example.co.uk", "example.org",
     "news.example.ru", "example.io"], "web.domain_name", None),
    ("bare domains with no header are web domains", "col_9", ["example.com", "shop.example.co.uk", "example.org",
     "news.example.ru", "example.io"], "web.domain_name", None),
    ("a mostly-empty phone column", "phone", ["+1 415 555 0199", None, None, "", None, None, None, None, None, None, None,
     "+44 20 7946 0958", None, None], "contact.phone", PiiType.PHONE),
    ("ids are not phones", "customer_id", [10234567, 10234568, 10234569, 10234570, 10234571], "identifier.customer_id",
     None),
]  # fmt: skip


@pytest.mark.parametrize(("header", "values", "domain", "pii"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_real_world_columns(header: str, values: list[object], domain: str, pii: PiiType | None) -> None:
    found = CLASSIFIER.classify_column(header, pl.Series(values, strict=False))
    assert (found.domain, found.pii) == (domain, pii), found.evidence["candidates"]
    assert found.band in (Band.HIGH, Band.BORDERLINE)


@pytest.mark.parametrize(
    "header",
    ["email", "Телефон", "customer_phone", "DOB", "FullName", "住所"],
)
@pytest.mark.parametrize("values", [[None, None, None], ["", "  ", None], []], ids=["nulls", "blanks", "no rows"])
def test_an_empty_column_gets_no_verdict_only_the_names_hint(header: str, values: list[object]) -> None:
    found = CLASSIFIER.classify_column(header, pl.Series(values, dtype=pl.String))
    assert (found.domain, found.band, found.pii, found.confidence) == (None, Band.EMPTY, None, 0.0)
    hint = found.evidence["name_hint"]
    assert hint["domain"] and hint["pii"], "the header's reading is kept as a hint, with the PII it would carry"


def test_small_integers_with_no_header_are_never_personal_data_by_themselves() -> None:
    found = CLASSIFIER.classify_column("col_3", pl.Series([1, 2, 3, 4, 5, 6, 7]))
    assert found.pii is None and found.band is not Band.HIGH
