"""Parsing uploaded dictionaries: every format and shape, headers by synonym, and a clear error for each bad input."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from superset_review.semantics import dictionary as dictionary_module
from superset_review.semantics.dictionary import (
    Dictionary,
    DictionaryEntry,
    DictionaryError,
    DictionaryErrorCode,
    parse_dictionary,
)

E = DictionaryEntry
EXPECTED = (
    E("order_date", "Order date", "When the order was placed"),
    E("amount", None, "Total, in EUR; taxes included"),
    E("status", "Status", None),
)
ROWS = [
    ["column", "verbose_name", "description"],
    ["order_date", "Order date", "When the order was placed"],
    ["amount", "", "Total, in EUR; taxes included"],
    ["status", "Status", ""],
]


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if any(char in value for char in ',;\t"\n') else value

    return "".join(delimiter.join(cell(value) for value in row) + newline for row in rows)


def xlsx(*sheets: list[list[Any]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet{number + 1}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def code_of(data: bytes, filename: str, **kwargs: Any) -> DictionaryError:
    with pytest.raises(DictionaryError) as raised:
        parse_dictionary(data, filename, **kwargs)
    return raised.value


# --- formats ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (csv_text(ROWS).encode(), "dict.csv"),
        (csv_text(ROWS, ";").encode(), "dict.csv"),
        (csv_text(ROWS, "\t").encode(), "dict.csv"),
        (csv_text(ROWS, "\t").encode(), "dict.tsv"),
        (csv_text(ROWS, newline="\r\n").encode(), "dict.csv"),
        (codecs.BOM_UTF8 + csv_text(ROWS).encode(), "dict.csv"),
        (csv_text(ROWS).encode("utf-16"), "dict.csv"),
        (codecs.BOM_UTF16_LE + csv_text(ROWS, ";").encode("utf-16-le"), "dict.csv"),
        (codecs.BOM_UTF16_BE + csv_text(ROWS, "\t").encode("utf-16-be"), "dict.csv"),
        (xlsx(ROWS), "dict.xlsx"),
        (xlsx(ROWS), "DICT.XLSX"),
        (json.dumps([dict(zip(ROWS[0], row, strict=True)) for row in ROWS[1:]]).encode(), "dict.json"),
        (
            json.dumps(
                {
                    "order_date": {"verbose_name": "Order date", "description": "When the order was placed"},
                    "amount": "Total, in EUR; taxes included",
                    "status": {"label": "Status"},
                }
            ).encode(),
            "dict.json",
        ),
        (
            codecs.BOM_UTF8
            + json.dumps(
                {
                    "order_date": {"title": "Order date", "desc": "When the order was placed"},
                    "amount": {"comment": "Total, in EUR; taxes included"},
                    "status": {"display_name": "Status", "definition": None},
                }
            ).encode(),
            "dict.json",
        ),
    ],
    ids=[
        "csv-comma",
        "csv-semicolon",
        "csv-tab",
        "tsv",
        "csv-crlf",
        "csv-utf8-bom",
        "csv-utf16-bom",
        "csv-utf16le-bom",
        "csv-utf16be-bom",
        "xlsx",
        "xlsx-upper-ext",
        "json-list",
        "json-mapping",
        "json-mapping-synonyms-bom",
    ],
)
def test_each_format_gives_the_same_entries(data: bytes, filename: str) -> None:
    parsed = parse_dictionary(data, filename)
    assert parsed.entries == EXPECTED
    assert parsed.duplicates == ()
    assert parsed.skipped_rows == ()


def test_name_is_the_base_name_and_version_the_content_hash() -> None:
    data = csv_text(ROWS).encode()
    parsed = parse_dictionary(data, "C:\\uploads\\sales\\dict.csv")
    assert parsed == Dictionary("dict.csv", hashlib.sha256(data).hexdigest()[:16], EXPECTED)
    assert len(parsed.version) == 16
    assert parse_dictionary(data, "other/dict.csv").version == parsed.version
    assert parse_dictionary(data + b"x,,y\n", "dict.csv").version != parsed.version


def test_by_column() -> None:
    parsed = parse_dictionary(csv_text(ROWS).encode(), "d.csv")
    assert parsed.by_column() == {entry.column: entry for entry in EXPECTED}


# --- headers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("column,verbose_name,description", E("a", "A", "about a")),
        ("Column_Name,Label,Desc", E("a", "A", "about a")),
        ("NAME,TITLE,DEFINITION", E("a", "A", "about a")),
        ("field,display_name,meaning", E("a", "A", "about a")),
        ("Field Name,Display Name,Comment", E("a", "A", "about a")),
        ("field-name,display-name,comment", E("a", "A", "about a")),
        (" column , verbose_name , description ", E("a", "A", "about a")),
        ("column,description,verbose_name", E("a", "about a", "A")),
        ("column,label,unrelated", E("a", "A", None)),
        ("column,unrelated,comment", E("a", None, "about a")),
        ("notes,column,label", E("A", "about a", None)),
    ],
)
def test_headers_by_synonym_any_case(header: str, expected: DictionaryEntry) -> None:
    parsed = parse_dictionary(f"{header}\na,A,about a\n".encode(), "d.csv")
    assert parsed.entries == (expected,)


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("name,column,description", "nm,col,about", E("col", None, "about")),  # 'column' is preferred to 'name'
        ("field,column_name,description", "fld,col,about", E("col", None, "about")),  # 'column_name' to 'field'
        ("column,comment,description", "col,remark,about", E("col", None, "about")),  # 'description' to 'comment'
        ("column,title,label,description", "col,Title,Label,about", E("col", "Label", "about")),  # 'label' to 'title'
    ],
)
def test_several_synonyms_the_preferred_one_wins(header: str, row: str, expected: DictionaryEntry) -> None:
    assert parse_dictionary(f"{header}\n{row}\n".encode(), "d.csv").entries == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('column;description\norder_date;"When, where"\n', E("order_date", None, "When, where")),
        ('column,description\norder_date,"When; where"\n', E("order_date", None, "When; where")),
        ("column\tdescription\norder_date\tWhen, where; how\n", E("order_date", None, "When, where; how")),
        ('column;description\norder_date;"multi\nline"\n', E("order_date", None, "multi\nline")),
        ('column,description\norder_date,"say ""when"""\n', E("order_date", None, 'say "when"')),
        ("column\n", None),
    ],
)
def test_delimiter_sniffing(text: str, expected: DictionaryEntry | None) -> None:
    if expected is None:
        assert code_of(text.encode(), "d.csv").code is DictionaryErrorCode.NO_MEANING_COLUMNS
    else:
        assert parse_dictionary(text.encode(), "d.csv").entries == (expected,)


