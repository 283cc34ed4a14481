"""``detect_series`` in Polars: regex screening over the whole column, checks only on what the regex matched.

Three union screens (shapes, names and streets, context words) find the few values worth a closer look, one
pass each. On those values each rule runs ``str.contains``; where it matches, ``str.extract_all`` pulls the
candidates and the rule's validator runs on them, in Polars arithmetic where possible (Luhn, mod-97, digit
counts, SSN ranges, IPv4 octets, hex-only IPv6) and in Python where not (IBANs written with spaces, IPv6 with an
embedded IPv4, URLs, dates), once per distinct candidate. Values where two types claim text, or where a
context word in the value itself may switch a rule on, are re-read by the Python detector (the fallback), so both
paths give the same answer value by value; the tests hold them to that.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from typing import TYPE_CHECKING

from superset_review.extension.lazy import LazyModule
from superset_review.pii import validators
from superset_review.pii.patterns import RULES, Rule
from superset_review.pii.types import PiiInputError, PiiType, Span

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")  # imported at first use: see extension/lazy.py

# The Python detector: (value, context types, the rules to run) -> spans.
Fallback = Callable[[str, frozenset[PiiType], Sequence[Rule]], list[Span]]


def as_text(values: pl.Series, function: str = "detect_series") -> pl.Series:
    """Text as is; integers as their digits (phones and cards often sit in integer columns); nothing else.

    Floats, dates and binary data are refused rather than guessed at: "4.1111e15" is not a card number, and
    the scanner decides for itself how to read a date column.
    """
    dtype = values.dtype
    if dtype == pl.String:
        return values
    if dtype.is_integer() or dtype in (pl.Null, pl.Categorical) or isinstance(dtype, pl.Enum):
        return values.cast(pl.String)
    raise PiiInputError(function, f"a {dtype} column")


@dataclass(frozen=True)
class _Family:
    """Rules screened together: one union regex over the whole column, then each rule on the rows it matched."""

    screen: str
    rules: tuple[Rule, ...]
    gated: bool  # rules whose context words must be in the value (only the Python detector can judge them)


@lru_cache(maxsize=64)
def _families(context_types: frozenset[PiiType]) -> tuple[_Family, ...]:
    """Shapes, words (names and streets) and context-gated rules. One union of all rules would be a single pass,
    but its automaton is too large for the regex engine's DFA cache and runs 40x slower."""
    active = [rule for rule in RULES if rule.context is None or rule.pii_type in context_types]
    gated = tuple(rule for rule in RULES if rule.context is not None and rule.pii_type not in context_types)
    shapes = tuple(rule for rule in active if rule.pii_type not in _WORD_TYPES)
    words = tuple(rule for rule in active if rule.pii_type in _WORD_TYPES)
    families = [_Family(_union(r.rust for r in group), group, False) for group in (shapes, words) if group]
    if gated:
        screens = sorted({rule.context.value_screen for rule in gated if rule.context is not None})
        families.append(_Family(_union(screens), gated, True))
    return tuple(families)


_WORD_TYPES = frozenset({PiiType.PERSON, PiiType.STREET_ADDRESS})


def _union(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{pattern})" for pattern in patterns)


def detect(values: pl.Series, context_types: frozenset[PiiType], fallback: Fallback) -> dict[PiiType, pl.Series]:
    # Nulls become "" (which no rule matches), so no step has to carry nulls along.
    text = as_text(values).fill_null("")
    size = len(text)
    families = _families(context_types)
    # Most values hold no PII: the family screens find the rows worth a closer look (one pass each) ...
    screened = [text.str.contains(family.screen) for family in families]
    rows = reduce(operator.or_, screened, _falses(size)).arg_true()
    if rows.is_empty():
        return {pii_type: _falses(size) for pii_type in PiiType}
    # ... and each rule then runs on the rows of its family only.
    found = _detect_rows(text.gather(rows), [mask.gather(rows) for mask in screened], families, context_types, fallback)
    return {pii_type: _falses(size).scatter(rows, flags) for pii_type, flags in found.items()}


