"""Start a review from a Superset link or a dataset id: parse, recover the context as the user, profile,
find problems, persist."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from superset.commands.base import BaseCommand
from superset.extensions import db
from superset.utils.decorators import transaction

from superset_review.adapters.compile import check_sql, render_dataset_sql
from superset_review.adapters.context import ContextError, RecoveredContext, Recovery, recover
from superset_review.adapters.datasets import DatasetAccessError, DatasetNotFoundError, get_dataset
from superset_review.execution.mappings import dump_mappings
from superset_review.extension.i18n import Text, keep_texts
from superset_review.extension.transaction import reraise_as_is
from superset_review.intake.jinja import find_template_variables
from superset_review.intake.links import LinkError, LinkTarget, describe, parse_link
from superset_review.policy.manifest import Mode
from superset_review.profiling.findings import (
    Finding,
    column_findings,
    filter_findings,
    sql_findings,
    template_findings,
)
from superset_review.profiling.profile import metadata_profile
from superset_review.sessions.commands.execution import initial_mappings
from superset_review.sessions.commands.profile import finding_row, profile_data, refresh_readiness
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.models import ReviewSession, SessionState, Severity


class StartReviewSessionCommand(BaseCommand):
    def __init__(self, source: str, dataset_id: int | None = None, background: bool = False) -> None:
        self._source = source.strip()
        self._dataset_id = dataset_id
        self._background = background
        self._target: LinkTarget | None = None
        self._context: RecoveredContext | None = None

    def validate(self) -> None:
        try:
            self._target = parse_link(self._source)
        except LinkError as ex:
            raise ReviewSessionError(ex.message, code=str(ex.code)) from ex
        try:
            self._context = recover(self._target, self._dataset_id)
        except ContextError as ex:
            raise ReviewSessionError(ex.message, code=ex.code) from ex
        except DatasetNotFoundError as ex:
            raise ReviewSessionError(ex.message, code="DATASET_NOT_FOUND") from ex
        except DatasetAccessError as ex:
            raise ReviewSessionError(ex.message, code="DATASET_FORBIDDEN") from ex

    def run(self) -> ReviewSession:
        session: ReviewSession = self._create()
        if self._background and current_app.config["REVIEW_POLICY"].mode is Mode.DATA_MODE:
            self._queue_data_profile(session)  # after the commit: the worker must find the session
        return session

    @transaction(on_error=reraise_as_is)
    def _create(self) -> ReviewSession:
        self.validate()
        assert self._target is not None and self._context is not None
        context = self._context
        dataset = get_dataset(context.dataset_id)
        profile = metadata_profile(dataset)
        findings = self._findings(dataset, context, profile)
        session = ReviewSession(
            owner_id=g.user.id,
            source_kind=context.source_kind,
            source=self._source,
            dataset_id=context.dataset_id,
            dashboard_id=context.dashboard_id,
            title=f"{context.dataset_name}" + (f" from {context.dashboard_title}" if context.dashboard_title else ""),
            state=SessionState.IMPORTING.value,
            # The link's description is a Text: kept beside it (the session's reader translates the context).
            context=dict(keep_texts(context.to_dict(), link=describe(self._target))),
            profile=profile,
        )
        session.execution = {"mappings": dump_mappings(initial_mappings(dataset, session.context))}
        background = self._background and current_app.config["REVIEW_POLICY"].mode is Mode.DATA_MODE
        if not background:
            findings += profile_data(session, dataset)
        session.findings = [finding_row(finding) for finding in findings]
        refresh_readiness(session)
        if background:
            session.state = SessionState.IMPORTING.value
            session.set_next_action(Text("Reading the data profile..."))
        db.session.add(session)
        ReviewSessionDAO.add_event(
            session,
            g.user,
            "session.started",
            after={"source": self._source, "dataset_id": context.dataset_id, "state": session.state,
                   "recovery": context.status.value, "findings": len(findings)},
        )  # fmt: skip
        return session

    @staticmethod
    def _queue_data_profile(session: ReviewSession) -> None:
        """The data profile in the worker; the session is readable meanwhile and lists the task."""
        from superset_review.tasks.models import session_subject
        from superset_review.tasks.profiling import profile_session_data
        from superset_review.tasks.progress import queue_task

        queue_task("profile", session_subject(session.id), profile_session_data, session.id, False)

    @staticmethod
    def _findings(dataset: Any, context: RecoveredContext, profile: dict[str, Any]) -> list[Finding]:
        findings: list[Finding] = []
        if dataset.sql:
            scan = find_template_variables(dataset.sql)
            findings += template_findings(scan, context)
            if scan.parse_error is None:
                try:
                    rendered = render_dataset_sql(dataset, context.url_params)
                except Exception as ex:  # noqa: BLE001 - Superset's template errors become a finding
                    findings.append(
                        Finding("TEMPLATE_RENDER_ERROR", Severity.BLOCKING, "sql", None,
                                Text("Superset cannot render the dataset's Jinja: %(error)s", error=str(ex)),
                                Text("Fix the template."))
                    )  # fmt: skip
                else:
                    checked = check_sql(rendered, dataset.database.db_engine_spec.engine)
                    findings += sql_findings(checked.single_statement, checked.read_only, checked.error)
        findings += filter_findings(context, {column["column_name"] for column in profile["columns"]})
        findings += column_findings(profile["columns"])
        if context.status is Recovery.PARTIAL and not context.notes:
            findings.append(
                Finding("CONTEXT_PARTIAL", Severity.WARNING, "dataset", None,
                        Text("Part of the link's context could not be recovered; see the filters marked partial."))
            )  # fmt: skip
        return findings
