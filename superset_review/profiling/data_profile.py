"""The data-mode profile: statistics computed in the database and a masked, capped sample.

Only in the policy's ``data_mode``; in ``metadata_only`` no row value is read for the review at all.
"""

from __future__ import annotations

from typing import Any

from superset_review.adapters.datasets import row_count, sample_rows
from superset_review.extension.i18n import Text
from superset_review.policy.manifest import PolicyManifest
from superset_review.profiling.findings import Finding
from superset_review.profiling.statistics import column_statistics
from superset_review.sessions.models import Severity

# Rows read (never beyond the server) to compute statistics; only the policy-capped, masked sample is shown.
# Exact COUNT(DISTINCT) over every column of a wide table costs one sort per column of the whole table (minutes on
# 200 columns x 100k rows); a bounded sample answers in well under a second and says it is a sample.
STATISTICS_SAMPLE_ROWS = 2_000
# Rows the PII detectors read per column: enough for a share, cheap on 200 columns.
PII_SCAN_ROWS = 200


def data_profile(dataset: Any, policy: PolicyManifest) -> tuple[dict[str, Any], list[Finding]]:
    from superset_review.pii.masking import RedactOperator, mask_series
    from superset_review.pii.scanner import scan_frame

    rows = row_count(dataset)
    read = sample_rows(dataset, STATISTICS_SAMPLE_ROWS)
    sample = read.head(policy.sample_caps.rows)
    findings: list[Finding] = []
    pii_columns: dict[str, str] = {}
    for verdict in scan_frame(read.head(PII_SCAN_ROWS)):
        if verdict.pii_type is not None and verdict.confidence >= 0.6:
            pii_columns[verdict.column] = verdict.pii_type.value
            sample = sample.with_columns(
                mask_series(sample.get_column(verdict.column), verdict.pii_type, RedactOperator())
            )
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
    profile = {
        "statistics": stats,
        "pii_columns": pii_columns,
        "sample": {
            "rows": sample.height,
            "masked_columns": sorted(pii_columns),
            "data": [{key: _safe(value) for key, value in row.items()} for row in sample.iter_rows(named=True)],
        },
    }
    return profile, findings


def _safe(value: Any) -> Any:
    return value if value is None or isinstance(value, (int, float, str, bool)) else str(value)
