"""The data-mode profile of a session's dataset: read in the database (as the user), then the data findings replace
the previous ones. Runs in the request for a synchronous start, or in the worker for a background one."""

from __future__ import annotations

from flask import current_app, g
from superset.extensions import db

from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, DatasetQueryError, get_dataset
from superset_review.extension.i18n import Text, texts_of
from superset_review.policy.manifest import Mode
from superset_review.profiling.findings import Finding
from superset_review.sessions.commands.lifecycle import OwnedSessionCommand, end_read, owners_rights, unit_of_work
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.models import ReviewFinding, ReviewSession, Severity
from superset_review.sessions.readiness import assess
from superset_review.tasks.progress import NO_PROGRESS, Progress

# Findings that only a data profile produces: a new profile replaces them, and no other finding.
DATA_FINDING_CODES = frozenset({"PII_EXPOSED", "COLUMN_ALWAYS_NULL", "DATABASE_UNREACHABLE"})


def read_data_profile(dataset: object) -> tuple[dict[str, object] | None, list[Finding]]:
    """The data profile (policy permitting: None otherwise) and the data findings, read in the dataset's database
    as the current user."""
    # Imported here: Polars loads on first use, not in every web worker's start (test_startup holds this).
    from superset_review.profiling.data_profile import data_profile

    policy = current_app.config["REVIEW_POLICY"]
    if policy.mode is not Mode.DATA_MODE:
        return None, []
    try:
        return data_profile(dataset, policy)
    except DatasetQueryError as ex:
        return None, [
            Finding("DATABASE_UNREACHABLE", Severity.BLOCKING, "dataset", None,
                    Text("The dataset's database did not answer: %(error)s", error=str(ex)),
                    Text("Check the database connection in Superset (Settings > Database Connections), then "
                         "profile the session again."))
        ]  # fmt: skip


def profile_data(session: ReviewSession, dataset: object) -> list[Finding]:
    """Compute the data profile into ``session.profile`` (policy permitting) and return the data findings."""
    data, findings = read_data_profile(dataset)
    if data is not None:
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
    # Reading the findings must not flush the changes made so far: that UPDATE and the one at commit would move the
    # version twice for one action.
    with db.session.no_autoflush:
        readiness = assess(session)
    session.state, session.readiness = readiness.state.value, readiness.readiness
    session.set_next_action(readiness.next_action)


class ProfileSessionDataCommand(OwnedSessionCommand):
    """No version check: it runs in the worker, later than the request, on whatever the session is by then.

    The data is read with the review owner's rights (their row-level security), whoever asked, and with no
    transaction of the review open: the review is read, the read ended, the database queried (the slow part), and
    the result saved on the review as it is by then, so an edit meanwhile neither waits nor conflicts."""

    def __init__(self, session_id: int, is_admin: bool, progress: Progress = NO_PROGRESS) -> None:
        super().__init__(session_id, is_admin)
        self._progress = progress

    def run(self) -> ReviewSession:
        self.validate()
        session = self._session
        assert session is not None
        self._progress.step(0, 2)
        with owners_rights(session):
            dataset = self._dataset(session.dataset_id)
            end_read()
            data, findings = read_data_profile(dataset)
        self._progress.step(1, 2)
        return self._save(data, findings)

    @staticmethod
    def _dataset(dataset_id: int) -> object:
        try:
            return get_dataset(dataset_id)
        except DatasetNotFoundError as ex:
            message = Text("The session's dataset %(dataset)s does not exist.", dataset=ex.dataset_id)
            raise ReviewSessionError(message, code="DATASET_UNAVAILABLE") from ex
        except DatasetAccessError as ex:
            message = Text(
                "You do not have access to the session's dataset %(dataset)s: ask its owner or an admin for access.",
                dataset=ex.dataset_id,
            )
            raise ReviewSessionError(message, code="DATASET_UNAVAILABLE") from ex

    @unit_of_work
    def _save(self, data: dict[str, object] | None, findings: list[Finding]) -> ReviewSession:
        self.validate()
        session = self._session
        assert session is not None
        # The findings are loaded before any change: a lazy load would flush a first UPDATE (two versions).
        kept = [row for row in session.findings if row.code not in DATA_FINDING_CODES]
        if data is not None:
            session.profile = {**(session.profile or {}), "data": data}
        session.findings = kept + [finding_row(finding) for finding in findings]
        refresh_readiness(session)
        statistics = (session.profile.get("data") or {}).get("statistics") or {}
        after = {"findings": len(findings), "rows": statistics.get("rows")}
        ReviewSessionDAO.add_event(session, g.user, "session.profiled", after=after)
        return session