def _detect_rows(
    text: pl.Series,
    screened: list[pl.Series],
    families: tuple[_Family, ...],
    context_types: frozenset[PiiType],
    fallback: Fallback,
) -> dict[PiiType, pl.Series]:
    size = len(text)
    flags = {pii_type: _falses(size) for pii_type in PiiType}
    raw: dict[str, pl.Series] = {}  # per rule: does its regex match (before validation), needed by the re-read
    gated: list[tuple[PiiType, pl.Series]] = []
    for family, mask in zip(families, screened, strict=True):
        rows = mask.arg_true()
        if rows.is_empty():
            continue
        members = text.gather(rows)
        context_hits: dict[str, pl.Series] = {}
        for rule in family.rules:
            hits = members.str.contains(rule.rust)
            if family.gated and rule.context is not None:
                words = rule.context.value_screen
                if words not in context_hits:
                    context_hits[words] = members.str.contains(words)
                hits = hits & context_hits[words]
            raw[rule.name] = _falses(size).scatter(rows, hits)
            if family.gated:
                gated.append((rule.pii_type, raw[rule.name]))
                continue
            if rule.validate is not None and hits.any():
                hits = _validated(rule, members, hits)
            flags[rule.pii_type] = flags[rule.pii_type] | _falses(size).scatter(rows, hits)
    count = pl.DataFrame([flags[t].alias(t.value) for t in PiiType]).select(pl.sum_horizontal(pl.all())).to_series()
    # Python re-reads a value where types may compete for text, or where a context word in the value may turn on
    # a rule that could change the answer: not when that rule's type is already the value's only type.
    recheck = count > 1
    for pii_type, hits in gated:
        recheck = recheck | (hits & ~(flags[pii_type] & (count == 1)))
    if recheck.any():
        _reread(text, recheck, raw, flags, context_types, fallback)
    return flags


def _falses(size: int) -> pl.Series:
    return pl.repeat(False, size, dtype=pl.Boolean, eager=True)


def _validated(rule: Rule, text: pl.Series, hits: pl.Series) -> pl.Series:
    """``hits`` narrowed to the values where at least one candidate of ``rule`` passes its validator."""
    rows = hits.arg_true()
    candidates = (
        pl.DataFrame({"row": rows, "found": text.gather(rows).str.extract_all(rule.rust)})
        .explode("found")
        .with_columns(pl.col("found").str.replace(rule.rust_strip, ""))
    )
    if rule.rust_span is not None:  # validate the marked part only, as the Python detector does
        candidates = candidates.with_columns(pl.col("found").str.extract(rule.rust_span, 1))
    valid = _validate_candidates(rule, candidates["found"])
    good_rows = candidates.filter(valid)["row"].unique()
    return _falses(len(text)).scatter(good_rows, True)


def _validate_candidates(rule: Rule, found: pl.Series) -> pl.Series:
    check = rule.validate
    if check is validators.card:
        return _card(found)
    if check is validators.us_ssn:
        return _us_ssn(found)
    if check is validators.ipv4:
        return _ipv4(found)
    if check is validators.ipv6:
        return _with_python_rest(found, *_ipv6(found), check)
    if check is validators.iban:
        return _with_python_rest(found, *_iban(found), check)
    if isinstance(check, validators.PhoneCheck):
        return _phone(found, check)
    if isinstance(check, validators.NoStreetTail):
        return ~found.str.contains(validators.STREET_TAIL) & _phone(found, check.check)
    assert check is not None
    # Few candidates reach this point (URLs, dates, names): the Python check is exact and cheap.
    return _python_check(found, check)


