"""The data-mode profile: statistics computed in the database and a masked, capped sample.

Only in the policy's ``data_mode``; in ``metadata_only`` no row value is read for the review at all.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from superset_review.adapters.datasets import row_count, sample_rows
from superset_review.extension.i18n import Text
from superset_review.policy.manifest import PolicyManifest
from superset_review.profiling.findings import Finding
from superset_review.profiling.statistics import column_statistics
from superset_review.sessions.models import Severity

if TYPE_CHECKING:
    import polars as pl

    from superset_review.pii.scanner import ColumnFinding

# Rows read (never beyond the server) to compute statistics; only the policy-capped, masked sample is shown.
# Exact COUNT(DISTINCT) over every column of a wide table costs one sort per column of the whole table (minutes on
# 200 columns x 100k rows); a bounded sample answers in well under a second and says it is a sample.
STATISTICS_SAMPLE_ROWS = 2_000
# Rows the PII detectors read per column: enough for a share, cheap on 200 columns.
PII_SCAN_ROWS = 200


def data_profile(dataset: Any, policy: PolicyManifest) -> tuple[dict[str, Any], list[Finding]]:
    rows = row_count(dataset)
    read = sample_rows(dataset, STATISTICS_SAMPLE_ROWS)
    sample, verdicts = mask_pii(
        read.head(policy.sample_caps.rows),
        policy,
        scan=read.head(PII_SCAN_ROWS),
        dataset_id=getattr(dataset, "id", None),
    )
    findings: list[Finding] = []
    pii_columns: dict[str, str] = {}
    for verdict in verdicts:
        assert verdict.pii_type is not None
        pii_columns[verdict.column] = verdict.pii_type.value
        findings.append(
            Finding(
                "PII_EXPOSED",
                Severity.WARNING,
                "column",
                verdict.column,
                Text(
                    "Column '%(column)s' holds %(pii_type)s values (confidence %(confidence)s) and is exposed "
                    "without masking.",
                    column=verdict.column,
                    pii_type=verdict.pii_type.value,
                    confidence=f"{verdict.confidence:.0%}",
                ),
                Text("Restrict the column (row-level security, a masked view) or drop it from the dataset."),
            )
        )
    stats = column_statistics(read, rows, withheld=pii_columns)
    for name, values in stats["columns"].items():
        if stats["sampled_rows"] and values["null_rate"] == 1.0:
            findings.append(
                Finding("COLUMN_ALWAYS_NULL", Severity.WARNING, "column", name,
                        Text("Column '%(column)s' is always null.", column=name),
                        Text("Drop the column or fix what should fill it."))
            )  # fmt: skip
    data = within_bytes([{key: _safe(value) for key, value in row.items()} for row in sample.iter_rows(named=True)],
                        policy.sample_caps.bytes)  # fmt: skip
    profile = {
        "statistics": stats,
        "pii_columns": pii_columns,
        "sample": {
            "rows": len(data),
            "masked_columns": sorted(pii_columns),
            "bytes_cap": policy.sample_caps.bytes,
            "cut_by_bytes": len(data) < sample.height,
            "data": data,
        },
    }
    return profile, findings


def mask_pii(
    frame: pl.DataFrame, policy: PolicyManifest, scan: pl.DataFrame | None = None, dataset_id: int | None = None
) -> tuple[pl.DataFrame, list[ColumnFinding]]:
    """``frame`` with every column that is personal data redacted whole, and those verdicts: the one rule for every
    sample the extension keeps. The domains decide (``domains.pii``: a person's decision or the stored domaining of
    ``dataset_id``, else the classifier on ``scan`` or the frame itself), the detectors where they cannot tell."""
    import polars as pl  # not at import: Superset's start-up (every web worker) should not pay for it

    from superset_review.domains.pii import pii_findings
    from superset_review.pii.masking import RedactOperator, mask_series

    verdicts = [
        verdict
        for verdict in pii_findings(frame if scan is None else scan, dataset_id, threshold=policy.pii_threshold)
        if verdict.pii_type is not None and verdict.column in frame.columns
    ]
    for verdict in verdicts:
        assert verdict.pii_type is not None
        values = frame.get_column(verdict.column)
        if not (values.dtype == pl.String or values.dtype.is_integer()):
            values = values.cast(pl.String)  # a date of birth, say: redacted whole, so its type does not matter
        frame = frame.with_columns(mask_series(values, verdict.pii_type, RedactOperator()))
    return frame, verdicts


def within_bytes(rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first rows whose JSON, as stored, fits in ``limit`` bytes (the policy's sample cap): whole rows only."""
    kept: list[dict[str, Any]] = []
    size = 2  # the brackets of the list
    for row in rows:
        size += len(json.dumps(row, default=str).encode()) + (2 if kept else 0)  # json.dumps puts ", " between
        if size > limit:
            break
        kept.append(row)
    return kept


def _safe(value: Any) -> Any:
    return value if value is None or isinstance(value, (int, float, str, bool)) else str(value)
