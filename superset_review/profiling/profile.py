"""The metadata profile of a dataset: columns, types, metrics, owners, certification, freshness."""

from __future__ import annotations

import json
from typing import Any


def metadata_profile(dataset: Any) -> dict[str, Any]:
    extra = json.loads(dataset.extra or "{}") if isinstance(dataset.extra, str) else (dataset.extra or {})
    return {
        "dataset_id": dataset.id,
        "table_name": dataset.table_name,
        "schema": dataset.schema,
        "database": dataset.database.database_name,
        "kind": "virtual" if dataset.sql else "physical",
        "sql": dataset.sql,
        "template_params": dataset.template_params_dict or {},
        "description": dataset.description,
        "owners": sorted(owner.username for owner in dataset.owners),
        "certification": extra.get("certification"),
        "warning": extra.get("warning_markdown"),
        "changed_on": dataset.changed_on.isoformat() if dataset.changed_on else None,
        "columns": [
            {
                "column_name": column.column_name,
                "type": column.type,
                "is_dttm": bool(column.is_dttm),
                "verbose_name": column.verbose_name,
                "description": column.description,
                "expression": column.expression,
            }
            for column in dataset.columns
        ],
        "metrics": [
            {"metric_name": metric.metric_name, "expression": metric.expression, "description": metric.description}
            for metric in dataset.metrics
        ],
    }
