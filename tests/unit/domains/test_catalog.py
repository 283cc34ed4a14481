"""The domain catalog: the built-in one's content, and every refusal of a bad catalog file (table-driven)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from superset_review.domains import catalog as catalog_module
from superset_review.domains.catalog import (
    MAX_DOMAINS,
    MAX_FILE_BYTES,
    MAX_STRING,
    CatalogError,
    builtin_catalog,
    load_catalog,
    parse_catalog,
)
from superset_review.extension.linear_regex import REGISTRY, unicode_classes
from superset_review.pii.masking import parse_operator
from superset_review.pii.types import PiiType

GOOD = """\
name: acme
version: "2.0"
domains:
  - name: loyalty
    abstract: true
    description: Loyalty programme.
    aliases: {en: [loyalty], ru: [лояльность]}
  - name: loyalty.card_number
    parent: loyalty
    description: A loyalty card number.
    aliases: {en: [loyalty card, club card], ru: [карта лояльности]}
    regexes: ['LC-[0-9]{8}']
    units: []
    examples: [LC-00000001, LC-12345678]
    pii: PERSON
    masking: {kind: mask, keep_last: 4}
"""


def test_the_builtin_catalog_has_80_domains_of_every_family() -> None:
    catalog = builtin_catalog()
    assert len(catalog.assignable) >= 80
    families = {domain.family for domain in catalog.assignable}
    assert families >= {
        "person", "contact", "address", "money", "measure", "datetime", "identifier", "web", "organization",
        "product", "category", "boolean", "text",
    }  # fmt: skip
    full_name = catalog.by_name["person.full_name"]
    assert full_name.components == ("person.first_name", "person.last_name")


@pytest.mark.parametrize("domain", builtin_catalog().assignable, ids=lambda d: d.name)
def test_each_builtin_domain_is_complete(domain: catalog_module.Domain) -> None:
    aliases = dict(domain.aliases)
    assert aliases.get("en") and aliases.get("ru"), "English and Russian aliases"
    assert 10 <= len(domain.examples) <= 20
    assert domain.description and domain.parent == domain.name.rsplit(".", 1)[0]
    if domain.pii is not None:
        assert domain.masking, "a PII domain names its default masking operator"
        parse_operator(dict(domain.masking))
    for pattern in domain.regexes:
        assert unicode_classes(pattern.anchored) in REGISTRY, "compiled by RE2 through the linear-time registry"


def test_the_content_hash_is_sha256_of_the_content_and_follows_it() -> None:
    first, again = parse_catalog(GOOD), parse_catalog(GOOD)
    assert first.content_hash == again.content_hash and len(first.content_hash) == 64
    changed = parse_catalog(GOOD.replace("A loyalty card number.", "A club card number."))
    assert changed.content_hash != first.content_hash
    # Formatting is not content: the same catalog as JSON has the same hash.
    as_json = json.dumps(first.to_json(with_hash=False), ensure_ascii=False)
    assert parse_catalog(as_json, as_json=True).content_hash == first.content_hash
    assert first.to_json()["hash"] == first.content_hash


def test_a_catalog_without_extends_replaces_the_builtin_one_and_extends_adds_to_it() -> None:
    replaced = parse_catalog(GOOD)
    assert {d.name for d in replaced.domains} == {"loyalty", "loyalty.card_number"}
    extended = parse_catalog("extends: builtin\n" + GOOD)
    assert "loyalty.card_number" in extended.by_name and "contact.email" in extended.by_name
    assert len(extended.domains) == len(builtin_catalog().domains) + 2


def test_an_extending_catalog_replaces_a_builtin_domain_of_the_same_name() -> None:
    text = """\
extends: builtin
name: acme
version: "1"
domains:
  - name: contact.email
    parent: contact
    description: Work e-mail only.
    aliases: {en: [work email], ru: [рабочая почта]}
