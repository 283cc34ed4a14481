"""A review exported as JSON (for tools) and Markdown (for people): summary, columns with meaning and
provenance, findings, filters and variables."""

from __future__ import annotations

import json
from typing import Any

from superset_review.sessions.models import ReviewSession, Severity
from superset_review.sessions.schemas import ReviewSessionSchema

_SEVERITY_ORDER = [Severity.BLOCKING.value, Severity.WARNING.value, Severity.INFO.value]


def export_json(session: ReviewSession) -> dict[str, Any]:
    data: dict[str, Any] = ReviewSessionSchema().dump(session)
    data["format"] = "superset-review/review@1"
    return data


def _cell(value: Any) -> str:
    text = "" if value is None else (json.dumps(value) if not isinstance(value, str) else value)
    return text.replace("|", "\\|").replace("\n", " ")


def export_markdown(session: ReviewSession) -> str:
    context, profile = session.context or {}, session.profile or {}
    lines = [
        f"# Review: {session.title}",
        "",
        f"- Source: `{session.source}` ({context.get('link', session.source_kind)})",
        f"- Dataset: {profile.get('table_name')} (id {session.dataset_id}, {profile.get('kind')}, "
        f"database {profile.get('database')})",
        f"- State: {session.state}; readiness {session.readiness:.0%}",
        f"- Next action: {session.next_action or '-'}",
        f"- Context recovery: {context.get('status', '-')}",
        "",
        "## Columns",
        "",
        "| Column | Type | Verbose name | Description |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {_cell(c['column_name'])} | {_cell(c.get('type'))} | {_cell(c.get('verbose_name'))} | "
        f"{_cell(c.get('description'))} |"
        for c in profile.get("columns", [])
    ]
    lines += ["", "## Findings", ""]
    findings = sorted(session.findings, key=lambda f: (_SEVERITY_ORDER.index(f.severity), f.id or 0))
    if not findings:
        lines.append("No findings.")
    for finding in findings:
        target = f" `{finding.target}`" if finding.target else ""
        fix = f" Fix: {finding.suggested_fix}" if finding.suggested_fix else ""
        lines.append(f"- **{finding.severity}** {finding.code}{target}: {finding.message}{fix}")
    filters = context.get("filters") or []
    lines += ["", "## Filters", ""]
    if not filters:
        lines.append("No native filters.")
    else:
        lines += ["| Filter | Column | Value | Provenance | Status |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {_cell(f['name'])} | {_cell(f.get('column'))} | {_cell(f.get('value'))} | {f['provenance']} | "
            f"{f['status']} |"
            for f in filters
        ]
    lines += ["", "## Template parameters and URL parameters", ""]
    params = {**(context.get("template_params") or {}), **(context.get("url_params") or {})}
    lines += [f"- `{name}` = `{_cell(value)}`" for name, value in params.items()] or ["None."]
    execution = session.execution or {}
    mappings = execution.get("mappings") or []
    lines += ["", "## Execution mappings", ""]
    if not mappings:
        lines.append("The dataset's SQL reads no template variable.")
    else:
        lines += [
            "| Variable | Kind | Value | Provenance | Confidence | Approval |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_cell(m['variable'])} | {m['kind']} | {_cell(m.get('value'))} | {m['provenance']} | "
            f"{m['confidence']:.0%} | {m['approval']} |"
            for m in mappings
        ]
    if profile.get("sql"):
        lines += ["", "## Dataset SQL", "", "```sql", str(profile["sql"]).rstrip(), "```"]
    preview = execution.get("preview") or {}
    if preview.get("status") == "ready":
        stale = " (stale: inputs changed since)" if preview.get("stale") else ""
        fingerprint = f"Compiled by Superset; fingerprint `{preview['fingerprint'][:12]}`."
        lines += ["", f"## Compiled SQL{stale}", "", fingerprint, "", "```sql", str(preview["sql"]).rstrip(), "```"]
    return "\n".join(lines) + "\n"
