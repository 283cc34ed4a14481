"""The data-mode profile of a session's dataset: read in the database (as the user), then the data findings replace
the previous ones. Runs in the request for a synchronous start, or in the worker for a background one."""

from __future__ import annotations

from flask import current_app, g

from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, DatasetQueryError, get_dataset
from superset_review.extension.i18n import Text, texts_of
from superset_review.policy.manifest import Mode
from superset_review.profiling.data_profile import data_profile
from superset_review.profiling.findings import Finding
from superset_review.sessions.commands.lifecycle import OwnedSessionCommand, unit_of_work
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.models import ReviewFinding, ReviewSession, Severity
from superset_review.sessions.readiness import assess

# Findings that only a data profile produces: a new profile replaces them, and no other finding.
DATA_FINDING_CODES = frozenset({"PII_EXPOSED", "COLUMN_ALWAYS_NULL", "DATABASE_UNREACHABLE"})


def profile_data(session: ReviewSession, dataset: object) -> list[Finding]:
    """Compute the data profile into ``session.profile`` (policy permitting) and return the data findings."""
    policy = current_app.config["REVIEW_POLICY"]
    if policy.mode is not Mode.DATA_MODE:
        return []
    try:
        data, findings = data_profile(dataset, policy)
    except DatasetQueryError as ex:
        return [
            Finding("DATABASE_UNREACHABLE", Severity.BLOCKING, "dataset", None,
                    Text("The dataset's database did not answer: %(error)s", error=str(ex)),
                    Text("Check the database connection in Superset (Settings > Database Connections), then "
                         "profile the session again."))
        ]  # fmt: skip
    session.profile = {**(session.profile or {}), "data": data}
    return findings


def finding_row(finding: Finding) -> ReviewFinding:
    return ReviewFinding(
        code=finding.code,
        severity=finding.severity.value,
        target_kind=finding.target_kind,
        target=finding.target,
        message=finding.message,
        suggested_fix=finding.suggested_fix,
        i18n=texts_of(message=finding.message, suggested_fix=finding.suggested_fix) or None,
        status="open",
    )


def refresh_readiness(session: ReviewSession) -> None:
    readiness = assess(session)
    session.state, session.readiness = readiness.state.value, readiness.readiness
    session.set_next_action(readiness.next_action)


class ProfileSessionDataCommand(OwnedSessionCommand):
    """No version check: it runs in the worker, later than the request, on whatever the session is by then."""

    @unit_of_work
    def run(self) -> ReviewSession:
        self.validate()
        session = self._session
        assert session is not None
        try:
            dataset = get_dataset(session.dataset_id)
        except DatasetNotFoundError as ex:
            message = Text("The session's dataset %(dataset)s does not exist.", dataset=ex.dataset_id)
            raise ReviewSessionError(message, code="DATASET_UNAVAILABLE", status=422) from ex
        except DatasetAccessError as ex:
            message = Text(
                "You do not have access to the session's dataset %(dataset)s: ask its owner or an admin for access.",
                dataset=ex.dataset_id,
            )
            raise ReviewSessionError(message, code="DATASET_UNAVAILABLE", status=422) from ex
        findings = profile_data(session, dataset)
        kept = [row for row in session.findings if row.code not in DATA_FINDING_CODES]
        session.findings = kept + [finding_row(finding) for finding in findings]
        refresh_readiness(session)
        statistics = (session.profile.get("data") or {}).get("statistics") or {}
        after = {"findings": len(findings), "rows": statistics.get("rows")}
        ReviewSessionDAO.add_event(session, g.user, "session.profiled", after=after)
        return session