def test_blank_values_are_none_and_text_is_stripped() -> None:
    text = "column,verbose_name,description\n  a  ,   ,  about a  \nb,\t,\n"
    assert parse_dictionary(text.encode(), "d.csv").entries == (E("a", None, "about a"), E("b", None, None))


def test_short_and_long_rows() -> None:
    text = "column,verbose_name,description\na,A\nb,B,about b,extra,cells\n"
    assert parse_dictionary(text.encode(), "d.csv").entries == (E("a", "A", None), E("b", "B", "about b"))


# --- XLSX ------------------------------------------------------------------------------------------------------


def test_xlsx_reads_the_first_sheet_only() -> None:
    data = xlsx([["column", "description"], ["a", "first"]], [["column", "description"], ["a", "second"]])
    assert parse_dictionary(data, "d.xlsx").entries == (E("a", None, "first"),)


def test_xlsx_cells_of_other_types_and_leading_blank_rows() -> None:
    data = xlsx(
        [[None, None], ["Column", "Description", "Label"], [2024, 1.0, 3.5], ["b", None, "B"], [None, "orphan"]]
    )
    parsed = parse_dictionary(data, "d.xlsx")
    assert parsed.entries == (E("2024", "3.5", "1"), E("b", "B", None))
    assert parsed.skipped_rows == (5,)


# --- JSON ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([{"column": "a", "description": "about a"}], (E("a", None, "about a"),)),
        ([{"Column": "a", "Label": "A"}, {"column": "b", "label": "B"}], (E("a", "A", None), E("b", "B", None))),
        ([{"name": "a", "title": "A"}, {"name": "b", "desc": "about b"}], (E("a", "A", None), E("b", None, "about b"))),
        ([{"column": "a", "description": None, "label": "A"}], (E("a", "A", None),)),
        (
            [{"column": 7, "description": 1.5}, {"column": "t", "description": True}],
            (E("7", None, "1.5"), E("t", None, "true")),
        ),
        (
            {"a": "about a", "b": None, "c": {"label": "C"}},
            (E("a", None, "about a"), E("b", None, None), E("c", "C", None)),
        ),
        ({"a": {"verbose_name": "A", "description": "about a", "owner": "sales"}}, (E("a", "A", "about a"),)),
        ({" a ": "  about a  ", "": "no column"}, (E("a", None, "about a"),)),
    ],
)
def test_json_shapes(document: Any, expected: tuple[DictionaryEntry, ...]) -> None:
    assert parse_dictionary(json.dumps(document).encode(), "d.json").entries == expected


