"""The format of dates written as text, sniffed from values: the Sample Pack's raw values in data_mode, the catalog's
min and max in metadata_only.

Only the strftime subset every engine of the DSL agrees on is offered (``%Y %m %d %H %M %S`` and literal
separators). A format is chosen when it reads at least ``MIN_SHARE`` of the values; of two that read as many (a day
and month both at most 12), the day-first one is preferred and the ambiguity is said in the rationale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from superset_review.extension.linear_regex import compile_linear

MIN_SHARE = 0.9
MAX_VALUES = 200  # values tried per column (sniffing is a guess, not a scan)
PROBE = 20  # distinct values a format must read one of before it is tried on the rest
MAX_VALUE_CHARS = 40

# In order of preference when two read the same values (ISO first, then day-first, then month-first).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%m/%d/%Y",
    "%m-%d-%Y",
)
TIMESTAMP_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
)
FORMATS = TIMESTAMP_FORMATS + DATE_FORMATS
# What every format above writes: digits, the separators and a T between date and time.
_SHAPE = compile_linear(r"[0-9][0-9./: T-]*[0-9]")


@dataclass(frozen=True)
class SniffedFormat:
    format: str
    share: float  # of the values tried, those it reads
    tried: int
    has_time: bool
    ambiguous_with: str | None = None  # another format that reads as many values (day and month both <= 12)


def _reads(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def sniff_format(values: Iterable[object]) -> SniffedFormat | None:
    """The format that reads most of ``values`` (non-empty strings, stripped), or None when none reads
    ``MIN_SHARE`` of them.

    Cheap first: values that are not shaped like a date at all (letters, no digit) end the search at once, and a
    format is tried on every value only if it reads one of a small probe of them."""
    tried: list[str] = []
    for value in values:
        if isinstance(value, str) and value.strip() and len(value) <= MAX_VALUE_CHARS:
            tried.append(value.strip())
        if len(tried) >= MAX_VALUES:
            break
    if not tried:
        return None
    if sum(1 for value in tried if _SHAPE.fullmatch(value)) < MIN_SHARE * len(tried):
        return None
    distinct = list(dict.fromkeys(tried))
    weight = {value: tried.count(value) for value in distinct} if len(distinct) < len(tried) else None
    probe = distinct[:PROBE]
    counts: list[tuple[int, str]] = []
    for fmt in FORMATS:
        if not any(_reads(value, fmt) for value in probe):
            continue
        read = sum((weight[value] if weight else 1) for value in distinct if _reads(value, fmt))
        if read:
            counts.append((read, fmt))
    if not counts:
        return None
    best = max(read for read, _ in counts)
    if best / len(tried) < MIN_SHARE:
        return None
    winners = [fmt for read, fmt in counts if read == best]
    chosen = winners[0]
    return SniffedFormat(
        format=chosen,
        share=round(best / len(tried), 4),
        tried=len(tried),
        has_time="%H" in chosen,
        ambiguous_with=winners[1] if len(winners) > 1 else None,
    )
