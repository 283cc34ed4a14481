"""One rule for every sample the extension keeps: the scanner's verdict at the policy's threshold masks the column,
and the stored rows fit the policy's byte cap."""

from __future__ import annotations

import json

import polars as pl
import pytest

from superset_review.pii.scanner import scan_frame
from superset_review.policy.manifest import parse_policy
from superset_review.profiling.data_profile import mask_pii, within_bytes

REMARKS = ["ann.lee@example.com", "bo.chen@example.org", "cy.park@example.net", "di.ross@example.com",
           "ed.fox@example.com", "fay.wu@example.org", "ok", "late", "n/a", "fine"]  # fmt: skip
FRAME = pl.DataFrame({"ticket": list(range(30)), "remarks": REMARKS * 3})


def test_a_column_between_the_old_scores_is_masked() -> None:
    """0.57: flagged by the scanner (0.5) but left raw by the profile (0.6) before one threshold."""
    [verdict] = [v for v in scan_frame(FRAME) if v.pii_type is not None]
    assert verdict.column == "remarks" and 0.5 <= verdict.confidence < 0.6
    masked, verdicts = mask_pii(FRAME, parse_policy({"mode": "data_mode"}))
    assert [v.column for v in verdicts] == ["remarks"]
    assert not set(REMARKS[:6]) & set(masked["remarks"].to_list())
    assert masked["ticket"].to_list() == FRAME["ticket"].to_list()


@pytest.mark.parametrize(("threshold", "masked"), [(0.5, ["remarks"]), (0.57, ["remarks"]), (0.6, []), (0.9, [])])
def test_the_policys_threshold_decides_flagging_and_masking_alike(threshold: float, masked: list[str]) -> None:
    policy = parse_policy({"pii_threshold": threshold})
    flagged = [v.column for v in scan_frame(FRAME, threshold=threshold) if v.pii_type is not None]
    _, verdicts = mask_pii(FRAME, policy)
    assert flagged == [v.column for v in verdicts] == masked


def test_a_flagged_column_of_dates_is_masked_too() -> None:
    births = pl.DataFrame({"date_of_birth": pl.date_range(pl.date(1980, 1, 1), pl.date(1980, 1, 20), eager=True)})
    masked, verdicts = mask_pii(births, parse_policy({}))
    assert [v.column for v in verdicts] == ["date_of_birth"]
    assert masked["date_of_birth"].dtype == pl.String and "1980-01-01" not in masked["date_of_birth"].to_list()


@pytest.mark.parametrize("limit", [2, 40, 100, 1000, 100_000])
def test_within_bytes_keeps_whole_rows_that_fit(limit: int) -> None:
    rows = [{"id": i, "text": "x" * 30} for i in range(50)]
    kept = within_bytes(rows, limit)
    assert len(json.dumps(kept, separators=(",", ":")).encode()) <= len(json.dumps(kept).encode()) <= limit
    assert kept == rows[: len(kept)]
    if len(kept) < len(rows):
        assert len(json.dumps(rows[: len(kept) + 1]).encode()) > limit
