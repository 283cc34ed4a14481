"""A review exported as JSON (for tools) and Markdown (for people): summary, columns with meaning and
provenance, findings, filters and variables."""

from __future__ import annotations

import json
from typing import Any

from superset_review.extension.i18n import I18N_KEY, Text, restore_text
from superset_review.sessions.models import ReviewFinding, ReviewSession, Severity
from superset_review.sessions.schemas import ReviewSessionSchema

_SEVERITY_ORDER = [Severity.BLOCKING.value, Severity.WARNING.value, Severity.INFO.value]


def export_json(session: ReviewSession) -> dict[str, Any]:
    data: dict[str, Any] = ReviewSessionSchema().dump(session)
    data["format"] = "superset-review/review@1"
    return data


def _cell(value: Any) -> str:
    text = "" if value is None else (json.dumps(value) if not isinstance(value, str) else value)
    return text.replace("|", "\\|").replace("\n", " ")


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(*names: Text) -> list[str]:
    """A table's header row, in the reader's language, and its separator."""
    return [_row(*(name.translated() for name in names)), _row(*("---" for _ in names))]


def _finding_line(finding: ReviewFinding) -> str:
    """A finding in the reader's language: its kept message and fix (``restore_text`` gives their Texts back)."""
    record = {"message": finding.message, "suggested_fix": finding.suggested_fix, I18N_KEY: finding.i18n}
    message = restore_text(record, "message")
    if finding.suggested_fix:
        said = Text("%(message)s Fix: %(fix)s", message=message, fix=restore_text(record, "suggested_fix")).translated()
    else:
        said = message.translated() if isinstance(message, Text) else str(message)
    target = f" `{finding.target}`" if finding.target else ""
    return f"- **{finding.severity}** {finding.code}{target}: {said}"


def export_markdown(session: ReviewSession) -> str:
    """The review for people, in the reader's language (headings, table headers, fixed phrases, kept messages);
    names, values and codes stay as they are."""
    context, profile = session.context or {}, session.profile or {}
    next_action = restore_text({"next_action": session.next_action, I18N_KEY: session.i18n}, "next_action")
    lines = [
        "# " + Text("Review: %(title)s", title=session.title).translated(),
        "",
        "- " + Text("Source: `%(source)s` (%(link)s)", source=session.source,
                    link=restore_text(context, "link") or session.source_kind).translated(),
        "- " + Text("Dataset: %(table)s (id %(id)s, %(kind)s, database %(database)s)", table=profile.get("table_name"),
                    id=session.dataset_id, kind=profile.get("kind"), database=profile.get("database")).translated(),
        "- " + Text("State: %(state)s; readiness %(readiness)s", state=session.state,
                    readiness=f"{session.readiness:.0%}").translated(),
        "- " + Text("Next action: %(action)s", action=next_action or "-").translated(),
        "- " + Text("Context recovery: %(status)s", status=context.get("status", "-")).translated(),
        "",
        "## " + Text("Columns").translated(),
        "",
        *_header(Text("Column"), Text("Type"), Text("Verbose name"), Text("Description")),
    ]  # fmt: skip
    lines += [
        f"| {_cell(c['column_name'])} | {_cell(c.get('type'))} | {_cell(c.get('verbose_name'))} | "
        f"{_cell(c.get('description'))} |"
        for c in profile.get("columns", [])
    ]
    lines += ["", "## " + Text("Findings").translated(), ""]
    findings = sorted(session.findings, key=lambda f: (_SEVERITY_ORDER.index(f.severity), f.id or 0))
    if not findings:
        lines.append(Text("No findings.").translated())
    lines += [_finding_line(finding) for finding in findings]
    filters = context.get("filters") or []
    lines += ["", "## " + Text("Filters").translated(), ""]
    if not filters:
        lines.append(Text("No native filters.").translated())
    else:
        lines += _header(Text("Filter"), Text("Column"), Text("Value"), Text("Provenance"), Text("Status"))
        lines += [
            f"| {_cell(f['name'])} | {_cell(f.get('column'))} | {_cell(f.get('value'))} | {f['provenance']} | "
            f"{f['status']} |"
            for f in filters
        ]
    lines += ["", "## " + Text("Template parameters and URL parameters").translated(), ""]
    params = {**(context.get("template_params") or {}), **(context.get("url_params") or {})}
    lines += [f"- `{name}` = `{_cell(value)}`" for name, value in params.items()] or [Text("None.").translated()]
    execution = session.execution or {}
    mappings = execution.get("mappings") or []
    lines += ["", "## " + Text("Execution mappings").translated(), ""]
    if not mappings:
        lines.append(Text("The dataset's SQL reads no template variable.").translated())
    else:
        lines += _header(
            Text("Variable"), Text("Kind"), Text("Value"), Text("Provenance"), Text("Confidence"), Text("Approval")
        )
        lines += [
            f"| {_cell(m['variable'])} | {m['kind']} | {_cell(m.get('value'))} | {m['provenance']} | "
            f"{m['confidence']:.0%} | {m['approval']} |"
            for m in mappings
        ]
    if profile.get("sql"):
        lines += ["", "## " + Text("Dataset SQL").translated(), "", "```sql", str(profile["sql"]).rstrip(), "```"]
    preview = execution.get("preview") or {}
    if preview.get("status") == "ready":
        heading = Text("Compiled SQL (stale: inputs changed since)") if preview.get("stale") else Text("Compiled SQL")
        fingerprint = Text(
            "Compiled by Superset; fingerprint `%(fingerprint)s`.", fingerprint=preview["fingerprint"][:12]
        ).translated()
        lines += ["", "## " + heading.translated(), "", fingerprint, "", "```sql", str(preview["sql"]).rstrip(), "```"]
    return "\n".join(lines) + "\n"
