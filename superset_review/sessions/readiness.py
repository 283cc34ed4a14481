"""Where a session stands and what the user should do next, from its findings."""

from __future__ import annotations

from dataclasses import dataclass

from superset_review.sessions.models import ReviewSession, SessionState, Severity


@dataclass(frozen=True)
class Readiness:
    state: SessionState
    readiness: float
    next_action: str


def assess(session: ReviewSession) -> Readiness:
    open_findings = [f for f in session.findings if f.status == "open"]
    blocking = [f for f in open_findings if f.severity == Severity.BLOCKING.value]
    undocumented = [f for f in open_findings if f.code == "COLUMN_NO_DESCRIPTION"]
    columns = max(len(session.profile.get("columns", [])), 1)
    readiness = round(max(0.0, 1.0 - 0.5 * min(len(blocking), 1) - 0.5 * len(undocumented) / columns), 3)
    if blocking:
        first = blocking[0]
        return Readiness(SessionState.REVIEW_READY, readiness, f"Resolve: {first.message}")
    clarification = session.clarification or {}
    if clarification.get("status") == "active" and clarification.get("current"):
        return Readiness(SessionState.CLARIFICATION_ACTIVE, readiness, "Answer the current clarification question.")
    execution = session.execution or {}
    preview = execution.get("preview") or {}
    if preview.get("status") == "failed":
        first_error = next((d["message"] for d in preview.get("diagnostics") or [] if d["severity"] == "error"), "")
        return Readiness(SessionState.RECOVERY_REQUIRED, readiness, f"Fix the preview: {first_error}")
    pending = [m["variable"] for m in execution.get("mappings") or [] if m.get("approval") == "pending"]
    if pending:
        return Readiness(
            SessionState.MAPPING_REVIEW_NEEDED, readiness,
            f"Approve or change the value of {', '.join(pending)} (needs can_approve).",
        )  # fmt: skip
    last_run = execution.get("last_run") or {}
    if preview.get("status") == "ready" and not preview.get("stale"):
        if last_run.get("fingerprint") == preview.get("fingerprint"):
            return Readiness(SessionState.COMPLETED, readiness, "Launched in SQL Lab; export the review.")
        return Readiness(SessionState.RUN_READY, readiness, "Launch the previewed SQL in SQL Lab.")
    if preview.get("status") == "ready":
        return Readiness(SessionState.COMPILED_PREVIEW_READY, readiness, "Inputs changed: preview the SQL again.")
    if undocumented:
        return Readiness(
            SessionState.SEMANTIC_SOURCE_REVIEW_NEEDED,
            readiness,
            f"Document {len(undocumented)} column(s): import a dictionary or accept candidates.",
        )
    return Readiness(SessionState.REVIEW_READY, readiness, "Review the summary, then preview the SQL.")
