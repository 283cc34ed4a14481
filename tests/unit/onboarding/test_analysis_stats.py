"""PSI and KS against values worked out by hand (the worked numbers are in each case's comment)."""

from __future__ import annotations

import pytest

from superset_review.onboarding.analysis.stats import (
    EPSILON,
    ks_statistic,
    numeric_edges,
    psi_categorical,
    psi_numeric,
)


def test_psi_numeric_by_hand() -> None:
    # Two bins cut at the target's median 2.5: target shares 1/2, 1/2; source [1, 1, 1, 4] 3/4, 1/4.
    # PSI = (3/4 - 1/2) ln(3/2) + (1/4 - 1/2) ln(1/2) = 0.25 * 0.405465 + 0.25 * 0.693147 = 0.274653
    assert psi_numeric([1, 2, 3, 4], [1, 1, 1, 4], bins=2) == pytest.approx(0.274653, abs=1e-6)


def test_psi_of_the_same_distribution_is_zero() -> None:
    values = [float(n) for n in range(100)]
    assert psi_numeric(values, values) == 0.0
    assert psi_numeric(values, list(reversed(values))) == 0.0


def test_a_value_on_a_cut_point_falls_left() -> None:
    # Cut at 2.5 is not a value; with [1, 2, 3] the median cut is 2: the source's 2s join the left bin with the 1.
    # Target shares 2/3, 1/3; source [2, 2, 3] 2/3, 1/3: PSI 0.
    assert numeric_edges([1, 2, 3], bins=2) == [2.0]
    assert psi_numeric([1, 2, 3], [2, 2, 3], bins=2) == 0.0


def test_psi_categorical_with_an_unseen_value() -> None:
    # Bins a, b, other. Target a 1/2, b 1/2, other 0 -> EPSILON; source a 3/4, b 0 -> EPSILON, other (c) 1/4.
    # PSI = 0.25 ln 1.5 + (1e-4 - 0.5) ln(1e-4 / 0.5) + (0.25 - 1e-4) ln(0.25 / 1e-4) = 6.314340
    assert EPSILON == 1e-4
    assert psi_categorical(["a", "a", "b", "b"], ["a", "a", "a", "c"]) == pytest.approx(6.314340, abs=1e-6)
    assert psi_categorical(["a", "b"], ["b", "a"]) == 0.0


@pytest.mark.parametrize(
    ("first", "second", "statistic"),
    [
        ([1, 2, 3, 4], [1, 2, 3, 4], 0.0),
        # F1 - F2 at 2: 1/2 - 0; at 3: 3/4 - 1/4; at 4: 1 - 1/2: D = 1/2
        ([1, 2, 3, 4], [3, 4, 5, 6], 0.5),
        ([1, 2], [10, 20, 30], 1.0),  # apart: D = 1
        # F1 at 1: 1/3, F2 at 1: 0; at 2: 2/3 vs 1/2; at 3: 1 vs 1: D = 1/3
        ([1, 2, 3], [2, 3], 0.333333),
    ],
)
def test_ks_by_hand(first: list[float], second: list[float], statistic: float) -> None:
    assert ks_statistic(first, second) == pytest.approx(statistic, abs=1e-6)
    assert ks_statistic(second, first) == pytest.approx(statistic, abs=1e-6)


def test_empty_samples_have_no_statistic() -> None:
    assert psi_numeric([], [1.0]) is None and psi_categorical(["a"], []) is None and ks_statistic([], [1]) is None
