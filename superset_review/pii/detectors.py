"""Value-level detection: every PII span in a string, and the same answer vectorized over a Polars column.

``find_spans`` is what masks a prompt before it reaches an LLM. ``detect_series`` answers "which values hold PII
of which type" for a whole column at Polars speed and agrees with ``find_spans`` value by value: the rare values
where the two engines could differ (two types claiming the same digits, context words inside the value) are
handed to ``find_spans`` itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from superset_review.extension.lazy import LazyModule
from superset_review.pii import vectorized
from superset_review.pii.patterns import PRIORITY, RULES, Rule
from superset_review.pii.types import PiiInputError, PiiType, Span

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")  # imported at first use: see extension/lazy.py


def find_spans(text: str, types: Collection[PiiType] | None = None) -> list[Span]:
    """Every PII span in ``text``, non-overlapping, in order. ``types`` keeps only those types in the answer.

    Overlaps are resolved over all types *before* filtering, so asking for phones alone never reports the
    digits of an IBAN as a phone.
    """
    if not isinstance(text, str):
        raise PiiInputError("find_spans", text)
    spans = resolve_overlaps(_candidates(text, frozenset(), RULES))
    return [span for span in spans if types is None or span.pii_type in types]


def spans_with_context(text: str, context_types: frozenset[PiiType], rules: Sequence[Rule] = RULES) -> list[Span]:
    """``find_spans`` where the context-gated rules of ``context_types`` count as already satisfied.

    That is the situation of a cell in a column named ``phone`` or ``date_of_birth``: the column name is the
    context the cell's text does not repeat. ``rules`` may leave out rules known not to match ``text``.
    """
    return resolve_overlaps(_candidates(text, context_types, rules))


def _candidates(text: str, context_types: frozenset[PiiType], rules: Sequence[Rule]) -> Iterable[Span]:
    encoded = text.encode()
    # RE2 answers in UTF-8 byte offsets; the spans are in characters.
    chars = None if len(encoded) == len(text) else _char_offsets(encoded)
    for rule in rules:
        gated = rule.context is not None and rule.pii_type not in context_types
        for start, end in _matches(rule, encoded):
            if chars is not None:
                start, end = int(chars[start]), int(chars[end])
            span = _validated(rule, text, start, end)
            if span is not None and (not gated or _has_context(rule, text, span)):
                yield span


def _matches(rule: Rule, encoded: bytes) -> Iterator[tuple[int, int]]:
    """Byte spans of the rule's matches (its ``pii`` part where it marks one), as ``finditer`` with a look-behind
    would find them: each RE2 match consumes a boundary character on either side of the core, so the next search
    starts at the core's last character, which may be the next match's left boundary."""
    regex = rule.linear
    core, pii, dot = (regex.groupindex.get(name) for name in ("core", "pii", "dot"))
    assert core is not None
    position = 0
    while (match := regex.search(encoded, position)) is not None:
        start, end = match.span(core)
        if dot is not None and match.start(dot) >= 0:
            end = match.end(dot)
        yield match.span(pii) if pii is not None else (start, end)
        last = end - 1
        while last > start and encoded[last] & 0xC0 == 0x80:  # back to the first byte of a UTF-8 character
            last -= 1
        # Only a one-character core at the very start could stand still; no rule is that short.
        position = last if last > match.start() else end


def _char_offsets(encoded: bytes) -> npt.NDArray[np.int64]:
    """For every byte offset of ``encoded`` (and its end), how many characters come before it."""
    starts = (np.frombuffer(encoded, dtype=np.uint8) & 0xC0) != 0x80
    return np.concatenate(([0], np.cumsum(starts, dtype=np.int64)))


def _validated(rule: Rule, text: str, start: int, end: int) -> Span | None:
    if rule.validate is not None:
        length = rule.validate(text[start:end])
        if length is None:
            return None
        end = start + length
    return Span(rule.pii_type, start, end, text[start:end], rule.name)


def _has_context(rule: Rule, text: str, span: Span) -> bool:
    assert rule.context is not None
    context = rule.context
    before = text[max(0, span.start - context.before) : span.start]
    if context.regex.search(before):
        return True
    return bool(context.after and context.regex.search(text[span.end : span.end + context.after]))


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep the most specific of overlapping spans (see ``PRIORITY``), then the longest, then the first.

    Kept spans stay sorted by start, so each check looks at two neighbours only (a long text may hold
    thousands of spans).
    """
    starts: list[int] = []
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-PRIORITY[s.pii_type], -(s.end - s.start), s.start)):
        index = bisect.bisect_left(starts, span.start)
        clashes_next = index < len(kept) and kept[index].start < span.end
        clashes_previous = index > 0 and kept[index - 1].end > span.start
        if clashes_next or clashes_previous:
            continue
        starts.insert(index, span.start)
        kept.insert(index, span)
    return kept


def detect_series(values: pl.Series, context_types: Collection[PiiType] = ()) -> dict[PiiType, pl.Series]:
    """For each type, a boolean Series: does the value hold PII of that type (the answer of ``find_spans``)?

    ``values`` must be text or integers (integers are read as their decimal digits: phone and card numbers often
    land in integer columns); other dtypes raise ``PiiInputError``. Nulls are False. ``context_types`` are types
    the caller already has context for, typically from the column name.
    """
    return vectorized.detect(values, frozenset(context_types), fallback=spans_with_context)


def count_series(values: pl.Series, context_types: Collection[PiiType] = ()) -> dict[PiiType, int]:
    """How many values hold PII of each type (types with no value left out)."""
    counts = {pii_type: int(flags.sum()) for pii_type, flags in detect_series(values, context_types).items()}
    return {pii_type: count for pii_type, count in counts.items() if count}