# --- duplicates and skipped rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "entries", "duplicates"),
    [
        (
            b"column,description\na,one\nb,bee\na,two\na,three\nb,bee again\n",
            "d.csv",
            (E("a", None, "three"), E("b", None, "bee again")),
            ("a", "b"),
        ),
        (
            b'[{"column": "a", "label": "A"}, {"column": "a", "description": "about a"}]',
            "d.json",
            (E("a", None, "about a"),),
            ("a",),
        ),
        (b'{"a": "one", "b": "bee", "a": "two"}', "d.json", (E("a", None, "two"), E("b", None, "bee")), ("a",)),
        (xlsx([["column", "description"], ["a", "one"], ["a", "two"]]), "d.xlsx", (E("a", None, "two"),), ("a",)),
        (b"column,description\na,one\nA,two\n", "d.csv", (E("a", None, "one"), E("A", None, "two")), ()),
    ],
    ids=["csv", "json-list", "json-mapping", "xlsx", "case-differs"],
)
def test_duplicate_rows_last_wins(
    data: bytes, filename: str, entries: tuple[DictionaryEntry, ...], duplicates: tuple[str, ...]
) -> None:
    parsed = parse_dictionary(data, filename)
    assert parsed.entries == entries
    assert parsed.duplicates == duplicates


@pytest.mark.parametrize(
    ("data", "filename", "skipped"),
    [
        (b"column,description\n,orphan\na,about a\n,\n\n , also orphan\n", "d.csv", (2, 6)),
        (b'[{"column": "a", "description": "x"}, {"description": "orphan"}, {"column": ""}]', "d.json", (2,)),
    ],
)
def test_rows_without_a_column_name_are_reported(data: bytes, filename: str, skipped: tuple[int, ...]) -> None:
    assert parse_dictionary(data, filename).skipped_rows == skipped


