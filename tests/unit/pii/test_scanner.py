"""scan_column / scan_frame: column names and values combined; evidence counts; reading CSV and Parquet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from superset_review.pii import names
from superset_review.pii.scanner import ColumnFinding, PiiScanError, read_table, scan_column, scan_frame
from superset_review.pii.types import PiiType

EMAILS = ["alice@example.com", "bob@example.org", "carol.x@mail.example.net", "dave+1@example.io"]
PHONES = ["+44 20 7946 0958", "(555) 123-4567", "555.987.6543", "0490 75 40 81"]
BARE_PHONES = ["4155552671", "2125550100", "6465550199", "3125550123"]
IDS = ["1234567", "98765432", "5551234567", "1029384756", "7000001"]


def rules(finding: ColumnFinding) -> dict[str, tuple[int, int]]:
    return {e.rule: (e.matched, e.sampled) for e in finding.evidence}


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("email", EMAILS, PiiType.EMAIL),
        ("contact_email", EMAILS, PiiType.EMAIL),
        ("e_mail", EMAILS, PiiType.EMAIL),
        ("notes_x", EMAILS, PiiType.EMAIL),  # values alone are enough for e-mails
        ("phone", PHONES, PiiType.PHONE),
        ("mobile", BARE_PHONES, PiiType.PHONE),  # bare digits are phones when the name says so
        ("tel", BARE_PHONES, PiiType.PHONE),
        ("msisdn", BARE_PHONES, PiiType.PHONE),
        ("order_number", IDS, None),
        ("customer_id", IDS, None),
        ("reference", BARE_PHONES, None),
        ("phone_id", BARE_PHONES, None),  # a key to phone rows, not a phone
        ("phone_id", PHONES, PiiType.PHONE),  # ... unless its values are phones all the same
        ("email_id", EMAILS, PiiType.EMAIL),
        ("order_number", ["555-123-4567", "555-987-6543", "555-222-3333"], None),  # phone-shaped IDs
        ("invoice_ref", ["555-123-4567", "555-987-6543", "555-222-3333"], None),
        ("contact_number", ["555-123-4567", "555-987-6543", "555-222-3333"], PiiType.PHONE),
        ("fax", ["555-123-4567", "555-987-6543"], PiiType.PHONE),
        ("ssn", ["123-45-6789", "460-89-9847", "078-05-1121"], PiiType.US_SSN),
        ("social_security_number", ["123456789", "460899847"], PiiType.US_SSN),
        ("cc_number", ["4111111111111111", "5555555555554444", "378282246310005"], PiiType.CREDIT_CARD),
        ("pan", ["4111 1111 1111 1111", "6011111111111117"], PiiType.CREDIT_CARD),
        ("iban", ["GB82WEST12345698765432", "DE89370400440532013000"], PiiType.IBAN),
        ("ip_address", ["10.0.0.1", "192.168.1.20", "2001:db8::1"], PiiType.IP_ADDRESS),
        ("client_ip", ["10.0.0.1", "192.168.1.20"], PiiType.IP_ADDRESS),
        ("website", ["https://example.com", "www.example.org"], PiiType.URL),
        ("dob", ["1990-05-03", "03/05/1985", "2001-12-31"], PiiType.DATE_OF_BIRTH),
        ("birth_date", ["1990-05-03", "1985-01-02"], PiiType.DATE_OF_BIRTH),
        ("created_at", ["1990-05-03", "1985-01-02"], None),  # a date is not a birth date without the name
        ("zip", ["02134", "90210-1234", "10001"], PiiType.POSTAL_CODE),
        ("postcode", ["SW1A 1AA", "EC1A 1BB"], PiiType.POSTAL_CODE),
        ("amount", ["12345", "90210", "10001"], None),
        ("first_name", ["John", "Mary", "Aino", "Toshimi"], PiiType.PERSON),
        ("last_name", ["Smith", "Korhonen", "Arata", "Lopez"], PiiType.PERSON),
        ("customer_name", ["John Smith", "Mary Jones", "Aino Korhonen"], PiiType.PERSON),
        ("contact", ["John Smith", "Mary Jones", "Robert Brown", "Linda Davis"], PiiType.PERSON),
        ("name", ["Widget", "Gadget", "Blue Box", "Thing"], None),
        ("product_name", ["John Deere tractor", "Blue Box"], None),
        ("address", ["12 Park Lane", "Mellemvej 32", "1600 Pennsylvania Avenue NW"], PiiType.STREET_ADDRESS),
        ("address_line1", ["221B Baker Street", "10 Downing Street"], PiiType.STREET_ADDRESS),
        ("status", ["shipped", "pending", "returned"], None),
        ("comment", ["call me later", "ok", "see a@b.com", "fine", "thanks"], None),
    ],
)
def test_column_verdicts(column: str, values: list[str], expected: PiiType | None) -> None:
    finding = scan_column(column, pl.Series(values))
    assert finding.pii_type == expected, finding
    assert 0.0 <= finding.confidence <= 1.0


def test_numeric_id_column_is_not_a_phone_column_even_as_integers() -> None:
    finding = scan_column("order_number", pl.Series([1234567, 98765432, 5551234567, 1029384756]))
    assert finding.pii_type is None
    assert rules(finding)["numeric_identifier"] == (4, 4)
    assert "not a phone" in next(e.detail for e in finding.evidence if e.rule == "numeric_identifier")


def test_phone_column_with_integer_values() -> None:
    finding = scan_column("phone", pl.Series([4155552671, 2125550100, 6465550199]))
    assert finding.pii_type is PiiType.PHONE
    assert finding.confidence > 0.9


def test_evidence_counts_matched_over_sampled() -> None:
    values = pl.Series(["alice@example.com", "bob@example.org", None, "not an email", "", "carol@example.net"])
    finding = scan_column("email", values)
    assert finding.pii_type is PiiType.EMAIL
    evidence = rules(finding)
    assert evidence["column_name"] == (1, 1)
    assert evidence["values:email"] == (3, 4), "nulls and blanks are not sampled"
    assert finding.confidence == pytest.approx(0.6 + 0.4 * 3 / 4)


def test_name_contradicted_by_values() -> None:
    finding = scan_column("email", pl.Series(["5e884898da28047151d0e56f8dc62927"] * 6))
    assert finding.pii_type is None
    assert rules(finding)["name_contradicted"] == (0, 6)


def test_name_alone_when_there_are_no_values() -> None:
    """An empty column gets no verdict from its name: it is reported as empty, with what the name suggests."""
    finding = scan_column("email", pl.Series([None, "", "  "], dtype=pl.String))
    assert finding.pii_type is None and finding.empty
    assert finding.name_hint is PiiType.EMAIL
    assert rules(finding)["empty"] == (0, 0)
    assert finding.to_dict()["empty"] is True and finding.to_dict()["name_hint"] == "EMAIL"
    full = scan_column("email", pl.Series(["ann@example.com", None], dtype=pl.String))
    assert full.pii_type is PiiType.EMAIL and not full.empty, "one value is enough to be read"


def test_mixed_column_is_none_but_says_what_it_saw() -> None:
    values = pl.Series(["hello", "a@b.com", "555-123-4567", "world", "again", "more", "text", "x", "y", "z"])
    finding = scan_column("misc", values)
    assert finding.pii_type is None
    assert rules(finding)["values:email"] == (1, 10)
    assert rules(finding)["values:phone"] == (1, 10)


def test_max_values_samples_a_fixed_subset() -> None:
    values = pl.Series([f"user{i}@example.com" for i in range(1000)])
    first = scan_column("email", values, max_values=50)
    assert rules(first)["values:email"] == (50, 50)
    assert first == scan_column("email", values, max_values=50)


def test_date_typed_birth_column() -> None:
    finding = scan_column("date_of_birth", pl.Series([date(1990, 5, 3), date(1985, 1, 2)]))
    assert finding.pii_type is PiiType.DATE_OF_BIRTH


def test_unreadable_dtype_is_judged_by_name_only() -> None:
    finding = scan_column("email", pl.Series([1.5, 2.5]))
    assert finding.pii_type is PiiType.EMAIL
    assert "values_unreadable" in rules(finding)
    assert scan_column("ratio", pl.Series([1.5, 2.5])).pii_type is None


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("email_address", PiiType.EMAIL),
        ("billingZipCode", PiiType.POSTAL_CODE),
        ("ip_address", PiiType.IP_ADDRESS),
        ("shipping_method", None),  # "ip" inside a word is not a token
        ("description", None),
        ("phoneNumber", PiiType.PHONE),
        ("date_of_birth", PiiType.DATE_OF_BIRTH),
        ("street", PiiType.STREET_ADDRESS),
        ("company_name", None),
        ("fullName", PiiType.PERSON),
        ("surname", PiiType.PERSON),
        ("homepage_url", PiiType.URL),
    ],
)
def test_name_hints(column: str, expected: PiiType | None) -> None:
    hint = names.hint(column)
    assert (hint.pii_type if hint else None) == expected


def test_scan_frame_one_finding_per_column() -> None:
    frame = pl.DataFrame({"email": EMAILS, "order_number": IDS[:4], "phone": PHONES})
    findings = scan_frame(frame, max_values_per_column=3)
    assert [(f.column, f.pii_type) for f in findings] == [
        ("email", PiiType.EMAIL),
        ("order_number", None),
        ("phone", PiiType.PHONE),
    ]
    assert all(e.sampled <= 3 for f in findings for e in f.evidence)


# --- read_table --------------------------------------------------------------------------------------------------
def test_read_csv_keeps_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("zip,phone\n02134,+4420\n")
    frame = read_table(path)
    assert frame.row(0) == ("02134", "+4420")


def test_read_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pl.DataFrame({"email": EMAILS}).write_parquet(path)
    assert read_table(path)["email"].to_list() == EMAILS


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("notes.xlsx", b"PK\x03\x04", "neither CSV nor Parquet"),
        ("bad.parquet", b"PAR1 not really", "cannot read .* as Parquet"),
        ("empty.csv", b"", "cannot read .* as CSV"),
        ("latin1.csv", b"name\nJos\xe9\n", "save it as UTF-8"),
    ],
)
def test_read_table_errors_say_what_to_do(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PiiScanError, match=message):
        read_table(path)


def test_read_table_directory(tmp_path: Path) -> None:
    with pytest.raises(PiiScanError, match="directory"):
        read_table(tmp_path)
