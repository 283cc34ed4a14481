"""Findings on a dataset under review: stable codes, a severity, a target and a suggested fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from superset_review.adapters.context import RecoveredContext, Recovery
from superset_review.extension.i18n import Text
from superset_review.intake.jinja import TemplateScan, VariableKind
from superset_review.sessions.models import Severity


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    target_kind: str
    target: str | None
    message: str
    suggested_fix: str | None = None


def template_findings(scan: TemplateScan, context: RecoveredContext) -> list[Finding]:
    findings: list[Finding] = []
    if scan.parse_error is not None:
        findings.append(
            Finding(
                "TEMPLATE_PARSE_ERROR",
                Severity.BLOCKING,
                "sql",
                None,
                Text(
                    "The dataset's Jinja cannot be parsed (line %(line)s): %(error)s",
                    line=scan.parse_error.line,
                    error=scan.parse_error.message,
                )
                if scan.parse_error.line
                else Text("The dataset's Jinja cannot be parsed: %(error)s", error=scan.parse_error.message),
                Text("Fix the template in the dataset's SQL (Edit dataset > Source)."),
            )
        )
    for variable in scan.variables:
        if variable.kind is VariableKind.TEMPLATE_PARAM and not variable.has_default:
            if variable.name in context.template_params or variable.name in context.url_params:
                continue
            findings.append(
                Finding(
                    "TEMPLATE_VARIABLE_UNRESOLVED",
                    Severity.BLOCKING,
                    "variable",
                    variable.name,
                    Text(
                        "{{ %(name)s }} (line %(line)s) has no value and no default: Superset would leave it in "
                        "the SQL as is.",
                        name=variable.name,
                        line=variable.line,
                    ),
                    Text(
                        'Add "%(name)s" to the dataset\'s template parameters or give it a default '
                        "({{ %(name)s | default(...) }}).",
                        name=variable.name,
                    ),
                )
            )
        if (
            variable.kind is VariableKind.URL_PARAM
            and not variable.has_default
            and variable.name not in context.url_params
        ):
            findings.append(
                Finding(
                    "URL_PARAM_MISSING",
                    Severity.INFO,
                    "variable",
                    variable.name,
                    Text(
                        "url_param('%(name)s') has no value in this link: the condition that uses it is skipped.",
                        name=variable.name,
                    ),
                    Text("Add ?%(name)s=... to the link if the review should include it.", name=variable.name),
                )
            )
    return findings


def filter_findings(context: RecoveredContext, column_names: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    for item in context.filters:
        if item.dataset_id == context.dataset_id and item.column and item.column not in column_names:
            findings.append(
                Finding(
                    "FILTER_COLUMN_MISSING",
                    Severity.WARNING,
                    "filter",
                    item.name,
                    Text(
                        "Native filter '%(filter)s' targets column '%(column)s', which the dataset no longer has.",
                        filter=item.name,
                        column=item.column,
                    ),
                    Text("Edit the dashboard's filter to target an existing column, or restore the column."),
                )
            )
        if item.status is Recovery.UNRESOLVED and item.dataset_id == context.dataset_id:
            findings.append(
                Finding(
                    "FILTER_VALUE_UNRESOLVED",
                    Severity.INFO,
                    "filter",
                    item.name,
                    Text("Native filter '%(filter)s' has no value in the link and no default.", filter=item.name),
                    Text("Set the filter in the dashboard and paste the new link, or answer it in clarification."),
                )
            )
    for note in context.notes:
        findings.append(Finding("CONTEXT_PARTIAL", Severity.WARNING, "dataset", None, note, None))
    return findings


def column_findings(columns: list[dict[str, Any]]) -> list[Finding]:
    return [
        Finding(
            "COLUMN_NO_DESCRIPTION",
            Severity.INFO,
            "column",
            column["column_name"],
            Text("Column '%(column)s' has no description.", column=column["column_name"]),
            Text("Accept a candidate from a dictionary or reference dataset, or write one."),
        )
        for column in columns
        if not (column.get("description") or "").strip()
    ]


def sql_findings(single_statement: bool, read_only: bool, error: str | None) -> list[Finding]:
    if error:
        return [
            Finding(
                "SQL_UNPARSABLE", Severity.BLOCKING, "sql", None,
                Text("Superset cannot parse the dataset's SQL: %(error)s", error=error),
                Text("Fix the SQL in the dataset (Edit dataset > Source)."),
            )
        ]  # fmt: skip
    if not single_statement or not read_only:
        return [
            Finding(
                "SQL_NOT_SINGLE_READ_ONLY", Severity.BLOCKING, "sql", None,
                Text("The dataset's SQL is not a single read-only statement."),
                Text("Keep one SELECT in the dataset; move other statements out of it."),
            )
        ]  # fmt: skip
    return []
