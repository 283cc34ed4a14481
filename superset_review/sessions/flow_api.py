"""Clarification (behind DATASET_REVIEW_CLARIFICATION) and execution (preview and launch behind
DATASET_REVIEW_EXECUTION) of a review session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import Response, g
from flask_appbuilder.api import expose, protect
from superset.extensions import db

from superset_review.extension.api import safe
from superset_review.extension.constants import (
    APPROVE,
    FLAG_CLARIFICATION,
    FLAG_EXECUTION,
    LAUNCH,
    LAUNCH_PROD,
    MANAGE,
    PREVIEW,
    READ,
)
from superset_review.extension.i18n import localize
from superset_review.sessions.api import SessionApi, holds, is_admin
from superset_review.sessions.commands.clarification import (
    AnswerQuestionCommand,
    FinishClarificationCommand,
    PauseClarificationCommand,
    SkipQuestionCommand,
    StartClarificationCommand,
)
from superset_review.sessions.commands.execution import (
    ApproveMappingsCommand,
    LaunchCommand,
    PreviewCommand,
    UpdateMappingsCommand,
)
from superset_review.sessions.commands.lifecycle import OwnedSessionCommand
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.flow_schemas import (
    AnswerSchema,
    ApprovalSchema,
    MappingChangesSchema,
    RunSchema,
    TopicActionSchema,
)
from superset_review.sessions.models import ReviewRun, ReviewSession
from superset_review.sessions.schemas import ReviewSessionSchema, VersionSchema


class _FlowApi(SessionApi):
    def _run_versioned(self, command: Callable[[int], OwnedSessionCommand]) -> Response:
        """Run the command made for the session version the body names (400 without one)."""
        version = self.body(VersionSchema())["version"]
        return self._run(command(version))

    def _run(self, command: OwnedSessionCommand, code: int = 200, **extra: Any) -> Response:
        session = command.run()
        return self.reply(code, **ReviewSessionSchema().dump(session), **extra)


class ClarificationRestApi(_FlowApi):
    feature_flag = FLAG_CLARIFICATION
    method_permission_name: ClassVar[dict[str, str]] = {
        "get_clarification": READ, "start_clarification": MANAGE, "answer": MANAGE, "skip": MANAGE,
        "expert": MANAGE, "pause": MANAGE, "finish": MANAGE,
    }  # fmt: skip
    openapi_spec_component_schemas = (AnswerSchema, TopicActionSchema)

    @expose("/<int:pk>/clarification", methods=("GET",))
    @protect()
    @safe
    def get_clarification(self, pk: int) -> Response:
        """The clarification of a session: its topics, the current question, answers and changes.
        ---
        get:
          summary: Get the clarification state
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: The clarification (null when not started)}
            404: {$ref: '#/components/responses/404'}
        """
        session = ReviewSessionDAO.get_visible(pk, g.user.id, is_admin())
        # The kept Texts of questions, options and changes in the reader's language, as the session's GET has them.
        clarification = localize(session.clarification) or None
        current = None
        if clarification and clarification.get("current"):
            current = next(t for t in clarification["topics"] if t["key"] == clarification["current"])
        return self.reply(200, clarification=clarification, current=current, version=session.version)

    @expose("/<int:pk>/clarification/start", methods=("POST",))
    @protect()
    @safe
    def start_clarification(self, pk: int) -> Response:
        """Start the dialog, or resume it where it was left (answers and the current question are kept).
        ---
        post:
          summary: Start or resume clarification
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VersionSchema'}
          responses:
            200: {description: The session}
            404: {$ref: '#/components/responses/404'}
            409: {description: The session changed since it was loaded}
        """
        return self._run_versioned(lambda version: StartClarificationCommand(pk, is_admin(), version))

    @expose("/<int:pk>/clarification/answer", methods=("POST",))
    @protect()
    @safe
    def answer(self, pk: int) -> Response:
        """Answer the current question (an offered option or a free value). The same answer twice is a no-op; a
        different answer to an answered question is refused with 409.
        ---
        post:
          summary: Answer the current question
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/AnswerSchema'}
          responses:
            200: {description: The session, with the next question current}
            400: {$ref: '#/components/responses/400'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Not the current question, a conflicting answer, or a stale version}
        """
        body = self.body(AnswerSchema())
        command = AnswerQuestionCommand(pk, is_admin(), body["version"], body["topic"], body["option"],
                                        body["value"], holds(APPROVE))  # fmt: skip
        response = self._run(command)
        if response.status_code == 200 and command.duplicate:
            response.headers["X-Review-Duplicate"] = "true"
        return response

    def _topic_action(self, pk: int, expert: bool) -> Response:
        body = self.body(TopicActionSchema())
        return self._run(SkipQuestionCommand(pk, is_admin(), body["version"], body["topic"], expert=expert))

    @expose("/<int:pk>/clarification/skip", methods=("POST",))
    @protect()
    @safe
    def skip(self, pk: int) -> Response:
        """Skip the current question: it stays visible as unresolved.
        ---
        post:
          summary: Skip the current question
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/TopicActionSchema'}
          responses:
            200: {description: The session}
            409: {description: Not the current question, or a stale version}
        """
        return self._topic_action(pk, expert=False)

    @expose("/<int:pk>/clarification/expert", methods=("POST",))
    @protect()
    @safe
    def expert(self, pk: int) -> Response:
        """Mark the current question for expert review (deferred; never counted as resolved).
        ---
        post:
          summary: Defer the current question to an expert
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/TopicActionSchema'}
          responses:
            200: {description: The session}
            409: {description: Not the current question, or a stale version}
        """
        return self._topic_action(pk, expert=True)

    @expose("/<int:pk>/clarification/pause", methods=("POST",))
    @protect()
    @safe
    def pause(self, pk: int) -> Response:
        """Pause the dialog; start resumes it at the same question.
        ---
        post:
          summary: Pause clarification
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VersionSchema'}
          responses:
            200: {description: The session}
        """
        return self._run_versioned(lambda version: PauseClarificationCommand(pk, is_admin(), version))

    @expose("/<int:pk>/clarification/finish", methods=("POST",))
    @protect()
    @safe
    def finish(self, pk: int) -> Response:
        """Leave the dialog with a summary of what changed.
        ---
        post:
          summary: Finish clarification
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VersionSchema'}
          responses:
            200: {description: The session and the summary}
        """
        return self._run_versioned(lambda version: FinishClarificationCommand(pk, is_admin(), version))


class MappingRestApi(_FlowApi):
    feature_flag = FLAG_EXECUTION  # the mappings (and their runs) are the execution's, like preview and launch
    method_permission_name: ClassVar[dict[str, str]] = {"update_mappings": MANAGE, "approve_mappings": APPROVE,
                                                        "list_runs": READ}  # fmt: skip
    openapi_spec_component_schemas = (MappingChangesSchema, ApprovalSchema, RunSchema)

    @expose("/<int:pk>/mappings", methods=("PUT",))
    @protect()
    @safe
    def update_mappings(self, pk: int) -> Response:
        """Set variables' values by hand, each with a reason; the preview becomes stale.
        ---
        put:
          summary: Override mapping values
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/MappingChangesSchema'}
          responses:
            200: {description: The session}
            400: {$ref: '#/components/responses/400'}
            409: {description: The session changed since it was loaded}
        """
        body = self.body(MappingChangesSchema())
        return self._run(UpdateMappingsCommand(pk, is_admin(), body["version"], body["changes"], holds(APPROVE)))

    @expose("/<int:pk>/mappings/approve", methods=("POST",))
    @protect()
    @safe
    def approve_mappings(self, pk: int) -> Response:
        """Approve mappings that need it (low confidence, transformed or manual values); needs can_approve.
        ---
        post:
          summary: Approve mappings (batch)
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ApprovalSchema'}
          responses:
            200: {description: The session}
            403: {$ref: '#/components/responses/403'}
            409: {description: The session changed since it was loaded}
        """
        body = self.body(ApprovalSchema())
        return self._run(ApproveMappingsCommand(pk, is_admin(), body["version"], body["variables"]))

    @expose("/<int:pk>/runs", methods=("GET",))
    @protect()
    @safe
    def list_runs(self, pk: int) -> Response:
        """The session's run contexts, newest first (immutable audit records).
        ---
        get:
          summary: List the runs of a session
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Runs}
            404: {$ref: '#/components/responses/404'}
        """
        ReviewSessionDAO.get_visible(pk, g.user.id, is_admin())
        runs = db.session.query(ReviewRun).filter(ReviewRun.session_id == pk).order_by(ReviewRun.id.desc()).all()
        return self.reply(200, result=RunSchema(many=True).dump(runs), count=len(runs))


class ExecutionRestApi(_FlowApi):
    feature_flag = FLAG_EXECUTION
    method_permission_name: ClassVar[dict[str, str]] = {"preview": PREVIEW, "launch": LAUNCH}

    @expose("/<int:pk>/preview", methods=("POST",))
    @protect()
    @safe
    def preview(self, pk: int) -> Response:
        """Compile the SQL with the mapped values by Superset's template processor; diagnostics on failure.
        ---
        post:
          summary: Compiled preview
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VersionSchema'}
          responses:
            200: {description: The session; execution.preview holds the SQL or the diagnostics}
            409: {description: The session changed since it was loaded}
        """
        return self._run_versioned(lambda version: PreviewCommand(pk, is_admin(), version))

    @expose("/<int:pk>/launch", methods=("POST",))
    @protect()
    @safe
    def launch(self, pk: int) -> Response:
        """Open the previewed SQL in a new SQL Lab tab when every gate passes; an immutable run context is
        recorded for every attempt.
        ---
        post:
          summary: Launch in SQL Lab
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VersionSchema'}
          responses:
            201: {description: The session, the run and the SQL Lab URL}
            403: {$ref: '#/components/responses/403'}
            409: {description: A gate failed (gates lists which), or the session changed}
        """
        version = self.body(VersionSchema())["version"]
        command = LaunchCommand(pk, is_admin(), version, holds(LAUNCH_PROD))
        session: ReviewSession = command.run()
        run = RunSchema().dump(command.run_record)
        return self.reply(201, **ReviewSessionSchema().dump(session), run=run, sqllab_url=run["sqllab_url"])
