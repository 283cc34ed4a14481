"""Where a session stands and what the user should do next, from its findings."""

from __future__ import annotations

from dataclasses import dataclass

from superset_review.extension.i18n import I18N_KEY, Text, restore_text
from superset_review.sessions.models import ReviewFinding, ReviewSession, SessionState, Severity


@dataclass(frozen=True)
class Readiness:
    state: SessionState
    readiness: float
    next_action: Text


def _kept_message(finding: ReviewFinding) -> str:
    return restore_text({"message": finding.message, I18N_KEY: finding.i18n}, "message") or ""


def assess(session: ReviewSession) -> Readiness:
    open_findings = [f for f in session.findings if f.status == "open"]
    blocking = [f for f in open_findings if f.severity == Severity.BLOCKING.value]
    undocumented = [f for f in open_findings if f.code == "COLUMN_NO_DESCRIPTION"]
    columns = max(len(session.profile.get("columns", [])), 1)
    readiness = round(max(0.0, 1.0 - 0.5 * min(len(blocking), 1) - 0.5 * len(undocumented) / columns), 3)
    if blocking:
        first = blocking[0]
        return Readiness(
            SessionState.REVIEW_READY, readiness, Text("Resolve: %(finding)s", finding=_kept_message(first))
        )
    clarification = session.clarification or {}
    if clarification.get("status") == "active" and clarification.get("current"):
        return Readiness(
            SessionState.CLARIFICATION_ACTIVE, readiness, Text("Answer the current clarification question.")
        )
    execution = session.execution or {}
    preview = execution.get("preview") or {}
    if preview.get("status") == "failed":
        first_error = next(
            (restore_text(d, "message") for d in preview.get("diagnostics") or [] if d["severity"] == "error"), ""
        )
        return Readiness(
            SessionState.RECOVERY_REQUIRED, readiness, Text("Fix the preview: %(error)s", error=first_error)
        )
    pending = [m["variable"] for m in execution.get("mappings") or [] if m.get("approval") == "pending"]
    if pending:
        return Readiness(
            SessionState.MAPPING_REVIEW_NEEDED, readiness,
            Text("Approve or change the value of %(variables)s (needs can_approve).", variables=", ".join(pending)),
        )  # fmt: skip
    last_run = execution.get("last_run") or {}
    if preview.get("status") == "ready" and not preview.get("stale"):
        if last_run.get("fingerprint") == preview.get("fingerprint"):
            return Readiness(SessionState.COMPLETED, readiness, Text("Launched in SQL Lab; export the review."))
        return Readiness(SessionState.RUN_READY, readiness, Text("Launch the previewed SQL in SQL Lab."))
    if preview.get("status") == "ready":
        return Readiness(SessionState.COMPILED_PREVIEW_READY, readiness, Text("Inputs changed: preview the SQL again."))
    if undocumented:
        return Readiness(
            SessionState.SEMANTIC_SOURCE_REVIEW_NEEDED,
            readiness,
            Text("Document %(count)d column(s): import a dictionary or accept candidates.", count=len(undocumented)),
        )
    return Readiness(SessionState.REVIEW_READY, readiness, Text("Review the summary, then preview the SQL."))
