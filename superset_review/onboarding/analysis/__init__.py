"""The analysis report (issue 14, item 5): consistency, coverage and feasibility of the mappings, and in data_mode
nulls, duplicates, unit and date sanity, PSI and KS against the target's own sample and cross-field rules; every
anomaly with a recommended fix that ``fix_to_mapping`` turns into a mapping change (see ``report``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from superset_review.onboarding.analysis.report import Report, fix_to_mapping
from superset_review.onboarding.analysis.target_sample import read_target_sample, sample_rows_cap
from superset_review.onboarding.mapping.stage import MappingRun
from superset_review.onboarding.models import ArtifactKind, RunMode
from superset_review.onboarding.stages import ArtifactOut, MappingOut, RunContext

__all__ = ["fix_to_mapping", "run_analysis"]


def run_analysis(
    ctx: RunContext,
    catalog_body: Mapping[str, Any],
    target_body: Mapping[str, Any],
    mappings: Sequence[MappingOut | Mapping[str, Any]],
    sample_path: str | Path | None,
) -> list[ArtifactOut]:
    """The ``analysis`` artifact of the run's current mappings."""
    ctx.progress(0.0, "analysis: reading")
    stage = MappingRun(ctx, catalog_body, target_body, sample_path)
    target_sample, note = None, None
    if ctx.mode == RunMode.DATA_MODE:
        mapped = [str(m.target if isinstance(m, MappingOut) else m.get("target")) for m in mappings]
        target_sample, note = read_target_sample(target_body, mapped, sample_rows_cap(ctx.contract))
    ctx.progress(0.3, "analysis: checks")
    report = Report(stage, mappings, target_sample, note)
    body = report.body()
    ctx.progress(0.9, "analysis: report")
    return [ArtifactOut(ArtifactKind.ANALYSIS, body)]
