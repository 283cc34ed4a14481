"""Mapping proposals for 200 target columns (rules, no LLM), issue 14's target: under 1 s.

A 200-column source and a 200-column target, built from the built-in catalog's domains: each target column has a
source column of its domain under another of the domain's aliases (or the same header with another unit, or the
parts of a composite), the rest named apart, so every strategy and the index's every path are exercised. Timed:
the stage's proposals (index, candidates of every strategy, each validated by the DSL's parser), median of
``RUNS`` after one warm-up; the whole metadata_only stage (decisions, the plan compiled to SQL and Polars) is shown
beside it.

``python bench/mapping.py`` prints the rows; ``rows()`` returns them for bench/run.py.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COLUMNS = 200
RUNS = 7
SAMPLE_ROWS = 1000
TARGET_SECONDS = 1.0


def bodies() -> tuple[dict[str, Any], dict[str, Any]]:
    from superset_review.domains.catalog import builtin_catalog

    domains = [d for d in builtin_catalog().assignable if len(list(d.alias_phrases())) >= 2]
    sources: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for index in range(COLUMNS):
        domain = domains[index % len(domains)]
        phrases = list(domain.alias_phrases())
        source_name = f"{phrases[0]} {index}".replace(" ", "_").replace("-", "_")
        target_name = f"{phrases[1]} {index}".replace(" ", "_").replace("-", "_")
        kind = "float" if domain.kind in ("decimal", "integer") else "string"
        sources.append(
            {
                "name": source_name,
                "original_name": source_name,
                "dtype": "string" if index % 5 == 0 else kind,
                "physical_type": "VARCHAR",
                "nullable": True,
                "null_count": 0,
                "distinct_estimate": None,
                "min": None,
                "max": None,
                "domain": domain.name if index % 3 else None,
                "domain_confidence": 0.8,
                "domain_band": "high",
                "pii": None,
                "examples": [],
            }
        )
        targets.append(
            {
                "name": target_name[:50],
                "dtype": kind,
                "physical_type": "TEXT",
                "nullable": True,
                "domain": domain.name,
                "pii": None,
                "description": None,
                "required": False,
            }
        )
    sources[0:2] = [{**sources[0], "name": "weight_lb", "dtype": "float"}, {**sources[1], "name": "fname"}]
    targets[0:2] = [
        {**targets[0], "name": "weight_kg", "dtype": "float", "domain": "measure.weight"},
        {**targets[1], "name": "full_name", "domain": "person.full_name"},
    ]
    catalog = {
        "catalog_version": 1,
        "source": {"type": "file", "format": "csv", "name": "bench.csv"},
        "tables": [{"name": "bench", "row_count": 0, "schema_hash": "", "content_hash": "", "columns": sources}],
        "shim_hash": "",
        "contract_hash": "",
    }
    return catalog, {"name": "bench_target", "dataset_id": None, "columns": targets, "schema_hash": ""}


def measure() -> tuple[list[float], list[float], list[float], int]:
    from superset_review.onboarding.mapping import run_mapping
    from superset_review.onboarding.mapping.stage import MappingRun
    from superset_review.onboarding.models import RunMode
    from superset_review.onboarding.profiles import default_profile
    from superset_review.onboarding.stages import RunContext

    catalog, target = bodies()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext(
            "01JBENCH00000000000000000",
            {"human_confirm_required": True},
            "0" * 64,
            RunMode.METADATA_ONLY,
            default_profile(),
            Path(tmp),
        )
        MappingRun(ctx, catalog, target, None).propose()  # warm-up: imports, the catalog's composites
        proposals: list[float] = []
        mapped = 0
        for _ in range(RUNS):
            started = time.perf_counter()
            ranked, _ = MappingRun(ctx, catalog, target, None).propose()
            proposals.append(time.perf_counter() - started)
            mapped = sum(1 for candidates in ranked if candidates)
        stages: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            run_mapping(ctx, catalog, target, None)
            stages.append(time.perf_counter() - started)
        sample = Path(tmp) / "sample.parquet"
        write_sample(catalog, sample)
        data_ctx = replace(ctx, mode=RunMode.DATA_MODE)
        evaluated: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            stage = MappingRun(data_ctx, catalog, target, sample)
            stage.decide(*stage.propose())
            evaluated.append(time.perf_counter() - started)
    return proposals, stages, evaluated, mapped


def write_sample(catalog: dict[str, Any], path: Path) -> None:
    """A Sample Pack of SAMPLE_ROWS rows for the catalog's columns (numbers, or numbers written as text)."""
    import polars as pl

    columns = catalog["tables"][0]["columns"]
    pl.DataFrame(
        {
            column["name"]: [str(n) for n in range(SAMPLE_ROWS)]
            if column["dtype"] == "string"
            else [float(n) for n in range(SAMPLE_ROWS)]
            for column in columns
        }
    ).write_parquet(path)


def rows() -> list[dict[str, object]]:
    proposals, stages, evaluated, mapped = measure()
    median = statistics.median(proposals)
    note = f"{mapped} of {COLUMNS} targets with a candidate; median of {RUNS}, max {max(proposals):.3f} s"
    return [
        {
            "name": "mapping proposals, 200 target columns (rules)",
            "value": median,
            "unit": "s",
            "target": "< 1 s",
            "met": median < TARGET_SECONDS,
            "note": note,
        },
        {
            "name": "mapping stage, metadata_only, 200 columns (plan compiled)",
            "value": statistics.median(stages),
            "unit": "s",
            "target": "info",
            "met": None,
            "note": "each mapping's SQL and Polars compiled too",
        },
        {
            "name": f"mapping proposals + evaluation, data_mode, 200 columns x {SAMPLE_ROWS} rows",
            "value": statistics.median(evaluated),
            "unit": "s",
            "target": "info",
            "met": None,
            "note": "",
        },
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
