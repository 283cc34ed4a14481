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
    if undocumented:
        return Readiness(
            SessionState.SEMANTIC_SOURCE_REVIEW_NEEDED,
            readiness,
            f"Document {len(undocumented)} column(s): import a dictionary or accept candidates.",
        )
    return Readiness(SessionState.REVIEW_READY, readiness, "Review the summary, then preview the SQL.")