# --- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "code", "fragment"),
    [
        (b"x" * 101, "d.csv", DictionaryErrorCode.TOO_LARGE, "The file is 101 bytes, over the 100 bytes limit"),
        (
            b"column,description\na,b\n",
            "d.xls",
            DictionaryErrorCode.UNSUPPORTED_FORMAT,
            "must be a .csv, .xlsx or .json",
        ),
        (b"column,description\na,b\n", "d.txt", DictionaryErrorCode.UNSUPPORTED_FORMAT, "'.txt'"),
        (b"column,description\na,b\n", "dictionary", DictionaryErrorCode.UNSUPPORTED_FORMAT, "no extension"),
        (
            "column,description\nd\u00e9j\u00e0,vu\n".encode("latin-1"),
            "d.csv",
            DictionaryErrorCode.BAD_ENCODING,
            "save it as UTF-8",
        ),
        (
            "column,description\na,caf\u00e9\n".encode("cp1252"),
            "d.csv",
            DictionaryErrorCode.BAD_ENCODING,
            "byte 0xe9 at offset 24",
        ),
        ('{"a": "caf\u00e9"}'.encode("latin-1"), "d.json", DictionaryErrorCode.BAD_ENCODING, "save it as UTF-8"),
        (
            "column,description\na,b\n".encode("utf-16-le"),
            "d.csv",
            DictionaryErrorCode.BAD_ENCODING,
            "without a byte-order mark",
        ),
        (
            b"foo,bar\n1,2\n",
            "d.csv",
            DictionaryErrorCode.NO_COLUMN_HEADER,
            "name one column 'column' (or column_name, name, field",
        ),
        (b"foo,bar\n1,2\n", "d.csv", DictionaryErrorCode.NO_COLUMN_HEADER, "Headers found: 'foo', 'bar'"),
        (b"column_nam,description\na,b\n", "d.csv", DictionaryErrorCode.NO_COLUMN_HEADER, "no column-name header"),
        (
            b'[{"col": "a", "description": "b"}]',
            "d.json",
            DictionaryErrorCode.NO_COLUMN_HEADER,
            "no column-name header",
        ),
        (
            xlsx([["foo", "description"], ["a", "b"]]),
            "d.xlsx",
            DictionaryErrorCode.NO_COLUMN_HEADER,
            "no column-name header",
        ),
        (b"column,notes\na,b\n", "d.csv", DictionaryErrorCode.NO_MEANING_COLUMNS, "add a 'verbose_name' (or label"),
        (b'[{"column": "a", "notes": "b"}]', "d.json", DictionaryErrorCode.NO_MEANING_COLUMNS, "or a 'description'"),
        (b'{"a": {"notes": "b"}}', "d.json", DictionaryErrorCode.NO_MEANING_COLUMNS, "without a 'verbose_name'"),
        (b"", "d.csv", DictionaryErrorCode.EMPTY, "The file is empty"),
        (b"\n \n", "d.csv", DictionaryErrorCode.EMPTY, "The file is empty"),
        (codecs.BOM_UTF8, "d.csv", DictionaryErrorCode.EMPTY, "The file is empty"),
        (b"column,description\n", "d.csv", DictionaryErrorCode.EMPTY, "header but no rows"),
        (b"column,description\n,\n", "d.csv", DictionaryErrorCode.EMPTY, "header but no rows"),
        (
            b"column,verbose_name,description\na,,\nb,,\n",
            "d.csv",
            DictionaryErrorCode.EMPTY,
            "no verbose names or descriptions",
        ),
        (b"", "d.json", DictionaryErrorCode.EMPTY, "The file is empty"),
        (b"[]", "d.json", DictionaryErrorCode.EMPTY, "list is empty"),
        (b"{}", "d.json", DictionaryErrorCode.EMPTY, "object is empty"),
        (b'{"a": null}', "d.json", DictionaryErrorCode.EMPTY, "no verbose names or descriptions"),
        (xlsx([]), "d.xlsx", DictionaryErrorCode.EMPTY, "The file is empty"),
        (xlsx([["column", "description"]]), "d.xlsx", DictionaryErrorCode.EMPTY, "header but no rows"),
        (b'column,description\na,"unterminated\nb,c\n', "d.csv", DictionaryErrorCode.MALFORMED, "from line 2"),
        (b'column,description\na,"b"c\n', "d.csv", DictionaryErrorCode.MALFORMED, "Check the quotes"),
        (b'{"a": ', "d.json", DictionaryErrorCode.MALFORMED, "not valid JSON (line 1, column 7"),
        (b'"just text"', "d.json", DictionaryErrorCode.MALFORMED, "The JSON is a string"),
        (b"[1, 2]", "d.json", DictionaryErrorCode.MALFORMED, "Item 1 of the JSON list is a number"),
        (b'{"a": [1]}', "d.json", DictionaryErrorCode.MALFORMED, "gives a list for column 'a'"),
        (
            b'[{"column": "a", "description": {"en": "x"}}]',
            "d.json",
            DictionaryErrorCode.MALFORMED,
            "an object as a value for item 1",
        ),
        (b"column,description\na,b\n", "d.xlsx", DictionaryErrorCode.MALFORMED, "not a readable .xlsx workbook"),
        (
            b"PK\x03\x04 not really a zip",
            "d.xlsx",
            DictionaryErrorCode.MALFORMED,
            "save it again as 'Excel Workbook (.xlsx)'",
        ),
    ],
)
def test_errors(data: bytes, filename: str, code: DictionaryErrorCode, fragment: str) -> None:
    error = code_of(data, filename, max_bytes=100) if code is DictionaryErrorCode.TOO_LARGE else code_of(data, filename)
    assert error.code is code
    assert fragment in error.message
    assert str(error) == error.message
    assert isinstance(error, ValueError)


def test_a_workbook_that_is_not_an_xlsx_inside() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    error = code_of(buffer.getvalue(), "d.xlsx")
    assert error.code is DictionaryErrorCode.MALFORMED
    assert "cannot be read" in error.message


def test_fifty_megabytes_are_refused_by_size_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> str:
        raise AssertionError("decoded a file that is too large")

    monkeypatch.setattr(dictionary_module, "_decode", fail)
    data = b"column,description\n" + b"\xe9" * (50 * 1024 * 1024)  # would be BAD_ENCODING if it were read
    for filename in ("d.csv", "d.json", "d.xlsx", "d.pdf"):
        error = code_of(data, filename)
        assert error.code is DictionaryErrorCode.TOO_LARGE
        assert "The file is 50.0 MB, over the 10.0 MB limit" in error.message


def test_the_limit_is_inclusive() -> None:
    data = b"column,description\na,b\n"
    assert parse_dictionary(data, "d.csv", max_bytes=len(data)).entries == (E("a", None, "b"),)
    assert code_of(data, "d.csv", max_bytes=len(data) - 1).code is DictionaryErrorCode.TOO_LARGE


def test_a_workbook_that_unpacks_far_beyond_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", " " * 5_000_000)  # a zip bomb: 5 MB in a few KB
    data = buffer.getvalue()
    error = code_of(data, "d.xlsx", max_bytes=len(data))
    assert error.code is DictionaryErrorCode.TOO_LARGE
    assert "unpacks to" in error.message
