"""Intake of a dataset review session: what the reviewer pasted and what the dataset's SQL asks for.

Pure functions over small frozen dataclasses: no Superset calls, no database and no Flask. ``links`` turns a Superset
6.1 link (or a bare dataset id) into a typed target; ``jinja`` finds the template variables of a dataset's SQL by
walking the Jinja AST.
"""

from superset_review.intake.jinja import (
    TemplateParseError,
    TemplateScan,
    TemplateVariable,
    VariableKind,
    find_template_variables,
    is_templated,
)
from superset_review.intake.links import (
    ChartLink,
    DashboardLink,
    DashboardPermalink,
    DatasetId,
    DatasetLink,
    ExploreLink,
    ExplorePermalink,
    LinkError,
    LinkErrorCode,
    LinkTarget,
    SqlLabLink,
    SqlLabPermalink,
    describe,
    parse_link,
)

__all__ = [
    "ChartLink",
    "DashboardLink",
    "DashboardPermalink",
    "DatasetId",
    "DatasetLink",
    "ExploreLink",
    "ExplorePermalink",
    "LinkError",
    "LinkErrorCode",
    "LinkTarget",
    "SqlLabLink",
    "SqlLabPermalink",
    "TemplateParseError",
    "TemplateScan",
    "TemplateVariable",
    "VariableKind",
    "describe",
    "find_template_variables",
    "is_templated",
    "parse_link",
]