"""
    extended = parse_catalog(text)
    assert extended.by_name["contact.email"].description == "Work e-mail only."
    assert builtin_catalog().by_name["contact.email"].description == "An e-mail address."


def _domain(**fields: str) -> str:
    lines = ["name: acme", 'version: "1"', "domains:", "  - name: loyalty", "    abstract: true",
             "    description: x", "    aliases: {en: [loyalty], ru: [лояльность]}"]  # fmt: skip
    entry = {"name": "loyalty.card", "parent": "loyalty", "description": "x", "aliases": "{en: [card], ru: [карта]}"}
    entry.update(fields)
    lines.append(f"  - name: {entry.pop('name')}")
    lines += [f"    {key}: {value}" for key, value in entry.items()]
    return "\n".join(lines) + "\n"


REFUSALS = [
    # (case, file text, line, field, words of the message)
    ("broken regex", _domain(regexes="['LC-([0-9]{8}']"), 12, "domains[1].regexes[0]", "broken regular expression"),
    ("backreference (no linear form)", _domain(regexes=r"['(a)\1']"), 12, "domains[1].regexes[0]", "broken"),
    ("\\b (ASCII in RE2)", _domain(regexes=r"['\bcard']"), 12, "domains[1].regexes[0]", "RE2 reads it as ASCII"),
    ("unknown unit", _domain(units="[kg, kgs]"), 12, "domains[1].units[1]", "unknown unit 'kgs'"),
    ("unknown parent", _domain(parent="royalty"), 8, "parent", "unknown parent domain royalty"),
    ("unknown component", _domain(components="[loyalty.nothing]"), 8, "components", "unknown component"),
    ("unknown field", _domain(regex="['x']"), 12, "domains[1].regex", "is not a domain field"),
    ("bad name", _domain(name="Loyalty Card"), 8, "domains[1].name", "is not a domain name"),
    ("unknown PII class", _domain(pii="PASSPORT"), 12, "domains[1].pii", "must be one of EMAIL"),
    ("bad masking operator", _domain(masking="{kind: scramble}"), 12, "domains[1].masking", "operator kind"),
    ("salt in the file", _domain(masking="{kind: hash, salt: s3cret}"), 12, "domains[1].masking.salt", "salt"),
    ("yes/no read as a boolean", _domain(negatives="[no]"), 12, "domains[1].negatives[0]", "must be text"),
    ("bad range", _domain(range="[10, 1]"), 12, "domains[1].range", "minimum <= maximum"),
    ("bad weight", _domain(regexes="[{pattern: 'x', weight: 2}]"), 12, "domains[1].regexes[0].weight", "(0, 1]"),
    ("bad kind", _domain(kind="blob"), 12, "domains[1].kind", "must be one of"),
    ("long string", _domain(description="x" * (MAX_STRING + 1)), 10, "domains[1].description", "over the limit"),
    ("no aliases", _domain(aliases="{}"), 11, "domains[1].aliases", "must map languages"),
    ("extends other", "extends: corporate\n" + _domain(), 1, "extends", "can only be 'builtin'"),
    ("not YAML", "name: [unclosed\n", 2, "file", "is not valid YAML"),
    ("YAML alias", _domain(description="&d x", examples="[*d]"), 12, "file", "YAML alias"),
    ("no domains", "name: a\nversion: '1'\ndomains: []\n", 3, "domains", "non-empty list"),
    ("top-level list", "- a\n- b\n", 1, "file", "must be a mapping"),
]


@pytest.mark.parametrize(("text", "line", "field", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_bad_catalog_is_refused_whole_with_the_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(CatalogError) as refused:
        parse_catalog(text)
    problem = refused.value.problems[0]
    assert (problem.line, problem.field) == (line, field), refused.value.problems
    assert words in problem.message
    assert f"line {line}" in str(refused.value)


def test_a_duplicate_domain_names_both_lines() -> None:
    text = _domain() + "  - name: loyalty.card\n    parent: loyalty\n    description: y\n"
    text += "    aliases: {en: [card], ru: [карта]}\n"
    with pytest.raises(CatalogError) as refused:
        parse_catalog(text)
    (problem,) = refused.value.problems
    assert problem.line == 12 and problem.field == "domains[2].name"
    assert "duplicate domain loyalty.card (first at line 8)" in problem.message


def test_a_cycle_of_parents_is_refused() -> None:
    text = _domain(parent="loyalty.tier") + "  - name: loyalty.tier\n    parent: loyalty.card\n    description: y\n"
    text += "    aliases: {en: [tier], ru: [уровень]}\n"
    with pytest.raises(CatalogError) as refused:
        parse_catalog(text)
    messages = [str(p) for p in refused.value.problems]
    assert any(
        "line 8: parent: a cycle of parents: loyalty.card -> loyalty.tier -> loyalty.card" in m for m in messages
    )


def test_every_problem_is_reported_in_one_pass() -> None:
    text = _domain(units="[parsec]", regexes="['(']", pii="SECRET")
    with pytest.raises(CatalogError) as refused:
        parse_catalog(text)
    assert {p.field for p in refused.value.problems} == {
        "domains[1].units[0]", "domains[1].regexes[0]", "domains[1].pii"
    }  # fmt: skip


def test_json_files_are_read_with_their_lines(tmp_path: Path) -> None:
    document = json.loads(json.dumps(parse_catalog(GOOD).to_json(with_hash=False)))
    document["domains"][1]["units"] = ["furlong"]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    (problem,) = refused.value.problems
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "furlong" in text)
    assert (problem.line, problem.field) == (line, "domains[1].units[0]")


def test_bounds_on_the_file_entries_and_nesting(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(CatalogError, match="over the limit"):
        load_catalog(big)
    many = "name: a\nversion: '1'\ndomains:\n" + "  - x\n" * (MAX_DOMAINS + 1)
    with pytest.raises(CatalogError, match="entries, over the limit"):
        parse_catalog(many)
    deep = "name: a\nversion: '1'\ndomains:\n  - aliases: " + "[" * 20 + "]" * 20 + "\n"
    with pytest.raises(CatalogError, match="nested deeper"):
        parse_catalog(deep)
    binary = tmp_path / "latin1.yaml"
    binary.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        load_catalog(binary)


def test_a_refused_file_leaves_the_live_catalog_untouched() -> None:
    live = builtin_catalog()
    before = live.content_hash
    with pytest.raises(CatalogError):
        parse_catalog("extends: builtin\n" + _domain(units="[parsec]"))
    assert builtin_catalog() is live and live.content_hash == before
    assert live.by_name["contact.email"].pii is PiiType.EMAIL
