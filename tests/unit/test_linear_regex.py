"""Every regular expression that reads outside text runs in linear time, and RE2 answers as Python's ``re`` did.

The registry (superset_review.extension.linear_regex.REGISTRY) is filled by importing every module of the package
and compiling every PII rule, so a pattern added later is fed the same adversarial text without a new test.
"""

from __future__ import annotations

import ast
import importlib
import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import superset_review
from superset_review.adapters.compile import _unrendered as compile_sql_leftovers
from superset_review.domains.catalog import builtin_catalog
from superset_review.extension import linear_regex
from superset_review.extension.linear_regex import REGISTRY, compile_linear, unicode_classes
from superset_review.pii.detectors import detect_series, find_spans, resolve_overlaps
from superset_review.pii.dictionaries import FIRST_NAMES, STREET_SUFFIXES, SURNAMES
from superset_review.pii.masking import TokenVault
from superset_review.pii.names import tokens
from superset_review.pii.patterns import RULES, Rule
from superset_review.pii.scanner import scan_frame
from superset_review.pii.types import PiiType, Span
from superset_review.semantics.resolver import normalize_name

PACKAGE = Path(superset_review.__file__).parent
MEGABYTE = 1 << 20
# A linear pattern reads 1 MB in well under a second on an idle 2-core machine (up to 2.5 s with three other test
# sessions running beside it); a backtracking one takes minutes (the international phone rule took 0.6 s for 4 KB of
# "+1" and 40 digits under Python's re, the leftover-"{{" check 6 minutes per MB). The bound sits between the two,
# far enough from both that a busy machine does not fail a linear pattern.
TIME_LIMIT_SECONDS = 10.0