def _card(found: pl.Series) -> pl.Series:
    """Luhn in integer arithmetic: 19 digits fit in a UInt64, and digit i is (n // 10**i) % 10.

    Leading zeros do not matter (Luhn reads from the right); the length check reads the digit string.
    """
    digits = found.str.replace_all("[^0-9]", "")
    frame = pl.DataFrame({"length": digits.str.len_bytes(), "number": digits.cast(pl.UInt64, strict=False)})
    total: pl.Expr = pl.lit(0, dtype=pl.UInt64)
    for position in range(19):
        digit = (pl.col("number") // 10**position) % 10
        # Every second digit from the right is doubled; a doubled digit above 9 counts as 2d - 9.
        total = total + (digit * 2 - (digit >= 5).cast(pl.UInt64) * 9 if position % 2 else digit)
    length = pl.col("length")
    return frame.select(((length >= 12) & (length <= 19) & (total % 10 == 0)).fill_null(False)).to_series()


def _with_python_rest(
    found: pl.Series, decided: pl.Series, verdict: pl.Series, check: Callable[[str], int | None]
) -> pl.Series:
    """``verdict`` where ``decided``; the Python check (once per distinct value) for the rest."""
    if decided.all():
        return verdict
    rest = found.filter(~decided)
    return verdict.scatter((~decided).arg_true(), _python_check(rest, check))


def _python_check(found: pl.Series, check: Callable[[str], int | None]) -> pl.Series:
    distinct = found.unique()
    passed = distinct.filter(pl.Series([check(candidate) is not None for candidate in distinct.to_list()]))
    return found.is_in(passed.implode())


def _ipv6(found: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Hex-only candidates decided by regex (see validators.IPV6_HEX_ONLY); an embedded IPv4 goes to Python."""
    address = found.str.strip_chars_end(".")
    decided = ~address.str.contains(".", literal=True)
    not_short = (address.str.count_matches(":", literal=True) >= 3) | address.str.contains("[0-9A-Fa-f]{4}")
    return decided, address.str.contains(validators.IPV6_HEX_ONLY) & not_short


def _iban(found: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Mod-97 in Int64 arithmetic, seven digits at a time, for candidates without spaces; Python for the rest.

    Without spaces, a candidate longer than its country's length is a longer token (the Python check refuses a
    glued character the same way); with spaces, where the IBAN ends needs the Python walk.
    """
    # Columns are materialised step by step: an expression used in ten chunks would be computed ten times.
    frame = pl.DataFrame({"c": found.str.to_uppercase()}).with_columns(
        expected=pl.col("c")
        .str.slice(0, 2)
        .replace_strict(validators.IBAN_LENGTHS, default=None, return_dtype=pl.Int64),
        numeric=(pl.col("c").str.slice(4) + pl.col("c").str.slice(0, 4)).str.replace_many(_LETTER_DIGITS),
    )
    remainder: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for start in range(0, 70, 7):
        chunk = pl.col("numeric").str.slice(start, 7)
        width = chunk.str.len_bytes().cast(pl.Int64)
        value = chunk.cast(pl.Int64, strict=False).fill_null(0)
        # An empty chunk (past the end) multiplies by 10**0 and adds 0: the remainder passes through unchanged.
        remainder = (remainder * pl.lit(10, dtype=pl.Int64).pow(width) + value) % 97
    compact = pl.col("c")
    result = frame.select(
        decided=~compact.str.contains(" ", literal=True),
        ok=(compact.str.len_bytes() == pl.col("expected")).fill_null(False) & (remainder == 1),
    )
    return result["decided"], result["ok"]


_LETTER_DIGITS = {chr(code): str(code - 55) for code in range(ord("A"), ord("Z") + 1)}


def _ipv4(found: pl.Series) -> pl.Series:
    octet = pl.element()
    parts = found.str.split(".")
    each_ok = parts.list.eval(
        (octet.str.len_bytes() <= 3)
        & (octet.cast(pl.Int32, strict=False) <= 255).fill_null(False)
        & ((octet == "0") | ~octet.str.starts_with("0"))
    ).list.all()
    return ((parts.list.len() == 4) & each_ok).fill_null(False)


def _us_ssn(found: pl.Series) -> pl.Series:
    number = found.str.replace_all("[^0-9]", "")
    frame = pl.DataFrame({"n": number}).with_columns(
        area=pl.col("n").str.slice(0, 3).cast(pl.Int32, strict=False),
        group=pl.col("n").str.slice(3, 2).cast(pl.Int32, strict=False),
        serial=pl.col("n").str.slice(5, 4).cast(pl.Int32, strict=False),
        same=pl.col("n") == pl.concat_str([pl.col("n").str.slice(0, 1)] * 9),
    )
    ok = frame.select(
        (pl.col("n").str.len_bytes() == 9)
        & ~pl.col("same")
        & (pl.col("area") > 0)
        & (pl.col("area") != 666)
        & (pl.col("area") < 900)
        & (pl.col("group") > 0)
        & (pl.col("serial") > 0)
    ).to_series()
    return ok.fill_null(False)


def _phone(found: pl.Series, check: validators.PhoneCheck) -> pl.Series:
    number = found.str.replace(validators.EXTENSION, "").str.replace_all("[^0-9]", "")
    count = number.str.len_bytes()
    # Stripping the first digit from both ends leaves nothing exactly when one digit is repeated throughout.
    repeated = number.str.strip_chars(number.str.slice(0, 1)) == ""
    ok = (count >= check.low) & (count <= check.high) & ~repeated
    if check.reject_look_alikes:
        ok = ok & ~found.str.contains(validators.LOOK_ALIKES)
    return ok.fill_null(False)


def _reread(
    text: pl.Series,
    rows_mask: pl.Series,
    raw: dict[str, pl.Series],
    flags: dict[PiiType, pl.Series],
    context_types: frozenset[PiiType],
    fallback: Fallback,
) -> None:
    """The exact answer of the Python detector for the masked rows, running only the rules whose regex matched."""
    rows = rows_mask.arg_true()
    rules = [rule for rule in RULES if rule.name in raw]
    matched = pl.DataFrame([raw[rule.name].gather(rows).alias(rule.name) for rule in rules])
    found: dict[PiiType, list[bool]] = {pii_type: [] for pii_type in PiiType}
    for value, rule_hits in zip(text.gather(rows).to_list(), matched.iter_rows(), strict=True):
        hit_rules = [rule for rule, hit in zip(rules, rule_hits, strict=True) if hit]
        types = {span.pii_type for span in fallback(value, context_types, hit_rules)}
        for pii_type, column in found.items():
            column.append(pii_type in types)
    for pii_type, column in found.items():
        flags[pii_type] = flags[pii_type].scatter(rows, pl.Series(column, dtype=pl.Boolean))
