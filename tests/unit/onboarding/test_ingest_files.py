"""Files at the door of Ingest: the format and encoding from the bytes, every bad input refused naming its line,
non-UTF-8 text transcoded line for line."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import polars as pl
import pytest

from superset_review.extension.errors import ErrorCode
from superset_review.onboarding.ingest import files
from superset_review.onboarding.ingest.exceptions import FileTooLargeError, FileUnreadableError

LIMIT = 10**9
RUSSIAN = "имя,город,сумма\nАнна,Москва,10\nБорис,Казань,20\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def opened(tmp_path: Path, name: str, data: bytes) -> files.SourceFile:
    return files.open_source(write(tmp_path, name, data), None, tmp_path / "run", LIMIT)


def refusal(tmp_path: Path, name: str, data: bytes, limit: int = LIMIT) -> FileUnreadableError | FileTooLargeError:
    with pytest.raises((FileUnreadableError, FileTooLargeError)) as caught:
        files.open_source(write(tmp_path, name, data), None, tmp_path / "run", limit)
    return caught.value


def parquet_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "made.parquet"
    pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}).write_parquet(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "fmt", "delimiter", "header"),
    [
        ("comma.csv", b"a,b,c\n1,2,3\n", "csv", ",", ("a", "b", "c")),
        ("semicolon.csv", b"a;b\n1;2\n", "csv", ";", ("a", "b")),
        ("pipe.csv", b"a|b\n1|2\n", "csv", "|", ("a", "b")),
        ("tabs.tsv", b"a\tb\n1\t2\n", "tsv", "\t", ("a", "b")),
        ("crlf.csv", b"a,b\r\n1,2\r\n", "csv", ",", ("a", "b")),
        ("quoted.csv", b'a,b\n"x, y",2\n"two\nlines",3\n', "csv", ",", ("a", "b")),
        ("one_column.csv", b"name\nAnn\nBo\n", "csv", ",", ("name",)),
        ("no_final_newline.csv", b"a,b\n1,2", "csv", ",", ("a", "b")),
        ("blank_lines.csv", b"a,b\n1,2\n\n3,4\n", "csv", ",", ("a", "b")),
    ],
)
def test_delimited_text_is_sniffed(
    tmp_path: Path, name: str, data: bytes, fmt: str, delimiter: str, header: tuple[str, ...]
) -> None:
    source = opened(tmp_path, name, data)
    assert (source.format, source.delimiter, source.header, source.encoding) == (fmt, delimiter, header, "utf-8")
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.path == tmp_path / name, "UTF-8 is read where it is: no copy"


def test_parquet_and_json_lines_are_found_by_their_bytes(tmp_path: Path) -> None:
    parquet = opened(tmp_path, "data.parquet", parquet_bytes(tmp_path))
    assert (parquet.format, parquet.encoding, parquet.delimiter) == ("parquet", None, None)
    jsonl = opened(tmp_path, "rows.jsonl", b'{"a": 1, "b": "x"}\n{"a": 2, "b": null}\n')
    assert (jsonl.format, jsonl.encoding) == ("jsonl", "utf-8")


@pytest.mark.parametrize(
    ("name", "data", "looks_like"),
    [
        ("orders.csv", b'{"a": 1}\n{"a": 2}\n', "jsonl"),
        ("orders.jsonl", b"a,b\n1,2\n", "csv"),
        ("orders.parquet", b"a\tb\n1\t2\n", "tsv"),
    ],
)
def test_a_file_that_is_not_what_its_extension_says_is_refused(
    tmp_path: Path, name: str, data: bytes, looks_like: str
) -> None:
    error = refusal(tmp_path, name, data)
    assert error.code == ErrorCode.FILE_UNREADABLE and error.status == 422
    assert error.details["looks_like"] == looks_like and name[name.index(".") :] in error.message


def test_parquet_named_csv_is_refused_as_parquet(tmp_path: Path) -> None:
    error = refusal(tmp_path, "orders.csv", parquet_bytes(tmp_path))
    assert "Parquet" in error.message and error.details["looks_like"] == "parquet"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
        (b"%PDF-1.7\n" + b"\x00\x01" * 50, "PDF"),
        (b"\x1f\x8b\x08" + b"\x00" * 50, "gzip"),
        (b"\x00\x01\x02\x03binary" * 20, "binary"),
    ],
)
def test_binary_files_are_named(tmp_path: Path, data: bytes, named: str) -> None:
    error = refusal(tmp_path, "upload.csv", data)
    assert named in error.message and error.code == ErrorCode.FILE_UNREADABLE


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("cp1251", "cp1251"), ("utf-16", "utf-16"), ("utf-8-sig", "utf-8-sig"), ("utf-32", "utf-32")],
)
def test_other_encodings_are_transcoded_to_utf8_in_the_run_dir(tmp_path: Path, encoding: str, expected: str) -> None:
    data = RUSSIAN.encode(encoding)
    source = opened(tmp_path, "russian.csv", data)
    assert source.encoding == expected
    assert source.path.parent == tmp_path / "run" and source.path.read_text(encoding="utf-8") == RUSSIAN
    assert source.header == ("имя", "город", "сумма") and source.data_lines == 2
    assert source.sha256 == hashlib.sha256(data).hexdigest(), "the content hash is of the bytes as uploaded"


def test_latin1_is_transcoded(tmp_path: Path) -> None:
    text = "name,note\n" + "".join(f"Le café {i},Élise a été à l'hôpital où il fait très chaud\n" for i in range(40))
    source = opened(tmp_path, "french.csv", text.encode("latin-1"))
    assert source.path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("data", "line"),
    [
        # UTF-8 lines, then a cp1251 one
        ("имя,город\nАнна,Москва\n".encode() + "Борис,Казань\n".encode("cp1251"), 3),
        # cp1251 lines, then a UTF-8 one
        ("имя,город\nАнна,Москва\n".encode("cp1251") + "Борис,Казань\n".encode(), 3),
        # far beyond the sniffed head: found by the streaming check
        (("a,b\n" + "x,y\n" * 30_000 + "é,ü\n").encode() + "Борис,Казань\n".encode("cp1251"), 30_003),
    ],
)
def test_mixed_encodings_name_the_first_line_that_does_not_decode(tmp_path: Path, data: bytes, line: int) -> None:
    error = refusal(tmp_path, "mixed.csv", data)
    assert error.details["line"] == line and f"line {line}" in error.message and "mixed encodings" in error.message
    assert not (tmp_path / "run" / "source.utf8.csv").exists(), "nothing half-written stays"


def test_a_refused_transcoded_file_leaves_no_copy(tmp_path: Path) -> None:
    error = refusal(tmp_path, "ragged.csv", "имя,город\nАнна\n".encode("cp1251"))
    assert error.details["line"] == 2 and not (tmp_path / "run" / "source.utf8.csv").exists()


def test_utf16_with_a_broken_character_names_its_line(tmp_path: Path) -> None:
    data = "a,b\n1,2\n3,4\n".encode("utf-16") + b"\x00\xd8" + "5,6\n".encode("utf-16-le")
    error = refusal(tmp_path, "wide.csv", data)
    assert error.details["line"] == 4


@pytest.mark.parametrize(
    ("data", "line", "found"),
    [
        (b"a,b,c\n1,2,3\n4,5\n", 3, 2),
        (b"a,b\n1,2\n3,4,5\n", 3, 3),
        (b'a,b\n"x,y",2\n"p",q,r\n', 3, 3),
        (b"a,b\n" + b"1,2\n" * 100_000 + b"1,2,3\n", 100_002, 3),
    ],
)
def test_ragged_rows_name_their_line(tmp_path: Path, data: bytes, line: int, found: int) -> None:
    error = refusal(tmp_path, "ragged.csv", data)
    assert (error.details["line"], error.details["found"]) == (line, found)
    assert f"line {line} has {found} fields" in error.message


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"id,name\n1,a\n2,b\nid,name\n3,c\n", 4),
        (b"id,name\n" + b"1,a\n" * 50_000 + b"id,name\n", 50_002),
        (b'id,name\n1,"a"\nid,name\n', 3),
    ],
)
def test_a_header_repeated_mid_file_names_its_line(tmp_path: Path, data: bytes, line: int) -> None:
    error = refusal(tmp_path, "joined.csv", data)
    assert error.details["line"] == line and "repeats the header" in error.message


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"", "empty"), (b"a,b,c\n", "no rows"), (b"a,b\n\n\n", "no rows"), (b"\n1,2\n", "line 1 is blank")],
)
def test_empty_and_header_only_files_say_so(tmp_path: Path, data: bytes, words: str) -> None:
    assert words in refusal(tmp_path, "empty.csv", data).message


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: 10 GB that take no disk and are never read
        handle.truncate(10 * 1024**3)
    with pytest.raises(FileTooLargeError) as caught:
        files.open_source(path, None, tmp_path / "run", 2 * 1024**3)
    assert caught.value.status == 413 and caught.value.details == {"bytes": 10 * 1024**3, "limit": 2 * 1024**3}


def test_a_truncated_parquet_file_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, "cut.parquet", parquet_bytes(tmp_path)[:-10])
    assert "truncated" in error.message


def test_the_upload_name_decides_the_extension_check(tmp_path: Path) -> None:
    stored = write(tmp_path, "0b7c1e", b"a,b\n1,2\n")  # an upload stored under its id
    assert files.open_source(stored, None, tmp_path / "run", LIMIT).format == "csv"
    with pytest.raises(FileUnreadableError):
        files.open_source(stored, "report.parquet", tmp_path / "run", LIMIT)


@pytest.mark.parametrize(
    ("header", "names"),
    [
        (("a", "b"), ["a", "b"]),
        (("a", "a", "a"), ["a", "a__2", "a__3"]),
        (("", "x", ""), ["column_1", "x", "column_3"]),
    ],
)
def test_raw_column_names_are_unique(header: tuple[str, ...], names: list[str]) -> None:
    assert files.raw_column_names(header) == names


def test_scan_reads_every_column_as_text_lazily(tmp_path: Path) -> None:
    source = opened(tmp_path, "t.csv", b"id,id,when\n1,2,2024-01-02\n3,,2024-02-03\n")
    frame = files.scan(source)
    assert isinstance(frame, pl.LazyFrame)
    collected = frame.collect()
    assert collected.columns == ["id", "id__2", "when"] and set(collected.dtypes) == {pl.String}
    assert collected.row(1) == ("3", None, "2024-02-03")


def test_sniffing_reads_a_bounded_head(tmp_path: Path) -> None:
    """A 20 MB line: the sniffers look at 64 KB of it; the structure check names it as ragged."""
    data = b"a," * (10 * 1024 * 1024)
    assert len(files._head_text(data[: files.HEAD_BYTES], "utf-8")) == files.HEAD_BYTES
    error = refusal(tmp_path, "wide.csv", b"h\n" + data + b"\n")
    assert error.details["line"] == 2 and error.details["found"] == 10 * 1024 * 1024 + 1


def test_bom_encodings_win_over_guessing() -> None:
    assert files.sniff_encoding(codecs.BOM_UTF16_LE + "a,b\n".encode("utf-16-le")) == "utf-16"
    assert files.sniff_encoding(codecs.BOM_UTF8 + b"a,b\n") == "utf-8-sig"
    assert files.sniff_encoding("имя,город\n".encode() + "é".encode()[:1]) == "utf-8", "a cut last character is fine"
