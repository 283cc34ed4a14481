"""Read an uploaded data dictionary (CSV, XLSX or JSON) into typed entries: column -> verbose name, description.

``parse_dictionary`` is pure: bytes in, a ``Dictionary`` or a ``DictionaryError`` out. It never half-succeeds,
so a bad upload is refused with a message saying what was wrong and what to do, and whatever the review session
accepted earlier stays as it was.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from superset_review.extension.i18n import Text

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# An XLSX is a zip: its unpacked parts may be this many times the upload limit (a real workbook of text compresses
# about 5-10x); beyond that it is refused as a zip bomb before openpyxl unpacks anything.
XLSX_EXPANSION_LIMIT = 20
# A dictionary describes one dataset's columns: a few hundred rows, rarely thousands. The caps bound the work a file
# can ask for, whatever its size says: an XLSX declares its dimension ("A1:XFD1048576" is 17 billion cells) and
# openpyxl would walk all of it; a sheet is read only this far down and across.
MAX_ENTRIES = 10_000
XLSX_MAX_ROWS = 100_000
XLSX_MAX_COLUMNS = 100
# Superset's own column lengths (TableColumn.column_name, TableColumn.verbose_name): longer text cannot be written back.
MAX_COLUMN_NAME = 255
MAX_VERBOSE_NAME = 1024

COLUMN_HEADERS = ("column", "column_name", "name", "field", "field_name")
VERBOSE_NAME_HEADERS = ("verbose_name", "label", "title", "display_name")
DESCRIPTION_HEADERS = ("description", "desc", "definition", "meaning", "comment")

_CSV_DELIMITERS = (",", ";", "\t")
_CSV_EXTENSIONS = {".csv": None, ".tsv": "\t"}


class DictionaryErrorCode(StrEnum):
    TOO_LARGE = "TOO_LARGE"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    BAD_ENCODING = "BAD_ENCODING"
    NO_COLUMN_HEADER = "NO_COLUMN_HEADER"
    NO_MEANING_COLUMNS = "NO_MEANING_COLUMNS"
    EMPTY = "EMPTY"
    MALFORMED = "MALFORMED"


class DictionaryError(ValueError):
    """A dictionary file that cannot be read; ``message`` says what was wrong and what to do about it."""

    def __init__(self, code: DictionaryErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DictionaryEntry:
    column: str
    verbose_name: str | None
    description: str | None
    # A source that scores its own entries (the column domains) says how sure it is, and why.
    confidence: float | None = None
    rationale: str | None = None


@dataclass(frozen=True)
class Dictionary:
    """A parsed dictionary file. ``version`` is the first 16 hex digits of the SHA-256 of the file's bytes.

    ``duplicates`` names the columns given on more than one row (the last row won); ``skipped_rows`` numbers
    (1-based, header included for CSV/XLSX; item number for JSON lists) the rows that had text but no column name.
    """

    name: str
    version: str
    entries: tuple[DictionaryEntry, ...]
    duplicates: tuple[str, ...] = ()
    skipped_rows: tuple[int, ...] = ()

    def by_column(self) -> dict[str, DictionaryEntry]:
        return {entry.column: entry for entry in self.entries}


def parse_dictionary(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Dictionary:
    """Parse an uploaded dictionary. The format comes from the extension: ``.csv`` (or ``.tsv``), ``.xlsx``, ``.json``.

    The size is checked before anything is decoded. Raises ``DictionaryError`` with a ``code`` and advice.
    """
    if len(data) > max_bytes:
        raise DictionaryError(
            DictionaryErrorCode.TOO_LARGE,
            Text(
                "The file is %(size)s, over the %(limit)s limit: keep only the rows of the columns you review (a "
                "dictionary rarely needs more than a few thousand rows) and upload it again",
                size=_size(len(data)),
                limit=_size(max_bytes),
            ),
        )
    name = PurePath(filename.replace("\\", "/")).name or filename
    suffix = PurePath(name).suffix.lower()
    if suffix in _CSV_EXTENSIONS:
        rows: Iterable[tuple[int, Sequence[Any]]] = _csv_rows(_decode(data, "CSV"), _CSV_EXTENSIONS[suffix])
        table = _table_from_rows(rows)
    elif suffix == ".xlsx":
        table = _table_from_rows(_xlsx_rows(data, max_bytes))
    elif suffix == ".json":
        table = _table_from_json(_decode(data, "JSON"))
    else:
        message = (
            Text(
                "'%(name)s' has '%(suffix)s'; a dictionary must be a .csv, .xlsx or .json file: save or export it in "
                "one of those formats (from Excel: 'Excel Workbook (.xlsx)' or 'CSV UTF-8')",
                name=name,
                suffix=suffix,
            )
            if suffix
            else Text(
                "'%(name)s' has no extension; a dictionary must be a .csv, .xlsx or .json file: save or export it in "
                "one of those formats (from Excel: 'Excel Workbook (.xlsx)' or 'CSV UTF-8')",
                name=name,
            )
        )
        raise DictionaryError(DictionaryErrorCode.UNSUPPORTED_FORMAT, message)
    _check_bounds(table.rows)
    entries, duplicates = _merge(table.rows)
    if not any(entry.verbose_name or entry.description for entry in entries):
        raise DictionaryError(
            DictionaryErrorCode.EMPTY,
            Text(
                "'%(name)s' has no verbose names or descriptions: fill in the %(headers)s column for at least one "
                "column and upload it again",
                name=name,
                headers=" / ".join(table.meaning_headers) or "description",
            ),
        )
    version = hashlib.sha256(data).hexdigest()[:16]
    return Dictionary(name, version, tuple(entries), tuple(duplicates), tuple(table.skipped))


# --- decoding -------------------------------------------------------------------------------------------------


def _decode(data: bytes, kind: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data
    else:
        encoding, body = "utf-8", data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        bad = body[error.start : error.start + 1].hex()
        raise DictionaryError(
            DictionaryErrorCode.BAD_ENCODING,
            Text(
                "The file is not valid %(encoding)s (byte 0x%(byte)s at offset %(offset)d): save it as UTF-8 (in "
                "Excel: 'Save As' > 'CSV UTF-8'; in an editor: encoding UTF-8) and upload it again",
                encoding=encoding.upper(),
                byte=bad,
                offset=error.start,
            ),
        ) from None
    if "\x00" in text:
        raise DictionaryError(
            DictionaryErrorCode.BAD_ENCODING,
            Text(
                "The %(kind)s file holds NUL characters, as UTF-16 or UTF-32 text without a byte-order mark does: "
                "save it as UTF-8 and upload it again",
                kind=kind,
            ),
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _size(size: int) -> Text:
    if size >= 1024 * 1024:
        return Text("%(size)s MB", size=f"{size / (1024 * 1024):.1f}")
    return Text("%(size)s KB", size=f"{size / 1024:.1f}") if size >= 1024 else Text("%(size)d bytes", size=size)


# --- tables: CSV and XLSX --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    rows: tuple[DictionaryEntry, ...]
    meaning_headers: tuple[str, ...]
    skipped: tuple[int, ...]


@dataclass(frozen=True)
class _Roles:
    """Which header, by position, plays which role."""

    column: int
    verbose_name: int | None
    description: int | None

    def entry(self, cells: Sequence[Any]) -> tuple[str | None, str | None, str | None]:
        return _cell(cells, self.column), _cell(cells, self.verbose_name), _cell(cells, self.description)


def _cell(cells: Sequence[Any], position: int | None) -> str | None:
    if position is None or position >= len(cells):
        return None
    return _text(cells[position]) or None


def _header_key(header: object) -> str:
    return "_".join(_text(header).lower().replace("-", " ").split())


def _pick(headers: Sequence[str], synonyms: Sequence[str]) -> int | None:
    """The position of the first synonym (in the synonyms' order of preference) present among the headers."""
    for synonym in synonyms:
        if synonym in headers:
            return headers.index(synonym)
    return None


def _roles(raw_headers: Sequence[object]) -> tuple[_Roles, tuple[str, ...]]:
    headers = [_header_key(header) for header in raw_headers]
    shown = ", ".join(repr(_text(header)) for header in raw_headers if _text(header))
    column = _pick(headers, COLUMN_HEADERS)
    if column is None:
        raise DictionaryError(
            DictionaryErrorCode.NO_COLUMN_HEADER,
            Text(
                "The file has no column-name header: name one column 'column' (or column_name, name, field, "
                "field_name) and give each column's name in it. Headers found: %(headers)s",
                headers=shown,
            )
            if shown
            else Text(
                "The file has no column-name header: name one column 'column' (or column_name, name, field, "
                "field_name) and give each column's name in it. Headers found: none"
            ),
        )
    verbose_name = _pick(headers, VERBOSE_NAME_HEADERS)
    description = _pick(headers, DESCRIPTION_HEADERS)
    if verbose_name is None and description is None:
        raise DictionaryError(
            DictionaryErrorCode.NO_MEANING_COLUMNS,
            Text(
                "The file has a column-name header ('%(header)s') but nothing to recover: add a 'verbose_name' (or "
                "label, title, display_name) or a 'description' (or desc, definition, meaning, comment) column. "
                "Headers found: %(headers)s",
                header=_text(raw_headers[column]),
                headers=shown,
            ),
        )
    meaning = tuple(_text(raw_headers[i]) for i in (verbose_name, description) if i is not None)
    return _Roles(column, verbose_name, description), meaning


_EMPTY_TABLE = Text("The file is empty: give a header row (column, verbose_name, description) and one row per column")


def _check_bounds(rows: Sequence[DictionaryEntry]) -> None:
    if len(rows) > MAX_ENTRIES:
        raise _too_many_entries()
    for entry in rows:
        if len(entry.column) > MAX_COLUMN_NAME:
            raise DictionaryError(
                DictionaryErrorCode.MALFORMED,
                Text(
                    "A column name of %(length)d characters starts '%(start)s': Superset's column names have at most "
                    "%(limit)d. Give the column's name as the dataset spells it and upload it again",
                    length=len(entry.column),
                    start=entry.column[:40],
                    limit=MAX_COLUMN_NAME,
                ),
            )
        if entry.verbose_name is not None and len(entry.verbose_name) > MAX_VERBOSE_NAME:
            raise DictionaryError(
                DictionaryErrorCode.MALFORMED,
                Text(
                    "The verbose name of column '%(column)s' has %(length)d characters; Superset keeps at most "
                    "%(limit)d: shorten it (the description takes longer text) and upload it again",
                    column=entry.column[:MAX_COLUMN_NAME],
                    length=len(entry.verbose_name),
                    limit=MAX_VERBOSE_NAME,
                ),
            )


def _too_many_entries() -> DictionaryError:
    return DictionaryError(
        DictionaryErrorCode.TOO_LARGE,
        Text(
            "The dictionary has more than %(limit)d entries: keep only the rows of the dataset's columns (one row per "
            "column) and upload it again",
            limit=MAX_ENTRIES,
        ),
    )


def _table_from_rows(rows: Iterable[tuple[int, Sequence[Any]]]) -> _Table:
    iterator = iter(rows)
    for _, header in iterator:
        if any(_text(cell) for cell in header):
            break
    else:
        raise DictionaryError(DictionaryErrorCode.EMPTY, _EMPTY_TABLE)
    roles, meaning = _roles(list(header))
    entries: list[DictionaryEntry] = []
    skipped: list[int] = []
    for number, row in iterator:
        column, verbose_name, description = roles.entry(row)
        if column is not None:
            entries.append(DictionaryEntry(column, verbose_name, description))
            if len(entries) > MAX_ENTRIES:
                raise _too_many_entries()
        elif any(_text(cell) for cell in row):
            skipped.append(number)
    if not entries:
        raise DictionaryError(
            DictionaryErrorCode.EMPTY,
            Text("The file has a header but no rows: add one row per column, with its name and its meaning"),
        )
    return _Table(tuple(entries), meaning, tuple(skipped))


def _csv_rows(text: str, delimiter: str | None) -> list[tuple[int, list[str]]]:
    """Every record with the line it starts on (a quoted value may span lines)."""
    if not text.strip():
        raise DictionaryError(DictionaryErrorCode.EMPTY, _EMPTY_TABLE)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or _sniff_delimiter(text), strict=True)
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            raise DictionaryError(
                DictionaryErrorCode.MALFORMED,
                Text(
                    "The CSV cannot be read from line %(line)d: %(error)s. Check the quotes there (a value holding "
                    "the delimiter or a line break must be in double quotes, and a quote inside it doubled) and "
                    "upload it again",
                    line=start,
                    error=str(error),
                ),
            ) from None
        rows.append((start, row))