def _is_compile(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "compile_linear"


def _compile_sites() -> dict[str, ast.Module]:
    """The modules that call ``compile_linear``, with their syntax trees."""
    sites: dict[str, ast.Module] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        if module != "superset_review.extension.linear_regex" and any(map(_is_compile, ast.walk(tree))):
            sites[module] = tree
    return sites


def _all_patterns() -> dict[str, linear_regex.LinearRegex]:
    """Every pattern: the modules that compile one are imported (they compile at import), the PII rules' compiled
    on demand are forced."""
    for module in _compile_sites():
        importlib.import_module(module)
    builtin_catalog()  # the built-in domain catalog's patterns
    for rule in RULES:
        _ = rule.linear
        if rule.context is not None:
            _ = rule.context.regex
    return dict(REGISTRY)


def test_patterns_compile_at_import_so_the_registry_sees_them() -> None:
    """A pattern compiled inside a function is only registered once the function ran: only the PII rules' and
    context words' properties, forced by ``_all_patterns``, may do that."""
    lazy = {
        f"{module}.{function.name}"
        for module, tree in _compile_sites().items()
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(map(_is_compile, ast.walk(function)))
    }
    # The domain catalog's patterns come from a file: compiled (and registered) when a catalog is read.
    assert lazy == {
        "superset_review.pii.patterns.linear",
        "superset_review.pii.patterns.regex",
        "superset_review.domains.catalog.regex_problem",
    }


def _adversarial_texts() -> dict[str, str]:
    """1 MB each of the shapes that make backtracking engines (and naive loops) blow up."""

    def fill(unit: str) -> str:
        return (unit * (MEGABYTE // len(unit) + 1))[:MEGABYTE]

    return {
        "digits": fill("7"),
        "plus_digits": fill("+1" + "2" * 40 + " "),
        "separated_digits": fill("12 "),
        "dashed_pairs": fill("12-"),
        "dots": fill("1."),
        "ipv6ish": fill("a:"),
        "open_braces": fill("{"),
        "open_jinja": fill("{{ x "),
        "brackets": fill("(["),
        "names": fill("Mary Smith Main "),
        "letters_at": fill("a") + "@",
        "unicode_letters": fill("ëß日"),
        "separators": fill(" .-/"),
        "quotes": fill("'\"`"),
        "url": "http://" + fill("a"),
        "comparison": fill("a = "),
    }


ADVERSARIAL = _adversarial_texts()


def test_every_pattern_is_linear_on_1_mb_of_adversarial_text() -> None:
    patterns = _all_patterns()
    # The rules and context words of the PII scanner, the preview's and the links' patterns are all there.
    assert len(patterns) >= len(RULES) + 10
    slow: list[tuple[str, str, float]] = []
    for source, pattern in patterns.items():
        for name, text in ADVERSARIAL.items():
            started = time.perf_counter()
            pattern.search(text)
            # Matches one after the other: a backtracking engine retries each start; RE2 reads on. Python's cost
            # per match object dominates after a few thousand of them, so the walk stops there.
            for _ in zip(range(5000), pattern.finditer(text), strict=False):
                pass
            elapsed = time.perf_counter() - started
            if elapsed > TIME_LIMIT_SECONDS:
                slow.append((source[:80], name, round(elapsed, 2)))
    assert not slow


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_find_spans_is_linear_on_1_mb_of_adversarial_text(name: str) -> None:
    started = time.perf_counter()
    find_spans(ADVERSARIAL[name])
    assert time.perf_counter() - started < 4 * TIME_LIMIT_SECONDS


def test_no_module_runs_python_re_on_outside_text() -> None:
    """``re`` is allowed for escaping and for the few places listed here, whose input the extension controls."""
    allowed = {
        "superset_review/embedded/examples.py",  # file names of Superset's bundled examples
        "superset_review/pii/patterns.py",  # re.escape of the dictionaries' words
        # re.error of Python's regex parser, which reads a DSL pattern to check it and never matches it
        "superset_review/transform_dsl/regex.py",
    }
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "re"
                and node.attr != "escape"
                and relative not in allowed
            ):
                offenders.append(f"{relative}:{node.lineno} re.{node.attr}")
    assert not offenders


def _assigned(code_point: int) -> bool:
    return unicodedata.category(chr(code_point)) not in ("Cn", "Cs")


ALL_CHARACTERS = "".join(chr(c) for c in range(sys.maxunicode + 1) if _assigned(c))


@pytest.mark.parametrize("python_class", [r"\w", r"\s", r"\d", r"[^\W\d_]", r"[^\w+(./-]", r"[^\s<>]"])
def test_unicode_classes_match_the_same_characters_as_python(python_class: str) -> None:
    """RE2's tables are a newer Unicode than this Python's: only characters Python knows are compared."""
    expected = set(re.findall(python_class, ALL_CHARACTERS))
    found = set(compile_linear(python_class).findall(ALL_CHARACTERS))
    assert expected == found


@pytest.mark.parametrize("ascii_only", [r"\bword", r"\W", r"\S", r"\D", r"a\B"])
def test_ascii_only_escapes_are_refused(ascii_only: str) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        unicode_classes(ascii_only)


def test_dollar_also_matches_before_a_final_newline_as_in_python() -> None:
    assert compile_linear("IL[ ]$").search("IL \n") is not None
    assert compile_linear("IL[ ]$").search("IL \n\n") is None


# --- RE2 finds what Python's re found -------------------------------------------------------------------------


def _python_rule(rule: Rule) -> re.Pattern[str]:
    """The rule as it ran under Python's re before RE2: a look-behind and ``\\b``."""
    behind = f"(?<![{rule.left}])" if rule.left else ""
    end = (r"\b" if rule.word_end else "") + (r"\.?" if rule.dot_after else "")
    return re.compile(f"{behind}(?:{rule.core}){end}")


def _python_find_spans(text: str) -> list[Span]:
    spans = []
    for rule in RULES:
        pattern = _python_rule(rule)
        for match in pattern.finditer(text):
            start, end = match.span("pii") if "pii" in pattern.groupindex else match.span()
            if rule.validate is not None:
                length = rule.validate(text[start:end])
                if length is None:
                    continue
                end = start + length
            span = Span(rule.pii_type, start, end, text[start:end], rule.name)
            if rule.context is not None:
                context = re.compile(rule.context.words)
                before = text[max(0, start - rule.context.before) : start]
                after = text[end : end + rule.context.after] if rule.context.after else ""
                if not (context.search(before) or (after and context.search(after))):
                    continue
            spans.append(span)
    return resolve_overlaps(spans)


FRAGMENTS = [
    *"0123456789",
    *" .-/+()@:,'\n\t_#",
    "ë", "ß", "Ω", "日", "\u00a0", "\u2019", "²",
    "+1 ", "+44 ", "00", "(0)", "x12", " ext. 7", "555", "4111 1111 1111 1111", "123-45-6789",
    "DE89 3704 0044 0532 0130 00", "192.168.0.1", "fe80::1", "http://", "www.", "a.b@example.com",
    "phone ", "call ", "SSN ", "born ", "zip ", "IL ", "Springfield, ", "Mr. ", "Name: ", "Dr ",
    "Main", " St", " Street", "Avenue", "Rue ", "strasse", "The ", "Bank", "1999", "12/05/1987", "March ", "3rd",
]  # fmt: skip
WORDS = [name.title() for name in sorted(FIRST_NAMES)[:40] + sorted(SURNAMES)[:40]] + sorted(STREET_SUFFIXES)[:20]


def _random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 25)):
        parts.append(rng.choice(FRAGMENTS) if rng.random() < 0.75 else rng.choice(WORDS))
        if rng.random() < 0.4:
            parts.append(" ")
    return "".join(parts)


