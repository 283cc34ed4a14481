"""`superset-review pii scan`, run as a user runs it: a subprocess of the repository's Python."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import polars as pl
import pytest

PYTHON = "/work/main/.venv/bin/python"
ROWS = {
    "order_number": ["1234567", "98765432", "5551234567"],
    "email": ["alice@example.com", "bob@example.org", "carol@example.net"],
    "phone": ["+44 20 7946 0958", "(555) 123-4567", "4155552671"],
    "status": ["shipped", "pending", "returned"],
}
EXPECTED = {"order_number": None, "email": "EMAIL", "phone": "PHONE", "status": None}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "superset_review.cli.main", "pii", "scan", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(params=["csv", "parquet"])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    frame = pl.DataFrame(ROWS)
    path = tmp_path / f"customers.{request.param}"
    if request.param == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    return path


def test_text_output(table: Path) -> None:
    result = run(str(table))
    assert result.returncode == 0, result.stderr
    headers = [line.split() for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert {words[0]: words[1] for words in headers} == {k: v or "none" for k, v in EXPECTED.items()}
    assert all(words[2] == "confidence" and 0 <= float(words[3]) <= 1 for words in headers)
    assert "values:email" in result.stdout
    assert "3/3" in result.stdout
    assert "numeric_identifier" in result.stdout


def test_json_output(table: Path) -> None:
    result = run(str(table), "--format", "json", "--max-values", "2")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert isinstance(findings, list)
    assert {f["column"]: f["pii_type"] for f in findings} == EXPECTED
    email = next(f for f in findings if f["column"] == "email")
    assert {"rule": "values:email", "matched": 2, "sampled": 2}.items() <= next(
        e for e in email["evidence"] if e["rule"] == "values:email"
    ).items()
    assert set(email) == {"column", "pii_type", "confidence", "evidence", "empty", "name_hint"}
    assert email["empty"] is False


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("report.xlsx", b"PK\x03\x04 not a table", "neither CSV nor Parquet"),
        ("broken.parquet", b"PAR1 truncated", "as Parquet"),
    ],
)
def test_bad_file_one_line_exit_2(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run(str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("superset-review: ")
    assert message in lines[0]
    assert str(path) in lines[0]
