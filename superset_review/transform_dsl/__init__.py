"""The transform DSL (version 1.0.0): twelve ordered operations, a typed tree, SQL (sqlglot) and Polars generators.

A **plan** is JSON::

    {"dsl_version": "1.0.0",
     "pipelines": [{"target": "full_name", "source": "first", "ops": [
         {"op": "trim"},
         {"op": "concat", "parts": [{"column": "last"}], "separator": " "}]}]}

Each pipeline computes one output column from its ``source`` column, applying ``ops`` in order; only ``concat``
reads other columns. Anything outside the twelve operations, or a parameter an operation does not take, is refused
as ``DSL_REJECT`` naming the pipeline, the operation's index and the field.
"""

DSL_VERSION = "1.0.0"

# The public names (other packages import only these); the generators load Polars and sqlglot on first use.
from typing import Any  # noqa: E402

from superset_review.transform_dsl.errors import DslError  # noqa: E402
from superset_review.transform_dsl.parser import parse_pipeline, parse_plan  # noqa: E402
from superset_review.transform_dsl.tree import OPERATIONS, Pipeline, Plan  # noqa: E402


def compile_sql(plan: Plan, dialect: str, table: str) -> str:
    from superset_review.transform_dsl.sql import compile_sql as compile_to

    return compile_to(plan, dialect, table)


def polars_exprs(plan: Plan) -> list[Any]:
    from superset_review.transform_dsl.polars import polars_exprs as exprs

    return exprs(plan)


def polars_source(plan: Plan) -> str:
    from superset_review.transform_dsl.polars import polars_source as source

    return source(plan)


def polars_stages(plan: Plan) -> list[list[Any]]:
    """The Polars expressions of each level, to run as consecutive ``select``s on a (lazy) frame."""
    from superset_review.transform_dsl.polars import polars_stages as stages

    return stages(plan)


def apply_polars(plan: Plan, frame: Any) -> Any:
    from superset_review.transform_dsl.polars import apply_polars as run

    return run(plan, frame)


def compiled(plan: Plan, table: str = "source") -> dict[str, Any]:
    """What a mapping carries: the plan's hash, its SQL per dialect over ``table`` and its Polars source."""
    return {
        "content_hash": plan.content_hash,
        "sql": {dialect: compile_sql(plan, dialect, table) for dialect in ("postgres", "duckdb")},
        "polars": polars_source(plan),
    }


__all__ = [
    "DSL_VERSION",
    "OPERATIONS",
    "DslError",
    "Pipeline",
    "Plan",
    "apply_polars",
    "compile_sql",
    "compiled",
    "parse_pipeline",
    "parse_plan",
    "polars_exprs",
    "polars_source",
    "polars_stages",
]