def test_re2_finds_the_spans_python_re_found_on_random_text() -> None:
    rng = random.Random(11)  # noqa: S311 - reproducible test data, not secrets
    texts = [_random_text(rng) for _ in range(6000)]
    differences = [(text, find_spans(text)) for text in texts if find_spans(text) != _python_find_spans(text)]
    assert not differences[:5]
    assert sum(bool(find_spans(text)) for text in texts) > 1000, "the sample must hold PII too"


@pytest.mark.parametrize(
    "text",
    [
        "Zoë 555-123-4567ä",  # a letter Python calls a word character right after the digits: no word end
        "Müller Street 12",
        "12 Main St. Louis",
        "12 Main St.",
        "12 Main Stë",
        "+44 20 7946 0958+44 20 7946 0958",
        "a@b.co,c@d.co",
        "phone: 555 1234 and 555 4321",
        "Springfield, IL \n62704",
        "日本 Mr. Émile Zola",
    ],
)
def test_re2_matches_python_re_at_unicode_word_boundaries(text: str) -> None:
    assert find_spans(text) == _python_find_spans(text)


def test_the_international_phone_rule_still_finds_phones() -> None:
    assert [s.text for s in find_spans("call +44 20 7946 0958 now") if s.pii_type is PiiType.PHONE] == [
        "+44 20 7946 0958"
    ]


# --- the loops around the patterns stay linear too ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("preview's leftover {{ check", lambda text: compile_sql_leftovers(text)),
        ("column name words", lambda text: normalize_name(text)),
        ("column name tokens", lambda text: tokens(text)),
        ("token vault", lambda text: TokenVault().unmask(text)),
    ],
)
def test_text_helpers_are_linear_on_1_mb(name: str, call: Callable[[str], object]) -> None:
    """The leftover-``{{`` check took 1 s for 40 kB of ``{{`` under Python's re (quadratic): minutes for 1 MB."""
    for text in (ADVERSARIAL["open_braces"], ADVERSARIAL["open_jinja"], ADVERSARIAL["names"]):
        started = time.perf_counter()
        call(text)
        assert time.perf_counter() - started < TIME_LIMIT_SECONDS, name


def test_the_leftover_check_still_names_what_is_left() -> None:
    assert compile_sql_leftovers("SELECT 1\nWHERE a = {{ region }} AND {{x}}") == [("region", 2), ("x", 2)]


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_the_column_path_is_linear_on_1_mb_values(name: str) -> None:
    """Columns are screened by Polars (Rust's regex, linear too): its patterns are strings, not in the registry,
    so they are fed the same text through the functions that run them."""
    started = time.perf_counter()
    detect_series(pl.Series([ADVERSARIAL[name]]))
    scan_frame(pl.DataFrame({"notes": [ADVERSARIAL[name]], "phone": [ADVERSARIAL[name]]}))
    assert time.perf_counter() - started < 4 * TIME_LIMIT_SECONDS
