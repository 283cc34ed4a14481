"""The target dataset's own sample, for the report's PSI and KS: read through Superset's query path as the run's
owner (their rights, row-level security included), only the columns the target schema names, capped by the
contract's ``sample_caps``. The report itself does not reach an LLM, so the user's own rights suffice (an LLM would
read it through an AI-safe view instead)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flask import has_app_context

if TYPE_CHECKING:
    import polars as pl

logger = logging.getLogger(__name__)

DEFAULT_ROWS = 1000


def sample_rows_cap(contract: Mapping[str, Any]) -> int:
    caps = contract.get("sample_caps") or {}
    rows = caps.get("rows_max") if isinstance(caps, Mapping) else None
    return rows if isinstance(rows, int) and not isinstance(rows, bool) and rows > 0 else DEFAULT_ROWS


def read_target_sample(
    target_body: Mapping[str, Any], columns: Sequence[str], rows: int
) -> tuple[pl.DataFrame | None, str | None]:
    """(the sample, None) or (None, why there is none)."""
    dataset_id = target_body.get("dataset_id")
    if not isinstance(dataset_id, int) or isinstance(dataset_id, bool):
        return None, "the target is a YAML schema: there is no target sample to compare distributions with"
    if not has_app_context():
        return None, "no Superset to read the target dataset's sample from"
    from superset_review.adapters.datasets import (
        DatasetAccessError,
        DatasetNotFoundError,
        DatasetQueryError,
        get_dataset,
        sample_rows,
    )

    try:
        dataset = get_dataset(dataset_id)
        physical = {column.column_name for column in dataset.columns if not column.expression}
        wanted = [name for name in columns if name in physical]
        if not wanted:
            return None, f"dataset {dataset_id} has none of the mapped columns"
        return sample_rows(dataset, rows, wanted), None
    except (DatasetAccessError, DatasetNotFoundError, DatasetQueryError) as error:
        logger.info("target sample of dataset %s not read: %s", dataset_id, error)
        return None, f"the target dataset's sample could not be read: {str(error)[:300]}"