def _sniff_delimiter(text: str) -> str:
    """The delimiter among , ; and tab that makes the first row the best header: one that names the column and
    meaning roles, then the one splitting it into the most cells. Comma on a tie."""

    def score(delimiter: str) -> tuple[int, int, int]:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            return (0, 0, 0)
        keys = [_header_key(cell) for cell in header]
        known = sum(key in (*COLUMN_HEADERS, *VERBOSE_NAME_HEADERS, *DESCRIPTION_HEADERS) for key in keys)
        return (int(_pick(keys, COLUMN_HEADERS) is not None), known, len(header))

    return max(_CSV_DELIMITERS, key=score)


def _xlsx_rows(data: bytes, max_bytes: int) -> list[tuple[int, tuple[Any, ...]]]:
    from openpyxl import load_workbook  # openpyxl: loaded on the first XLSX upload

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DictionaryError(
            DictionaryErrorCode.MALFORMED,
            Text(
                "The file is not a readable .xlsx workbook (an .xlsx is a zip archive and this one is not; an old "
                ".xls or a renamed CSV looks like this): open it in Excel or LibreOffice, save it again as 'Excel "
                "Workbook (.xlsx)' and upload it again"
            ),
        ) from None
    if unpacked > max_bytes * XLSX_EXPANSION_LIMIT:
        raise DictionaryError(
            DictionaryErrorCode.TOO_LARGE,
            Text(
                "The workbook unpacks to %(size)s, over the %(limit)s limit: keep only the dictionary sheet and its "
                "rows, or upload it as CSV",
                size=_size(unpacked),
                limit=_size(max_bytes * XLSX_EXPANSION_LIMIT),
            ),
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _sheet_rows(workbook)
        finally:
            workbook.close()
    except DictionaryError:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types on a damaged workbook; each is one message
        raise DictionaryError(
            DictionaryErrorCode.MALFORMED,
            Text(
                "The workbook cannot be read (%(error)s): open it in Excel or LibreOffice, save it again as 'Excel "
                "Workbook (.xlsx)' and upload it again",
                error=type(error).__name__,
            ),
        ) from None


def _sheet_rows(workbook: Any) -> list[tuple[int, tuple[Any, ...]]]:
    """The first sheet's rows that hold something, read no further than the caps whatever the sheet declares."""
    if not workbook.worksheets:
        return []
    sheet = workbook.worksheets[0]
    # The declared dimension is the file's say-so: without it openpyxl pads rows only to the cells they hold.
    sheet.reset_dimensions()
    found: list[tuple[int, tuple[Any, ...]]] = []
    previous: tuple[Any, ...] | None = None
    read = 0
    for number, row in enumerate(sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True), start=1):
        # openpyxl hands out one shared tuple for each row missing from the file (a gap): the rest of a gap after
        # its first row is no work, so a sheet with a row at 1048576 costs nothing for the empty rows above it.
        if row is previous:
            continue
        previous = row
        read += 1
        if read > XLSX_MAX_ROWS:
            raise DictionaryError(
                DictionaryErrorCode.TOO_LARGE,
                Text(
                    "The sheet holds more than %(limit)d rows: a dictionary has one row per column of the dataset. "
                    "Delete the rows below the dictionary (or upload it as CSV) and upload it again",
                    limit=XLSX_MAX_ROWS,
                ),
            )
        if any(cell is not None and _text(cell) for cell in row):
            found.append((number, row))
            if len(found) > MAX_ENTRIES + 1:  # the header row and the entries
                raise _too_many_entries()
    return found


