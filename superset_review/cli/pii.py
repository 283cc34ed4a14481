"""`superset-review pii scan FILE`: which columns of a CSV or Parquet file hold PII, and the evidence."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from superset_review.pii.scanner import ColumnFinding


@click.group()
def pii() -> None:
    """Detect personal data in tables."""


@pii.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True, exists=False))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--max-values",
    type=click.IntRange(min=1),
    default=None,
    help="Values sampled per column (default: all). The sample is fixed, so runs agree.",
)
def scan(file: Path, output: str, max_values: int | None) -> None:
    """Scan FILE (CSV or Parquet): per column, the PII type (or none), a confidence and the evidence."""
    # Imported here: Polars and the detectors are not needed by the other commands, which start faster without.
    from superset_review.pii.scanner import PiiScanError, read_table, scan_frame

    try:
        findings = scan_frame(read_table(file), max_values)
    except PiiScanError as ex:
        click.echo(f"superset-review: {ex}", err=True)
        sys.exit(2)
    click.echo(json.dumps([f.to_dict() for f in findings], indent=2) if output == "json" else _as_text(findings))


def _as_text(findings: list[ColumnFinding]) -> str:
    if not findings:
        return "no columns"
    width = max(len(f.column) for f in findings)
    lines: list[str] = []
    for finding in findings:
        kind = finding.pii_type.value if finding.pii_type else "none"
        lines.append(f"{finding.column:<{width}}  {kind:<14}  confidence {finding.confidence:.2f}")
        for e in finding.evidence:
            lines.append(f"    {e.rule:<26} {e.matched}/{e.sampled:<8} {e.detail}")
    return "\n".join(lines)
