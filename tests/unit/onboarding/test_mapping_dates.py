"""Sniffing the format of dates written as text (the DSL's strftime subset)."""

from __future__ import annotations

import pytest

from superset_review.onboarding.mapping.dates import MIN_SHARE, sniff_format


@pytest.mark.parametrize(
    ("values", "fmt", "ambiguous"),
    [
        (["2024-01-05", "2023-12-31"], "%Y-%m-%d", None),
        (["03/15/2024", "12/31/2024"], "%m/%d/%Y", None),
        (["15/03/2024", "31/12/2024"], "%d/%m/%Y", None),
        (["01/02/2024", "03/04/2024"], "%d/%m/%Y", "%m/%d/%Y"),  # both read: day first, said
        (["05.01.2024", "31.12.2023"], "%d.%m.%Y", None),
        (["20240105", "20231231"], "%Y%m%d", None),
        (["2024-01-05 10:00:00", "2024-01-05 23:59:59"], "%Y-%m-%d %H:%M:%S", None),
        (["2024-01-05T10:00:00"], "%Y-%m-%dT%H:%M:%S", None),
        ([" 2024-01-05 ", "2024-02-05"], "%Y-%m-%d", None),  # surrounding spaces: the pipeline trims first
    ],
)
def test_formats(values: list[str], fmt: str, ambiguous: str | None) -> None:
    sniffed = sniff_format(values)
    assert sniffed is not None
    assert (sniffed.format, sniffed.ambiguous_with) == (fmt, ambiguous)
    assert sniffed.has_time is ("%H" in fmt)


def test_a_format_must_read_most_values() -> None:
    mostly = ["2024-01-05"] * 9 + ["soon"]
    assert sniff_format(mostly) is not None and MIN_SHARE == 0.9
    assert sniff_format(["2024-01-05"] * 8 + ["soon", "later"]) is None


@pytest.mark.parametrize("values", [[], [None, 3, 4.5], ["hello", "world"], ["1" * 1000], ["2024-13-45"]])
def test_nothing_to_sniff(values: list[object]) -> None:
    assert sniff_format(values) is None