# --- JSON ------------------------------------------------------------------------------------------------------


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers its keys in order, repeats included, to report duplicate columns."""

    pairs: list[tuple[str, Any]]


def _object_pairs(pairs: list[tuple[str, Any]]) -> _JsonObject:
    result = _JsonObject(pairs)
    result.pairs = pairs
    return result


# Said after "give" in every message about a JSON dictionary of the wrong shape.
_JSON_SHAPES = Text(
    'a list of objects ([{"column": "order_date", "description": "..."}]) or an object mapping each column to '
    'its description or to {"verbose_name": ..., "description": ...}'
)


def _table_from_json(text: str) -> _Table:
    if not text.strip():
        raise DictionaryError(
            DictionaryErrorCode.EMPTY, Text("The file is empty: give %(shapes)s", shapes=_JSON_SHAPES)
        )
    try:
        document = json.loads(text, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as error:
        raise DictionaryError(
            DictionaryErrorCode.MALFORMED,
            Text(
                "The file is not valid JSON (line %(line)d, column %(column)d: %(error)s): fix it there or export it "
                "again, and upload it again",
                line=error.lineno,
                column=error.colno,
                error=error.msg,
            ),
        ) from None
    except RecursionError:
        raise DictionaryError(
            DictionaryErrorCode.MALFORMED, Text("The JSON nests too deeply: give %(shapes)s", shapes=_JSON_SHAPES)
        ) from None
    if isinstance(document, list):
        return _json_list(document)
    if isinstance(document, _JsonObject):
        return _json_mapping(document)
    raise DictionaryError(
        DictionaryErrorCode.MALFORMED,
        Text("The JSON is %(type)s, not a dictionary: give %(shapes)s", type=_json_type(document), shapes=_JSON_SHAPES),
    )


def _json_list(items: list[Any]) -> _Table:
    if not items:
        raise DictionaryError(
            DictionaryErrorCode.EMPTY, Text("The JSON list is empty: give %(shapes)s", shapes=_JSON_SHAPES)
        )
    if len(items) > MAX_ENTRIES:
        raise _too_many_entries()
    keys: dict[str, None] = {}  # every item's keys, as header keys, in order of first appearance
    for number, item in enumerate(items, start=1):
        if not isinstance(item, _JsonObject):
            raise DictionaryError(
                DictionaryErrorCode.MALFORMED,
                Text(
                    "Item %(number)d of the JSON list is %(type)s, not an object: give %(shapes)s",
                    number=number,
                    type=_json_type(item),
                    shapes=_JSON_SHAPES,
                ),
            )
        keys.update(dict.fromkeys(map(_header_key, item)))
    headers = list(keys)
    roles, meaning = _roles(headers)
    role_keys = [headers[i] if i is not None else None for i in (roles.column, roles.verbose_name, roles.description)]
    entries: list[DictionaryEntry] = []
    skipped: list[int] = []
    for number, item in enumerate(items, start=1):
        # Each item is read for the three role keys only: items x all keys is quadratic in a file of distinct keys.
        texts = {_header_key(key): _json_text(value, number) for key, value in item.items()}
        column, verbose_name, description = (texts.get(key) if key is not None else None for key in role_keys)
        if column is not None:
            entries.append(DictionaryEntry(column, verbose_name, description))
        elif any(texts.values()):
            skipped.append(number)
    if not entries:
        raise DictionaryError(
            DictionaryErrorCode.EMPTY,
            Text("No item of the JSON list names a column: give %(shapes)s", shapes=_JSON_SHAPES),
        )
    return _Table(tuple(entries), meaning, tuple(skipped))


def _json_mapping(document: _JsonObject) -> _Table:
    if not document.pairs:
        raise DictionaryError(
            DictionaryErrorCode.EMPTY, Text("The JSON object is empty: give %(shapes)s", shapes=_JSON_SHAPES)
        )
    if len(document.pairs) > MAX_ENTRIES:
        raise _too_many_entries()
    entries: list[DictionaryEntry] = []
    recognised = False
    for column, spec in document.pairs:
        name = column.strip()
        if isinstance(spec, _JsonObject):
            keys = [_header_key(key) for key in spec]
            values = list(spec.values())
            verbose_at, description_at = _pick(keys, VERBOSE_NAME_HEADERS), _pick(keys, DESCRIPTION_HEADERS)
            recognised = recognised or verbose_at is not None or description_at is not None
            verbose_name = _json_text(values[verbose_at], name) if verbose_at is not None else None
            description = _json_text(values[description_at], name) if description_at is not None else None
        elif spec is None or isinstance(spec, str | int | float):
            recognised = True
            verbose_name, description = None, _json_text(spec, name)
        else:
            raise DictionaryError(
                DictionaryErrorCode.MALFORMED,
                Text(
                    "The JSON gives %(type)s for column '%(column)s': give %(shapes)s",
                    type=_json_type(spec),
                    column=name,
                    shapes=_JSON_SHAPES,
                ),
            )
        if name:
            entries.append(DictionaryEntry(name, verbose_name, description))
    if not recognised:
        raise DictionaryError(
            DictionaryErrorCode.NO_MEANING_COLUMNS,
            Text(
                "The JSON maps columns to objects without a 'verbose_name' (or label, title, display_name) or "
                "'description' (or desc, definition, meaning, comment) key: give %(shapes)s",
                shapes=_JSON_SHAPES,
            ),
        )
    if not entries:
        raise DictionaryError(
            DictionaryErrorCode.EMPTY, Text("The JSON object names no column: give %(shapes)s", shapes=_JSON_SHAPES)
        )
    return _Table(tuple(entries), ("verbose_name", "description"), ())


def _json_text(value: Any, where: int | str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return _text(value) or None
    message = (
        Text(
            "The JSON gives %(type)s as a value for item %(number)d; names and descriptions must be text: give "
            "%(shapes)s",
            type=_json_type(value),
            number=where,
            shapes=_JSON_SHAPES,
        )
        if isinstance(where, int)
        else Text(
            "The JSON gives %(type)s as a value for column '%(column)s'; names and descriptions must be text: give "
            "%(shapes)s",
            type=_json_type(value),
            column=where,
            shapes=_JSON_SHAPES,
        )
    )
    raise DictionaryError(DictionaryErrorCode.MALFORMED, message)


def _json_type(value: Any) -> Text:
    """What a JSON value is, as said in a message ("The JSON is a list, ...")."""
    if isinstance(value, _JsonObject):
        return Text("an object")
    if isinstance(value, list):
        return Text("a list")
    if value is None:
        return Text("null")
    if isinstance(value, bool):
        return Text("a boolean")
    if isinstance(value, str):
        return Text("a string")
    return Text("a number")


# --- shared ----------------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as stripped text: numbers without a spurious '.0', dates in ISO format, None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _merge(rows: Iterable[DictionaryEntry]) -> tuple[list[DictionaryEntry], list[str]]:
    """One entry per column, the last row winning (in the position of the column's first row)."""
    merged: dict[str, DictionaryEntry] = {}
    duplicates: dict[str, None] = {}  # an ordered set: a list's "in" is quadratic over many duplicates
    for entry in rows:
        if entry.column in merged:
            duplicates[entry.column] = None
        merged[entry.column] = entry
    return list(merged.values()), list(duplicates)
