"""A dictionary upload asks for bounded work whatever the file declares: caps on entries, rows and cells, each
refused with a message naming the cap, and parsing that stays linear in the file."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from superset_review.semantics.dictionary import (
    MAX_COLUMN_NAME,
    MAX_ENTRIES,
    MAX_VERBOSE_NAME,
    XLSX_MAX_ROWS,
    DictionaryError,
    DictionaryErrorCode,
    parse_dictionary,
)
from tests.unit.semantics.test_dictionary import csv_text, xlsx

# Linear parsing of a file at the caps takes well under a second here; the quadratic key merge took 9 s for 8000
# items and the XLSX walk of a declared dimension does not end in any useful time.
TIME_LIMIT_SECONDS = 3.0


def refusal(data: bytes, filename: str) -> DictionaryError:
    with pytest.raises(DictionaryError) as caught:
        parse_dictionary(data, filename)
    return caught.value


def timed(data: bytes, filename: str) -> float:
    started = time.perf_counter()
    with contextlib.suppress(DictionaryError):
        parse_dictionary(data, filename)
    return time.perf_counter() - started


def test_a_json_list_of_distinct_keys_at_the_cap_parses_in_linear_time() -> None:
    items = [{"column": f"c{i}", "description": "d", f"extra_{i}": i} for i in range(MAX_ENTRIES)]
    data = json.dumps(items).encode()
    started = time.perf_counter()
    parsed = parse_dictionary(data, "wide.json")
    assert time.perf_counter() - started < TIME_LIMIT_SECONDS
    assert len(parsed.entries) == MAX_ENTRIES


def test_a_json_list_still_refuses_a_nested_value_in_any_key() -> None:
    items = [{"column": "a", "description": "d", "other": {"x": 1}}]
    assert refusal(json.dumps(items).encode(), "d.json").code is DictionaryErrorCode.MALFORMED


def test_many_duplicate_rows_are_merged_in_linear_time() -> None:
    rows = [["column", "description"]] + [[f"c{i % (MAX_ENTRIES // 2)}", "d"] for i in range(MAX_ENTRIES)]
    data = csv_text(rows).encode()
    started = time.perf_counter()
    parsed = parse_dictionary(data, "d.csv")
    assert time.perf_counter() - started < TIME_LIMIT_SECONDS
    assert len(parsed.duplicates) == MAX_ENTRIES // 2


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (json.dumps([{"column": f"c{i}", "description": "d"} for i in range(MAX_ENTRIES + 1)]).encode(), "d.json"),
        (json.dumps({f"c{i}": "d" for i in range(MAX_ENTRIES + 1)}).encode(), "d.json"),
        (csv_text([["column", "description"]] + [[f"c{i}", "d"] for i in range(MAX_ENTRIES + 1)]).encode(), "d.csv"),
        (xlsx([["column", "description"]] + [[f"c{i}", "d"] for i in range(MAX_ENTRIES + 1)]), "d.xlsx"),
    ],
    ids=["json-list", "json-object", "csv", "xlsx"],
)
def test_more_entries_than_the_cap_are_refused_naming_the_cap(data: bytes, filename: str) -> None:
    error = refusal(data, filename)
    assert error.code is DictionaryErrorCode.TOO_LARGE
    assert f"more than {MAX_ENTRIES} entries" in error.message
    assert timed(data, filename) < TIME_LIMIT_SECONDS


def test_exactly_the_cap_is_accepted() -> None:
    rows = [["column", "description"]] + [[f"c{i}", "d"] for i in range(MAX_ENTRIES)]
    assert len(parse_dictionary(csv_text(rows).encode(), "d.csv").entries) == MAX_ENTRIES


def _declaring(workbook: bytes, dimension: str, extra_row: str = "") -> bytes:
    """The workbook with its first sheet's declared dimension (and optionally one more row) rewritten."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', content.decode())
                assert dimension in text
                text = text.replace("</sheetData>", f"{extra_row}</sheetData>")
                content = text.encode()
            target.writestr(info, content)
    return out.getvalue()


SMALL = xlsx([["column", "description"], ["order_date", "When the order was placed"]])


def _parse_in_a_process(tmp_path: Path, data: bytes) -> str:
    """Parsed in a child process with a deadline: before the fix the walk never ended, and a thread cannot be
    stopped."""
    path = tmp_path / "d.xlsx"
    path.write_bytes(data)
    code = (
        "import sys, pathlib\n"
        "from superset_review.semantics.dictionary import parse_dictionary, DictionaryError\n"
        "try:\n"
        f"    print(len(parse_dictionary(pathlib.Path({str(path)!r}).read_bytes(), 'd.xlsx').entries))\n"
        "except DictionaryError as ex:\n"
        "    print(ex.code, ex.message)\n"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert time.perf_counter() - started < 20
    return done.stdout.strip()


def test_an_xlsx_declaring_the_whole_sheet_is_read_as_far_as_it_holds_cells(tmp_path: Path) -> None:
    assert _parse_in_a_process(tmp_path, _declaring(SMALL, "A1:XFD1048576")) == "1"


@pytest.mark.parametrize(
    "far_row",
    [
        '<row r="1048576"></row>',  # Excel writes such rows for formatting applied to whole columns
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>last</t></is></c></row>',
    ],
    ids=["empty", "with-a-cell"],
)
def test_an_xlsx_with_a_row_far_down_costs_only_the_rows_it_holds(tmp_path: Path, far_row: str) -> None:
    """Before: 16384 cells read for each of the million missing rows (more than 30 s, killed)."""
    assert _parse_in_a_process(tmp_path, _declaring(SMALL, "A1:XFD1048576", far_row)) in ("1", "2")


def test_an_xlsx_holding_more_rows_than_the_cap_is_refused_naming_it(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{n}"></row>' for n in range(3, XLSX_MAX_ROWS + 3))  # empty, yet each one parsed
    answer = _parse_in_a_process(tmp_path, _declaring(SMALL, f"A1:C{XLSX_MAX_ROWS + 2}", rows))
    assert answer.startswith("TOO_LARGE") and f"more than {XLSX_MAX_ROWS} rows" in answer


def test_an_xlsx_with_a_cell_far_across_reads_only_the_first_columns(tmp_path: Path) -> None:
    wide = '<row r="3"><c r="A3" t="inlineStr"><is><t>amount</t></is></c><c r="B3" t="inlineStr"><is><t>Total</t>'
    wide += '</is></c><c r="XFD3" t="inlineStr"><is><t>far</t></is></c></row>'
    assert _parse_in_a_process(tmp_path, _declaring(SMALL, "A1:XFD3", wide)) == "2"


def test_a_column_name_longer_than_supersets_is_refused() -> None:
    rows = [["column", "description"], ["c" * (MAX_COLUMN_NAME + 1), "d"]]
    error = refusal(csv_text(rows).encode(), "d.csv")
    assert error.code is DictionaryErrorCode.MALFORMED and f"at most {MAX_COLUMN_NAME}" in error.message


def test_a_verbose_name_longer_than_supersets_is_refused() -> None:
    document: dict[str, Any] = {"amount": {"verbose_name": "v" * (MAX_VERBOSE_NAME + 1)}}
    error = refusal(json.dumps(document).encode(), "d.json")
    assert error.code is DictionaryErrorCode.MALFORMED and f"at most {MAX_VERBOSE_NAME}" in error.message
