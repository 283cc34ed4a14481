"""The portable regex flavour: what each accepted construct is written as for the three engines (ASCII classes for
\\d \\w \\s, [^\\n] for ., branches that can match nothing moved last), and which groups regex_extract may read."""

from __future__ import annotations

import re

import pytest

from superset_review.transform_dsl.regex import RegexRefused, portable_regex

# (pattern, portable spelling)
SPELLINGS: list[tuple[str, str]] = [
    (r"\d+", "[0-9]+"),
    (r"\w", "[0-9A-Z_a-z]"),
    (r"\s", "[\\t-\\r ]"),
    (r"\D", "[^0-9]"),
    (".", "[^\\n]"),
    ("[^a]", "[^a]"),
    (r"[\d.,-]", "[,-.0-9]"),
    ("[]a]", "[\\]a]"),
    ("a{2,3}b{4}c{5,}", "a{2,3}b{4}c{5,}"),
    ("(?:ab)+c", "(?:ab)+c"),
    ("ab|ac", "a[bc]"),
    ("a|ab", "a(?:b|)"),
    (r"\.\$\(", "\\.\\$\\("),
    ("a{", "a\\{"),
    ("^x$", "^x$"),
    ("\t", "\\t"),
    ("[&~]", "[\\&\\~]"),
    ("<a>", "<a>"),
]


@pytest.mark.parametrize(("pattern", "portable"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_accepted_pattern_has_its_portable_spelling(pattern: str, portable: str) -> None:
    assert portable_regex(pattern).text == portable


@pytest.mark.parametrize(("pattern", "portable"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_portable_spelling_matches_what_python_matches_on_ascii(pattern: str, portable: str) -> None:
    texts = ["", "a", "ab", "abc", "ac", "aab", "x", "a{", ".$(", "12,3", "a b", "\t", "]a", "<a>", "&~", "\n"]
    # Python reads the spelling too (RE2 and Rust read the same syntax): same match on ASCII text, where the
    # rewritten classes agree, except '.' and the moved empty branch, which are the point of the rewriting.
    if pattern in (".", "a|ab"):
        return
    for text in texts:
        original, rewritten = re.search(pattern, text, re.ASCII), re.search(portable, text)
        assert (original and original.group()) == (rewritten and rewritten.group()), text


def test_groups_and_unsteady_groups_are_counted() -> None:
    checked = portable_regex(r"(\d{3})-(x)?(?:(y)|z)(w)")
    assert checked.groups == 4
    assert checked.unsteady_groups == frozenset({2, 3})


@pytest.mark.parametrize(
    ("pattern", "nullable"), [("a*", True), ("a+", False), ("(?:a|)", True), ("^$", True), ("a?b", False)]
)
def test_nullable_patterns_are_known(pattern: str, nullable: bool) -> None:
    assert portable_regex(pattern).nullable is nullable


@pytest.mark.parametrize(
    ("pattern", "literal"), [(",", ","), (r"\.", "."), ("ab c", "ab c"), ("a+", None), ("[,]", ",")]
)
def test_plain_text_patterns_are_recognised(pattern: str, literal: str | None) -> None:
    assert portable_regex(pattern).literal == literal


def test_a_long_adversarial_pattern_is_checked_quickly() -> None:
    import time

    started = time.perf_counter()
    with pytest.raises(RegexRefused):
        portable_regex("(?:a|b)*" * 60 + "[ab]")
    assert time.perf_counter() - started < 2.0
