"""Artifact bodies as the ingest stage writes them (the preamble's shapes), built by hand for the mapping and
analysis tests: a catalog of one table, a target schema, and a Sample Pack's raw rows as a Parquet file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from superset_review.onboarding.models import RunMode
from superset_review.onboarding.profiles import default_profile
from superset_review.onboarding.stages import RunContext


def source(name: str, dtype: str = "string", domain: str | None = None, **extra: Any) -> dict[str, Any]:
    column: dict[str, Any] = {
        "name": name,
        "original_name": extra.pop("original_name", name),
        "dtype": dtype,
        "physical_type": extra.pop("physical_type", dtype),
        "nullable": True,
        "null_count": 0,
        "distinct_estimate": None,
        "min": extra.pop("min", None),
        "max": extra.pop("max", None),
        "domain": domain,
        "domain_confidence": extra.pop("domain_confidence", 0.9 if domain else None),
        "domain_band": "high" if domain else None,
        "pii": extra.pop("pii", None),
        "examples": extra.pop("examples", []),
    }
    assert not extra, f"unknown fields {extra}"
    return column


def catalog(*columns: dict[str, Any], name: str = "partner_file") -> dict[str, Any]:
    return {
        "catalog_version": 1,
        "source": {
            "type": "file",
            "format": "csv",
            "name": f"{name}.csv",
            "encoding": "utf-8",
            "delimiter": ",",
            "bytes": 1000,
        },
        "tables": [
            {"name": name, "row_count": 10, "schema_hash": "s" * 64, "content_hash": "c" * 64, "columns": list(columns)}
        ],
        "shim_hash": "h" * 64,
        "contract_hash": "k" * 64,
    }


def target(name: str, dtype: str = "string", domain: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "dtype": dtype,
        "physical_type": dtype.upper(),
        "nullable": not extra.get("required", False),
        "domain": domain,
        "pii": extra.get("pii"),
        "description": None,
        "required": extra.get("required", False),
    }


def target_schema(*columns: dict[str, Any]) -> dict[str, Any]:
    return {"name": "customers", "dataset_id": None, "columns": list(columns), "schema_hash": "t" * 64}


def context(
    tmp_path: Path,
    mode: RunMode = RunMode.METADATA_ONLY,
    *,
    human_confirm_required: bool = True,
    accept_rate_min: float = 0.95,
    near_match_window: float = 0.1,
) -> RunContext:
    profile = default_profile()
    profile["mapping"] = {"accept_rate_min": accept_rate_min, "near_match_window": near_match_window}
    return RunContext(
        run_id="01JTESTRUN0000000000000000",
        contract={"human_confirm_required": human_confirm_required, "mode": mode.value},
        contract_hash="k" * 64,
        mode=mode,
        profile=profile,
        run_dir=tmp_path,
    )


def sample_file(tmp_path: Path, rows: dict[str, list[Any]], name: str = "sample.parquet") -> Path:
    path = tmp_path / name
    pl.DataFrame(rows).write_parquet(path)
    return path
