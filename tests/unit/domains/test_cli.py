"""`superset-review domains catalog|classify`, run as a user runs it: a subprocess of this checkout's Python."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from superset_review.domains.catalog import builtin_catalog

ROWS = {
    "Customer Name": ["John Smith", "Mary Johnson", "Ivan Petrov", "Anna Müller", "Carlos Garcia"],
    "E-Mail": ["a@example.com", "b@example.org", "c@example.net", "d@example.ru", "e@example.de"],
    "msisdn": ["8801712345678.0", "8801812345679.0", "8801912345670.0", "8801512345671.0", "8801612345672.0"],
    "order_status": ["shipped", "pending", "returned", "shipped", "cancelled"],
    "fax": [None, None, None, None, None],
}
EXPECTED = {
    "Customer Name": ("person.full_name", "PERSON"),
    "E-Mail": ("contact.email", "EMAIL"),
    "msisdn": ("contact.phone", "PHONE"),
    "order_status": ("category.status", None),
    "fax": (None, None),
}
LOYALTY = """\
extends: builtin
name: acme
version: "3"
domains:
  - name: identifier.loyalty_card
    parent: identifier
    description: An Acme loyalty card.
    aliases: {en: [loyalty card], ru: [карта лояльности]}
    regexes: ['LC-[0-9]{8}']
    pattern_required: true
    examples: [LC-00000001, LC-12345678]
    pii: PERSON
    masking: {kind: mask, keep_last: 4}
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "superset_review.cli.main", "domains", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(params=["csv", "parquet"])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    frame = pl.DataFrame(ROWS, schema_overrides={"fax": pl.String})
    path = tmp_path / f"customers.{request.param}"
    if request.param == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    return path


def test_classify_json_is_a_list_of_columns_with_domain_confidence_band_pii_evidence(table: Path) -> None:
    result = run("classify", str(table), "--format", "json")
    assert result.returncode == 0, result.stderr
    verdicts = json.loads(result.stdout)
    assert {v["column"]: (v["domain"], v["pii"]) for v in verdicts} == EXPECTED
    assert all(set(v) == {"column", "domain", "confidence", "band", "pii", "evidence"} for v in verdicts)
    email = next(v for v in verdicts if v["column"] == "E-Mail")
    assert email["band"] == "high" and 0.7 <= email["confidence"] <= 1
    assert email["evidence"]["header_tokens"] == ["e", "mail"]
    assert email["evidence"]["regexes"][0]["matched"] == 5
    fax = next(v for v in verdicts if v["column"] == "fax")
    assert fax["band"] == "empty" and fax["evidence"]["name_hint"]["domain"] == "contact.fax"


def test_classify_text(table: Path) -> None:
    result = run("classify", str(table))
    assert result.returncode == 0, result.stderr
    heads = {line.split("  ")[0]: line.split() for line in result.stdout.splitlines() if not line.startswith(" ")}
    assert heads["E-Mail"][1:3] == ["contact.email", "high"]
    assert heads["fax"][1:3] == ["unknown", "empty"]
    assert "regex 5/5" in result.stdout
    assert "no verdict from the name alone" in result.stdout


def test_catalog_json_and_text() -> None:
    result = run("catalog", "--format", "json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    live = builtin_catalog()
    assert (printed["name"], printed["version"], printed["hash"]) == (live.name, live.version, live.content_hash)
    assert len([d for d in printed["domains"] if not d["abstract"]]) >= 80
    text = run("catalog")
    assert text.returncode == 0 and live.content_hash in text.stdout.splitlines()[0]
    assert "contact.email" in text.stdout


def test_an_organisations_catalog_extends_the_builtin_one(tmp_path: Path) -> None:
    catalog = tmp_path / "acme.yaml"
    catalog.write_text(LOYALTY)
    table = tmp_path / "cards.csv"
    pl.DataFrame(
        {"card": ["LC-00000001", "LC-12345678", "LC-55555555"], "email": ["a@x.io", "b@y.io", "c@z.io"]}
    ).write_csv(table)
    result = run("classify", str(table), "--format", "json", "--catalog", str(catalog))
    assert result.returncode == 0, result.stderr
    assert [(v["domain"], v["pii"]) for v in json.loads(result.stdout)] == [
        ("identifier.loyalty_card", "PERSON"),
        ("contact.email", "EMAIL"),
    ]
    printed = json.loads(run("catalog", "--format", "json", "--catalog", str(catalog)).stdout)
    assert printed["name"] == "acme" and printed["hash"] != builtin_catalog().content_hash


def test_a_replacing_catalog_knows_only_its_own_domains(tmp_path: Path) -> None:
    catalog = tmp_path / "acme.json"
    document = {"name": "acme", "version": "1", "domains": [
        {"name": "loyalty", "abstract": True, "description": "x", "aliases": {"en": ["loyalty"], "ru": ["лояльность"]}},
        {"name": "loyalty.card", "parent": "loyalty", "description": "x", "aliases": {"en": ["card"], "ru": ["карта"]},
         "regexes": ["LC-[0-9]{8}"]},
    ]}  # fmt: skip
    catalog.write_text(json.dumps(document))
    table = tmp_path / "t.csv"
    pl.DataFrame({"email": ["a@x.io", "b@y.io", "c@z.io"]}).write_csv(table)
    result = run("classify", str(table), "--format", "json", "--catalog", str(catalog))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["domain"] is None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("report.xlsx", b"PK\x03\x04 not a table", "neither CSV nor Parquet"),
        ("broken.parquet", b"PAR1 truncated", "as Parquet"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run("classify", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_a_bad_catalog_is_one_line_naming_line_and_field_and_exit_2(tmp_path: Path) -> None:
    catalog = tmp_path / "acme.yaml"
    catalog.write_text(LOYALTY.replace("'LC-[0-9]{8}'", "'LC-([0-9]{8}'"))
    table = tmp_path / "t.csv"
    pl.DataFrame({"a": ["1"]}).write_csv(table)
    result = run("classify", str(table), "--catalog", str(catalog))
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "line 9: domains[0].regexes[0]: broken regular expression" in line
