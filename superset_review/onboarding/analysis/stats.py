"""Distribution shift between the transformed source sample and the target's own sample: PSI and KS.

**PSI** (population stability index) = sum over bins of ``(a - e) * ln(a / e)``, where ``e`` and ``a`` are the
shares of the target's (expected) and the source's (actual) values in each bin. Numbers are binned at the target's
deciles (the distinct cut points of its 10-quantiles, by linear interpolation, as numpy's default), text by the
target's ``MAX_CATEGORIES`` commonest values plus one bin for the rest. An empty bin's share is taken as ``EPSILON``
so that the logarithm is defined (the usual convention; it bounds what one empty bin adds).

**KS** (two-sample Kolmogorov-Smirnov statistic) = the largest distance between the two empirical distribution
functions, ``max |F_source(x) - F_target(x)|`` over every value of either sample; numbers only.

Both are computed here (numpy), without a statistics package: the formulas are short and the tests check them
against values worked out by hand.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

EPSILON = 1e-4
BINS = 10
MAX_CATEGORIES = 20
OTHER = "\x00other"


def _shares(counts: Sequence[int], total: int) -> list[float]:
    return [max(count / total, EPSILON) if total else EPSILON for count in counts]


def _psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    return float(sum((a - e) * math.log(a / e) for e, a in zip(expected, actual, strict=True)))


def numeric_edges(expected: Sequence[float], bins: int = BINS) -> list[float]:
    """The inner cut points: the target's quantiles 1/bins .. (bins-1)/bins, each once."""
    values = np.asarray(expected, dtype=float)
    cuts = np.quantile(values, [step / bins for step in range(1, bins)])
    return sorted({float(cut) for cut in cuts})


def psi_numeric(expected: Sequence[float], actual: Sequence[float], bins: int = BINS) -> float | None:
    """PSI of ``actual`` against ``expected``; None when either is empty. A value equal to a cut point falls in the
    bin to its left (bins are ``(c[i-1], c[i]]``)."""
    if len(expected) == 0 or len(actual) == 0:
        return None
    edges = numeric_edges(expected, bins)
    expected_bins = np.searchsorted(edges, np.asarray(expected, dtype=float), side="left")
    actual_bins = np.searchsorted(edges, np.asarray(actual, dtype=float), side="left")
    size = len(edges) + 1
    expected_counts = np.bincount(expected_bins, minlength=size).tolist()
    actual_counts = np.bincount(actual_bins, minlength=size).tolist()
    return round(_psi(_shares(expected_counts, len(expected)), _shares(actual_counts, len(actual))), 6)


def psi_categorical(expected: Sequence[str], actual: Sequence[str], top: int = MAX_CATEGORIES) -> float | None:
    if len(expected) == 0 or len(actual) == 0:
        return None
    kept = [value for value, _ in Counter(expected).most_common(top)]
    known = set(kept)
    bins = [*kept, OTHER] if len(known) < len(set(expected)) or any(v not in known for v in actual) else kept

    def counts(values: Sequence[str]) -> list[int]:
        counter = Counter(value if value in known else OTHER for value in values)
        return [counter.get(name, 0) for name in bins]

    return round(_psi(_shares(counts(expected), len(expected)), _shares(counts(actual), len(actual))), 6)


def ks_statistic(first: Sequence[float], second: Sequence[float]) -> float | None:
    """max |F1(x) - F2(x)| over the pooled values; None when either sample is empty."""
    if len(first) == 0 or len(second) == 0:
        return None
    left = np.sort(np.asarray(first, dtype=float))
    right = np.sort(np.asarray(second, dtype=float))
    pooled = np.concatenate([left, right])
    f_left = np.searchsorted(left, pooled, side="right") / len(left)
    f_right = np.searchsorted(right, pooled, side="right") / len(right)
    return round(float(np.max(np.abs(f_left - f_right))), 6)
