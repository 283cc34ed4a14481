"""Quarantine records of the rows a transform failed on, with masked previews.

Masking is the Sample Pack's (``onboarding.ingest.sample.masked_columns``): a column of personal data whole under
its domain's operator (the spec's :class:`MaskRule`), any other text span by span (``mask_text``, redact); numbers,
dates and booleans as written. Nothing unmasked is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from superset_review.extension.lazy import LazyModule
from superset_review.migration.engine import sqltext
from superset_review.migration.engine.chunks import json_value
from superset_review.migration.engine.spec import MaskRule, MigrationSpec

if TYPE_CHECKING:
    import polars as pl
else:
    pl = LazyModule("polars")

VALUE_CHARS = 200  # a preview shows this much of a value


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    return (value.isoformat() if hasattr(value, "isoformat") else str(value))[:VALUE_CHARS]


def masked(frame: pl.DataFrame, rules: Mapping[str, MaskRule]) -> dict[str, list[str | None]]:
    from superset_review.pii.masking import RedactOperator, mask_series, mask_text

    shown: dict[str, list[str | None]] = {}
    for name in frame.columns:
        series = frame.get_column(name)
        rule = rules.get(name)
        if rule is not None:
            text = series.cast(pl.String, strict=False)
            shown[name] = [_shown(value) for value in mask_series(text, rule.pii, rule.operator).to_list()]
        elif series.dtype == pl.String:
            shown[name] = [None if value is None else mask_text(str(value)[:VALUE_CHARS], RedactOperator()).text
                           for value in series.to_list()]  # fmt: skip
        else:
            shown[name] = [_shown(value) for value in series.to_list()]
    return shown


def records(spec: MigrationSpec, chunk_id: int, before: pl.DataFrame, after: pl.DataFrame) -> list[tuple[Any, ...]]:
    """One quarantine row per failed row: ``before`` the source rows (the plan's inputs), ``after`` their outputs
    and reasons, in the same order."""
    execution = spec.execution
    rules = spec.masking_rules
    plan = execution.plan
    before_shown = masked(before.select(list(execution.inputs)), rules)
    # An output is masked under its source column's rule (its values are that column's, transformed).
    output_rules = {p.target: rules[p.source] for p in plan.pipelines if p.source in rules and p.target not in rules}
    after_shown = masked(after.select(list(execution.column_names)), {**output_rules, **rules})
    keys = before.select(list(execution.chunk_keys)).to_dicts()
    reasons = after.select(list(execution.reasons)).to_dicts()
    out: list[tuple[Any, ...]] = []
    for row in range(before.height):
        failed = [(p, reasons[row][p.reason_column]) for p in plan.pipelines if reasons[row][p.reason_column]]
        codes = sorted({f"{pipeline.target}:{code}" for pipeline, code in failed})
        diff = [
            {"column": p.target, "before": before_shown[p.source][row], "after": after_shown[p.target][row]}
            for p, _ in failed
        ]
        out.append((
            spec.run_id,
            chunk_id,
            sqltext.dumps({name: json_value(value) for name, value in keys[row].items()}),
            sqltext.dumps(codes),
            sqltext.dumps({name: values[row] for name, values in before_shown.items()}),
            sqltext.dumps({name: values[row] for name, values in after_shown.items()}),
            sqltext.dumps(diff),
        ))  # fmt: skip
    return out


def insert(cursor: Any, spec: MigrationSpec, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    from psycopg2.extras import execute_values

    names = spec.names
    statement = sqltext.sql(
        "INSERT INTO {} (run_id, chunk_id, key, reason_codes, masked_preview_before, masked_preview_after, diff) "
        "VALUES %s ON CONFLICT (run_id, chunk_id, key) DO UPDATE SET reason_codes = EXCLUDED.reason_codes, "
        "masked_preview_before = EXCLUDED.masked_preview_before, masked_preview_after = "
        "EXCLUDED.masked_preview_after, diff = EXCLUDED.diff",
        sqltext.table(spec.target.schema, names.quarantine),
    )
    execute_values(
        cursor,
        statement.text,
        rows,
        template="(%s, %s, %s::jsonb, %s::jsonb, %s::jsonb, %s::jsonb, %s::jsonb)",
        page_size=1000,
    )
