"""Files into a lazy Polars frame: the format and encoding sniffed from the bytes, the text checked line by line
without holding it, non-UTF-8 text transcoded into the run directory.

The order of the checks, each bounded:

1. the size, before a byte is read (``FILE_TOO_LARGE``); an empty file;
2. the format from the first bytes, not the name: Parquet's magic ``PAR1`` at both ends, a few binary formats by
   their magic (named when refused), then text: JSON lines when each of the first lines is a JSON object, else
   delimited text whose delimiter (``,``, tab, ``;``, ``|``) gives the same number of fields on the first lines.
   A file whose format is not its extension's is refused, naming what it looks like;
3. the encoding: a BOM (UTF-8, UTF-16, UTF-32), else strict UTF-8 on the head, else charset-normalizer's best guess
   on the head. Anything but plain UTF-8 is transcoded, line by line, into ``<run_dir>/source.utf8.<ext>``. A line
   that does not decode (a UTF-8 file with a cp1251 line), or a line of a single-byte file that is valid UTF-8 with
   non-ASCII characters (a cp1251 file with a UTF-8 line), is a file of mixed encodings: refused, naming the line;
4. delimited text, streaming, in chunks of whole lines: every record must have the header's number of fields
   (ragged rows are refused naming the line), the header may not come again (a concatenation of two exports), blank
   lines are skipped. Chunks without a quote character are counted with ``bytes.count``; from the first quote on,
   Python's ``csv`` reader takes over (quoted delimiters and line breaks);
5. the frame: ``scan_csv`` (every column as text: the standardization shim decides the types on the whole column),
   ``scan_parquet`` or ``scan_ndjson``; nothing is collected here.

The SHA-256 of the source's bytes is computed on the way (the catalog's content hash).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import IO, TYPE_CHECKING

from superset_review.extension.i18n import Text
from superset_review.extension.lazy import LazyModule
from superset_review.onboarding.ingest.exceptions import FileTooLargeError, FileUnreadableError

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

HEAD_BYTES = 64 * 1024  # what the sniffers read: enough lines for a dialect, bounded whatever the file
SNIFF_LINES = 50
CHUNK_BYTES = 16 * 1024 * 1024  # the streaming checks read whole lines in chunks of about this size
MAX_LINE_BYTES = 64 * 1024 * 1024  # one line longer than this is not a table's row
DELIMITERS = (",", "\t", ";", "|")
QUOTE = '"'
FORMATS_OF_EXTENSION: dict[str, frozenset[str]] = {
    ".csv": frozenset({"csv", "tsv"}),  # a .csv export with semicolons or tabs is still delimited text
    ".tsv": frozenset({"tsv", "csv"}),
    ".txt": frozenset({"csv", "tsv"}),
    ".tab": frozenset({"tsv", "csv"}),
    ".parquet": frozenset({"parquet"}),
    ".pq": frozenset({"parquet"}),
    ".jsonl": frozenset({"jsonl"}),
    ".ndjson": frozenset({"jsonl"}),
    ".json": frozenset({"jsonl"}),
}
# Formats recognised by their first bytes only to name them in the refusal.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel workbook?)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"ORC", "an ORC file"),
    (b"Obj\x01", "an Avro file"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LOOKS_LIKE = {"csv": "CSV text", "tsv": "TSV text", "parquet": "a Parquet file", "jsonl": "JSON lines"}


@dataclass(frozen=True)
class SourceFile:
    """A file ready for Polars: ``path`` is UTF-8 text (the original or its transcoded copy) or the Parquet file."""

    path: Path
    format: str  # csv | tsv | parquet | jsonl
    encoding: str | None  # as found in the original (None for Parquet)
    delimiter: str | None
    bytes: int  # of the original
    sha256: str  # of the original's bytes
    header: tuple[str, ...] = ()  # delimited text: the header's fields as written
    data_lines: int | None = None  # delimited text: records after the header (blank lines not counted)


# --- 1. size, 2. format -------------------------------------------------------------------------------------------


def check_size(path: Path, limit: int) -> int:
    try:
        size = path.stat().st_size
    except OSError as ex:
        raise FileUnreadableError(Text("the file cannot be read: %(reason)s", reason=ex.strerror or "unknown")) from ex
    if size > limit:
        raise FileTooLargeError(size, limit)
    if size == 0:
        raise FileUnreadableError(Text("the file is empty: it has no header and no rows"))
    return size


def _read_head(path: Path) -> tuple[bytes, bytes]:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        handle.seek(0, io.SEEK_END)
        handle.seek(max(handle.tell() - 4, 0))
        tail = handle.read(4)
    return head, tail


def _bom_encoding(head: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def sniff_encoding(head: bytes) -> str:
    """A BOM's encoding, else UTF-8 when the head decodes strictly (a character cut by the head's end is allowed),
    else charset-normalizer's best guess on the head (or, when the head mixes encodings so that nothing reads it
    whole, on its first line that is not UTF-8). A head whose non-ASCII lines are UTF-8 up to one that is not is a
    file of mixed encodings; a head no codec reads is not text."""
    found = _bom_encoding(head)
    if found is not None:
        return found
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError as ex:
        line_start = head.rfind(b"\n", 0, ex.start) + 1
        if not head[:line_start].isascii():
            raise _mixed(head.count(b"\n", 0, ex.start) + 1, "utf-8") from ex
        line_end = head.find(b"\n", ex.start)
        first_foreign = head[line_start : line_end if line_end >= 0 else len(head)]
    best = _guessed(head) or _guessed(first_foreign)
    if best is None:
        raise FileUnreadableError(Text("the file is not text in any encoding recognised, nor a Parquet file"))
    return best.replace("_", "-")


# charset-normalizer often finds several code pages that read a text equally well (French reads as well in cp1250
# as in cp1252): among those tied, the ones files are usually written in win.
_PREFERRED = ("cp1252", "cp1251", "latin_1", "iso8859_15", "koi8_r", "cp1250", "iso8859_2", "cp866")
_TIE = 0.02


def _guessed(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    least = min(match.chaos for match in matches)
    tied = [match for match in matches if match.chaos <= least + _TIE]
    coherent = max(match.coherence for match in tied)
    tied = [match for match in tied if match.coherence >= coherent - _TIE]
    rank = {name: index for index, name in enumerate(_PREFERRED)}
    chosen = min(tied, key=lambda match: rank.get(match.encoding, len(rank)))
    return str(chosen.encoding)


def _head_text(head: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    return text.lstrip("\ufeff")


def _fields_per_line(lines: list[str], delimiter: str) -> list[int]:
    """Fields of each line, quotes respected within the line (a sniffer's view: linear, no regular expression)."""
    counts = []
    for line in lines:
        inside, fields = False, 1
        for char in line:
            if char == QUOTE:
                inside = not inside
            elif char == delimiter and not inside:
                fields += 1
        counts.append(fields)
    return counts


def sniff_delimiter(text: str) -> str:
    """The delimiter giving the same number of fields (at least two) on each of the first lines, the most fields
    winning; a single column reads as comma-separated."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    if len(text.splitlines()) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the head's last line may be cut
    best, best_fields = ",", 1
    for delimiter in DELIMITERS:
        counts = _fields_per_line(lines, delimiter)
        if counts and min(counts) == max(counts) and counts[0] > best_fields:
            best, best_fields = delimiter, counts[0]
    if best_fields == 1 and lines:  # none is consistent: the header's, so that the ragged line gets named
        for delimiter in DELIMITERS:
            fields = _fields_per_line(lines[:1], delimiter)[0]
            if fields > best_fields:
                best, best_fields = delimiter, fields
    return best


def _looks_like_jsonl(text: str) -> bool:
    """JSON lines when the first non-blank line is a JSON object (a later line that is not one is named when the
    file is read)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def sniff_format(head: bytes, tail: bytes) -> tuple[str, str | None]:
    """The format (csv, tsv, parquet, jsonl) and, for text, the encoding; a binary format is refused by name."""
    if head.startswith(b"PAR1"):
        if tail != b"PAR1":
            raise FileUnreadableError(Text("the file starts like a Parquet file but is truncated (no footer)"))
        return "parquet", None
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            raise FileUnreadableError(Text("the file looks like %(kind)s, not CSV, TSV, Parquet or JSON lines",
                                           kind=name), looks_like=name)  # fmt: skip
    encoding = sniff_encoding(head)
    if "\x00" in head.decode("latin-1") and not encoding.startswith(("utf-16", "utf-32")):
        raise FileUnreadableError(Text("the file looks like binary data, not CSV, TSV, Parquet or JSON lines"),
                                  looks_like="binary data")  # fmt: skip
    text = _head_text(head, encoding)
    if _looks_like_jsonl(text):
        return "jsonl", encoding
    return ("tsv" if sniff_delimiter(text) == "\t" else "csv"), encoding


def check_extension(name: str | None, found: str) -> None:
    """A file named ``.csv`` that is Parquet (or any other mismatch) is refused: what it looks like is named."""
    if not name:
        return
    suffix = Path(name).suffix.lower()
    allowed = FORMATS_OF_EXTENSION.get(suffix)
    if allowed is None:
        return  # an upload stored without a known extension: the bytes decide
    if found not in allowed:
        raise FileUnreadableError(
            Text("the file is named %(suffix)s but looks like %(kind)s", suffix=suffix, kind=_LOOKS_LIKE[found]),
            looks_like=found,
        )


# --- 3. encoding --------------------------------------------------------------------------------------------------


def _lines(handle: IO[bytes]) -> Iterator[bytes]:
    """Lines with their ending, none longer than MAX_LINE_BYTES."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise FileUnreadableError(Text("a line is longer than %(limit)d bytes", limit=MAX_LINE_BYTES))
        yield line


def _mixed(line_number: int, encoding: str) -> FileUnreadableError:
    return FileUnreadableError(
        Text("mixed encodings: line %(line)d is not %(encoding)s like the lines before it", line=line_number,
             encoding=encoding),
        line=line_number,
    )  # fmt: skip


def _is_single_byte(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name not in ("utf-8", "utf-16", "utf-32", "utf-8-sig") and all(
            len(chr(code).encode(encoding, "ignore")) <= 1 for code in (0x410, 0xE9, 0x20AC)
        )
    except LookupError:
        return False


def transcode(source: Path, encoding: str, target: Path) -> None:
    """``source`` (in ``encoding``) as UTF-8 in ``target``, line by line; refuses a line that does not decode, and
    in a single-byte encoding a line that is UTF-8 (another encoding mixed in)."""
    single_byte = _is_single_byte(encoding)
    wide = codecs.lookup(encoding).name in ("utf-16", "utf-32")
    try:
        with source.open("rb") as raw, target.open("wb") as out:
            if wide:
                _transcode_wide(raw, encoding, out)
                return
            for number, line in enumerate(_lines(raw), start=1):
                try:
                    text = line.decode(encoding)
                except UnicodeDecodeError as ex:
                    raise _mixed(number, encoding) from ex
                if single_byte and not line.isascii():
                    try:
                        line.decode("utf-8")
                    except UnicodeDecodeError:
                        pass
                    else:
                        raise _mixed(number, encoding)
                if number == 1:
                    text = text.lstrip("\ufeff")
                out.write(text.encode("utf-8"))
    except BaseException:
        target.unlink(missing_ok=True)  # nothing half-written stays behind
        raise


def _transcode_wide(raw: IO[bytes], encoding: str, out: IO[bytes]) -> None:
    """UTF-16/32 cannot be split on the byte ``\\n``: decode in chunks, count the lines decoded so far."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_done, first = 0, True
    while True:
        chunk = raw.read(CHUNK_BYTES)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as ex:
            good = ex.object[: ex.start].decode(encoding, errors="replace") if isinstance(ex.object, bytes) else ""
            raise _mixed(lines_done + good.count("\n") + 1, encoding) from ex
        if first:
            text, first = text.lstrip("\ufeff"), False
        lines_done += text.count("\n")
        out.write(text.encode("utf-8"))
        if not chunk:
            return


# --- 4. structure of delimited text -------------------------------------------------------------------------------


def _chunks_of_lines(handle: IO[bytes]) -> Iterator[bytes]:
    """Chunks of about CHUNK_BYTES that end at a line's end (the last one may not)."""
    rest = b""
    while True:
        block = handle.read(CHUNK_BYTES)
        if not block:
            if rest:
                yield rest
            return
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            if len(block) > MAX_LINE_BYTES:
                raise FileUnreadableError(Text("a line is longer than %(limit)d bytes", limit=MAX_LINE_BYTES))
            rest = block
            continue
        rest = block[cut + 1 :]
        yield block[: cut + 1]


def _ragged(line: int, found: int, expected: int) -> FileUnreadableError:
    return FileUnreadableError(
        Text("line %(line)d has %(found)d fields where the header has %(expected)d", line=line, found=found,
             expected=expected),
        line=line, found=found, expected=expected,
    )  # fmt: skip


def _header_again(line: int) -> FileUnreadableError:
    return FileUnreadableError(
        Text("line %(line)d repeats the header: two files joined into one? Split them and upload each", line=line),
        line=line,
    )


def _validate_utf8(chunk: bytes, first_line: int) -> None:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as ex:
        raise _mixed(first_line + chunk.count(b"\n", 0, ex.start), "utf-8") from ex


def check_structure(path: Path, delimiter: str) -> tuple[tuple[str, ...], int]:
    """The header's fields and the number of records after it; refuses a ragged record, a header repeated mid-file,
    a line that is not UTF-8, a file with a header only."""
    sep = delimiter.encode()
    with path.open("rb") as handle:
        chunks = _chunks_of_lines(handle)
        first = next(chunks, b"")
        _validate_utf8(first, 1)
        end = first.find(b"\n")
        header_raw = first[: end if end >= 0 else len(first)]
        header_line = header_raw.decode("utf-8").lstrip("\ufeff").rstrip("\r")
        if not header_line.strip():
            raise FileUnreadableError(Text("line 1 is blank: the file must start with a header"), line=1)
        header = tuple(next(csv.reader([header_line], delimiter=delimiter, quotechar=QUOTE)))
        expected = len(header)
        records = 0
        line = 2
        body = first[end + 1 :] if end >= 0 else b""
        quoted = QUOTE.encode() in header_raw
        pending: list[bytes] = [body]
        for chunk in _fill(pending, chunks):
            _validate_utf8(chunk, line)
            if quoted or QUOTE.encode() in chunk:
                records += _check_quoted(chunk, chunks, line, delimiter, header, expected)
                break
            lines = chunk.split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            header_at = _find_header(chunk, header_raw)
            _check_counts(lines, sep, expected, line)
            if header_at is not None:
                raise _header_again(line + header_at)
            records += len(lines) - lines.count(b"") - lines.count(b"\r")
            line += len(lines)
    if records == 0:
        raise FileUnreadableError(
            Text("the file has a header (%(columns)d columns) and no rows", columns=expected), columns=expected
        )
    return header, records


def _check_counts(lines: list[bytes], sep: bytes, expected: int, first_line: int) -> None:
    """Every line has ``expected`` fields (blank lines aside): counted with C-level ``map``/``min``/``max``, the
    offending line looked for only when there is one."""
    counts = list(map(bytes.count, lines, repeat(sep, len(lines))))
    if not counts or min(counts) == max(counts) == expected - 1:
        return
    for index, count in enumerate(counts):
        if count != expected - 1 and lines[index].strip(b"\r"):
            raise _ragged(first_line + index, count + 1, expected)


def _fill(pending: list[bytes], chunks: Iterator[bytes]) -> Iterator[bytes]:
    for chunk in pending:
        if chunk:
            yield chunk
    yield from chunks


def _find_header(chunk: bytes, header_raw: bytes) -> int | None:
    """The index of the first line of ``chunk`` that is the header again (found by ``bytes.find``)."""
    if chunk.startswith(header_raw + b"\n") or chunk == header_raw:
        return 0
    at = chunk.find(b"\n" + header_raw + b"\n")
    if at < 0 and chunk.endswith(b"\n" + header_raw):
        at = len(chunk) - len(header_raw) - 1
    return None if at < 0 else chunk.count(b"\n", 0, at) + 1


def _check_quoted(
    chunk: bytes, rest: Iterator[bytes], line: int, delimiter: str, header: tuple[str, ...], expected: int
) -> int:
    """From the first quote on, Python's csv reader (quoted delimiters and line breaks); lines are physical."""

    def text_lines() -> Iterator[str]:
        yield from io.StringIO(chunk.decode("utf-8"), newline="")
        first_line = line + chunk.count(b"\n")
        for block in rest:
            _validate_utf8(block, first_line)
            first_line += block.count(b"\n")
            yield from io.StringIO(block.decode("utf-8"), newline="")

    reader = csv.reader(text_lines(), delimiter=delimiter, quotechar=QUOTE, strict=True)
    records = 0
    start = line - 1
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            at = start + reader.line_num
            if len(row) != expected:
                raise _ragged(at, len(row), expected)
            if tuple(row) == header:
                raise _header_again(at)
            records += 1
    except csv.Error as ex:
        at = start + reader.line_num
        raise FileUnreadableError(Text("line %(line)d cannot be read as CSV: %(reason)s", line=at,
                                       reason=str(ex)[:200]), line=at) from ex  # fmt: skip
    return records


# --- the whole step -----------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK_BYTES):
            digest.update(block)  # hashlib lets go of the GIL: this runs beside the checks
    return digest.hexdigest()


def open_source(path: Path, name: str | None, run_dir: Path, max_bytes: int) -> SourceFile:
    """Sniff, check and (when needed) transcode ``path``; ``name`` is the file's name as the user gave it (its
    extension is checked against the bytes). The content hash is computed in a thread beside the checks."""
    size = check_size(path, max_bytes)
    head, tail = _read_head(path)
    found, encoding = sniff_format(head, tail)
    check_extension(name or path.name, found)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-sha256") as pool:
        digest = pool.submit(_sha256, path)
        try:
            checked = _checked(path, found, encoding, head, run_dir)
        except BaseException:
            digest.cancel()
            raise
        readable, delimiter, header, records = checked
        return SourceFile(readable, found, encoding, delimiter, size, digest.result(), header, records)


def _checked(path: Path, found: str, encoding: str | None, head: bytes, run_dir: Path) -> tuple[
    Path, str | None, tuple[str, ...], int | None
]:  # fmt: skip
    """The readable file (the original, or its UTF-8 copy), and for delimited text its dialect and structure."""
    if found == "parquet" or encoding is None:
        return path, None, (), None
    readable = path
    if codecs.lookup(encoding).name != "utf-8" or encoding == "utf-8-sig":
        run_dir.mkdir(parents=True, exist_ok=True)
        readable = run_dir / f"source.utf8.{found}"
        transcode(path, encoding, readable)
    elif found == "jsonl":
        with path.open("rb") as handle:
            for first_line, chunk in _numbered(_chunks_of_lines(handle)):
                _validate_utf8(chunk, first_line)
    if found == "jsonl":
        return readable, None, (), None
    delimiter = sniff_delimiter(_head_text(head, encoding))
    try:
        header, records = check_structure(readable, delimiter)
    except BaseException:
        if readable != path:
            readable.unlink(missing_ok=True)  # a refused file leaves no transcoded copy behind
        raise
    return readable, delimiter, header, records


def _numbered(chunks: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    line = 1
    for chunk in chunks:
        yield line, chunk
        line += chunk.count(b"\n")


def raw_column_names(header: tuple[str, ...]) -> list[str]:
    """The frame's column names for a header as written: the header's own where unique and non-empty; a repeated
    one gets ``__2``, ``__3``...; an empty one ``column_<n>``. (The shim then standardizes them.)"""
    seen: dict[str, int] = {}
    names: list[str] = []
    for index, field in enumerate(header, start=1):
        base = field if field.strip() else f"column_{index}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}__{seen[base]}")
    return names


def scan(source: SourceFile) -> pl.LazyFrame:
    """The lazy frame of a checked source (nothing is read yet). Delimited text comes as text columns."""
    if source.format == "parquet":
        return pl.scan_parquet(source.path)
    if source.format == "jsonl":
        return pl.scan_ndjson(source.path, infer_schema_length=10_000)
    names = raw_column_names(source.header)
    return pl.scan_csv(
        source.path,
        has_header=False,
        skip_rows=1,
        schema={name: pl.String for name in names},
        separator=source.delimiter or ",",
        quote_char=QUOTE,
        encoding="utf8",
    )
