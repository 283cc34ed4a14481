from __future__ import annotations

import json
import uuid
from typing import Any, ClassVar

from flask import Response, g, request
from flask_appbuilder.api import expose, protect
from superset.extensions import security_manager

from superset_review.adapters.datasets import may_read
from superset_review.extension.api import ReviewBaseApi, safe
from superset_review.extension.constants import ADMIN, API_ROUTE_BASE, APPROVE, MANAGE, READ, VIEW_MENU
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.fields import MAX_ID
from superset_review.extension.i18n import Text, current_language
from superset_review.semantics import SourceKind
from superset_review.sessions.cache import cached_document, store_document
from superset_review.sessions.commands.lifecycle import ArchiveReviewSessionCommand, DeleteReviewSessionCommand
from superset_review.sessions.commands.semantics import (
    ApplySemanticsCommand,
    DecideSemanticsCommand,
    ImportDatasetSourceCommand,
    ImportDictionaryFileCommand,
    ImportDomainsSourceCommand,
)
from superset_review.sessions.commands.start import StartReviewSessionCommand
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.export import export_json, export_markdown
from superset_review.sessions.schemas import (
    DatasetSourceSchema,
    DecisionsSchema,
    ReviewSessionSchema,
    ReviewSessionSummarySchema,
    StartReviewSessionSchema,
    VersionSchema,
)
from superset_review.tasks.dao import ReviewTaskDAO
from superset_review.tasks.models import session_subject
from superset_review.tasks.schemas import TaskSchema

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the dictionary parser refuses more, with a message; read no further


def _is_task_id(value: str) -> bool:
    """A task id as the extension makes them (a UUID in its canonical form)."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def holds(permission: str) -> bool:
    """Whether the current user holds ``can_<permission>`` on DatasetReview, asked once per request (each check is a
    permission query)."""
    asked: dict[str, bool] = g.setdefault("review_permissions", {})
    if permission not in asked:
        asked[permission] = bool(security_manager.can_access(f"can_{permission}", VIEW_MENU))
    return asked[permission]


def is_admin() -> bool:
    return holds(ADMIN)


class SessionApi(ReviewBaseApi):
    """The base of the APIs under ``/sessions`` (a session error is answered by ReviewBaseApi.error_reply)."""

    route_base = f"{API_ROUTE_BASE}/sessions"

    def check_access(self, **path: Any) -> None:
        if "pk" in path:
            # An approver who is not the owner may see a review whose dataset they may read (get_visible's rule).
            ReviewSessionDAO.check_visible(path["pk"], g.user.id, is_admin(), holds(APPROVE))


class ReviewSessionRestApi(SessionApi):
    method_permission_name: ClassVar[dict[str, str]] = {
        "start": MANAGE,
        "list_sessions": READ,
        "get_session": READ,
        "archive": MANAGE,
        "delete_session": MANAGE,
        "export": READ,
        "import_dictionary": MANAGE,
        "import_dataset_source": MANAGE,
        "import_domains": MANAGE,
        "decide": MANAGE,
        "apply_semantics": MANAGE,
        "ai_draft": MANAGE,
        "profile": MANAGE,
        "get_task": READ,
    }
    openapi_spec_component_schemas = (
        DatasetSourceSchema,
        DecisionsSchema,
        StartReviewSessionSchema,
        ReviewSessionSchema,
        ReviewSessionSummarySchema,
        VersionSchema,
        TaskSchema,
    )

    @expose("/", methods=("POST",))
    @protect()
    @safe
    def start(self) -> Response:
        """Start a review from a Superset link or a dataset id.
        ---
        post:
          summary: Start a review session
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/StartReviewSessionSchema'
          responses:
            201:
              description: The session, with its recovered context, profile and findings
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ReviewSessionSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        payload = self.body(StartReviewSessionSchema())
        session = StartReviewSessionCommand(payload["source"], payload["dataset_id"], payload["background"]).run()
        return self.reply(201, **ReviewSessionSchema().dump(session))

    @expose("/", methods=("GET",))
    @protect()
    @safe
    def list_sessions(self) -> Response:
        """The current user's own sessions, most recent first.
        ---
        get:
          summary: List my review sessions
          parameters:
          - in: query
            name: archived
            schema: {type: boolean}
          responses:
            200:
              description: Sessions
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/ReviewSessionSummarySchema'
                      count: {type: integer}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        include_archived = request.args.get("archived", "false").lower() == "true"
        sessions = ReviewSessionDAO.list_owned(g.user.id, include_archived)
        return self.reply(200, result=ReviewSessionSummarySchema(many=True).dump(sessions), count=len(sessions))

    @expose("/<int:pk>", methods=("GET",))
    @protect()
    @safe
    def get_session(self, pk: int) -> Response:
        """One session (resume): context, profile, findings and event log.
        ---
        get:
          summary: Get a review session
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            200:
              description: The session
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ReviewSessionSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        # The document is in the reader's language (its kept texts are translated when dumped).
        # An approver who is not the owner reads the review they are asked to approve (their dataset access
        # permitting).
        key = ReviewSessionDAO.document_key(pk, g.user.id, is_admin(), holds(APPROVE))
        # In the reader's language, with the data profile only for readers of the dataset (see the schema).
        key = f"{key}:{current_language()}:{int(may_read(ReviewSessionDAO.dataset_of(pk)))}"
        document = cached_document(key)
        if document is None:
            session = ReviewSessionDAO.get_visible(pk, g.user.id, is_admin(), holds(APPROVE))
            document = json.dumps(ReviewSessionSchema().dump(session), default=str).encode()
            store_document(key, document)
        return Response(document, status=200, mimetype="application/json")

    @expose("/<int:pk>/export", methods=("GET",))
    @protect()
    @safe
    def export(self, pk: int) -> Response:
        """The review as Markdown or JSON, as a download.
        ---
        get:
          summary: Export a review session
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          - in: query
            name: format
            schema: {type: string, enum: [md, json], default: md}
          responses:
            200:
              description: The export
              content:
                text/markdown: {}
                application/json: {}
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
        """
        kind = request.args.get("format", "md")
        if kind not in ("md", "json"):
            raise ReviewError(Text("format must be md or json"), ErrorCode.INVALID_REQUEST)
        session = ReviewSessionDAO.get_visible(pk, g.user.id, is_admin())
        if kind == "json":
            body, mimetype = json.dumps(export_json(session), indent=2), "application/json"
        else:
            body, mimetype = export_markdown(session), "text/markdown"
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="review-{session.id}.{kind}"'
        return response

    def _semantics(self, command: Any) -> Response:
        session = command.run()
        return self.reply(200, **ReviewSessionSchema().dump(session))

    @expose("/<int:pk>/semantics/dictionary", methods=("POST",))
    @protect()
    @safe
    def import_dictionary(self, pk: int) -> Response:
        """Import a dictionary file (CSV, XLSX, JSON): candidates for every column; accepted and locked values stay.
        ---
        post:
          summary: Import a dictionary file
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
                    version: {type: integer}
          responses:
            200:
              description: The session with its semantic layer
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The session changed since it was loaded
        """
        upload = request.files.get("file")
        try:
            version = int(request.form.get("version", ""))
        except ValueError:
            version = 0
        if upload is None or not 1 <= version <= MAX_ID:
            raise ReviewError(
                Text("send a 'file' and the session's 'version' (multipart form)"), ErrorCode.INVALID_REQUEST
            )
        data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        return self._semantics(
            ImportDictionaryFileCommand(pk, is_admin(), version, upload.filename or "dictionary", data)
        )

    @expose("/<int:pk>/semantics/dataset_source", methods=("POST",))
    @protect()
    @safe
    def import_dataset_source(self, pk: int) -> Response:
        """Import a reference dataset or a dictionary table (any Superset dataset with name/description columns).
        ---
        post:
          summary: Import a Superset dataset as a source of meanings
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/DatasetSourceSchema'
          responses:
            200:
              description: The session with its semantic layer
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The session changed since it was loaded
        """
        payload = self.body(DatasetSourceSchema())
        kind = SourceKind.REFERENCE_DATASET if payload["kind"] == "reference_dataset" else SourceKind.DICTIONARY_TABLE
        return self._semantics(
            ImportDatasetSourceCommand(
                pk, is_admin(), payload["version"], payload["dataset_id"], kind,
                payload["name_column"], payload["verbose_column"], payload["description_column"],
            )
        )  # fmt: skip

    @expose("/<int:pk>/semantics/domains", methods=("POST",))
    @protect()
    @safe
    def import_domains(self, pk: int) -> Response:
        """Import the column domains of the review's dataset (domaining's proposals and decisions) as candidates,
        each with the domain's confidence and rationale; accepted and locked values stay.
        ---
        post:
          summary: Import the dataset's column domains as a source of meanings
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/VersionSchema'
          responses:
            200:
              description: The session with its semantic layer
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The session changed since it was loaded
            422:
              description: No column of the dataset has a domain yet
        """
        version = self.body(VersionSchema())["version"]
        return self._semantics(ImportDomainsSourceCommand(pk, is_admin(), version))

    @expose("/<int:pk>/semantics/decisions", methods=("POST",))
    @protect()
    @safe
    def decide(self, pk: int) -> Response:
        """Accept, reject, override, lock or unlock fields, in one all-or-nothing batch.
        ---
        post:
          summary: Decide on semantic candidates
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/DecisionsSchema'
          responses:
            200:
              description: The session with its semantic layer
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The session changed since it was loaded
        """
        payload = self.body(DecisionsSchema())
        return self._semantics(DecideSemanticsCommand(pk, is_admin(), payload["version"], payload["decisions"]))

    @expose("/<int:pk>/semantics/apply", methods=("POST",))
    @protect()
    @safe
    def apply_semantics(self, pk: int) -> Response:
        """Write accepted meanings to the Superset dataset (you must own it or be an admin).
        ---
        post:
          summary: Apply accepted meanings to the dataset
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/VersionSchema'
          responses:
            200:
              description: The session, with the before/after in its event log
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The session changed since it was loaded
        """
        version = self.body(VersionSchema())["version"]
        return self._semantics(ApplySemanticsCommand(pk, is_admin(), version))

    @expose("/<int:pk>/semantics/ai_draft", methods=("POST",))
    @protect()
    @safe
    def ai_draft(self, pk: int) -> Response:
        """Queue AI drafts for columns with no meaning on offer; the task shows in the session's tasks.
        ---
        post:
          summary: Draft missing meanings with the LLM (a Celery task)
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            202:
              description: Queued (or the same work already queued or running); the task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TaskSchema'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.tasks.semantics import draft_meanings

        return self._queue(pk, "ai_draft", draft_meanings)

    @expose("/<int:pk>/profile", methods=("POST",))
    @protect()
    @safe
    def profile(self, pk: int) -> Response:
        """Read the data profile again (policy permitting), in the worker; the data findings are replaced.
        ---
        post:
          summary: Profile the session's data again (a Celery task)
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            202:
              description: Queued (or the same work already queued or running); the task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TaskSchema'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.tasks.profiling import profile_session_data

        return self._queue(pk, "profile", profile_session_data)

    def _queue(self, pk: int, kind: str, task: Any) -> Response:
        """202 with the task; the same work asked again while it is queued or running answers that task."""
        from superset_review.tasks.progress import queue_task, queued_status

        ReviewSessionDAO.get_visible(pk, g.user.id, is_admin())
        record, _ = queue_task(kind, session_subject(pk), task, pk, is_admin())
        return self.reply(queued_status(record), **TaskSchema().dump(record))

    @expose("/<int:pk>/tasks/<string:task_id>", methods=("GET",))
    @protect()
    @safe
    def get_task(self, pk: int, task_id: str) -> Response:
        """One background task of a session: its state, progress (done/total, an ETA) and, when failed, why.
        ---
        get:
          summary: Get a task of a review session
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          - {in: path, name: task_id, schema: {type: string}}
          responses:
            200:
              description: The task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TaskSchema'
            404:
              $ref: '#/components/responses/404'
        """
        ReviewSessionDAO.get_visible(pk, g.user.id, is_admin(), holds(APPROVE))
        ReviewTaskDAO.fail_orphans(session_subject(pk))
        # An id is a UUID: anything else (too long, control characters) is simply not one of this review's tasks.
        record = ReviewTaskDAO.by_uuid(task_id) if _is_task_id(task_id) else None
        if record is None or record.subject != session_subject(pk):
            raise ReviewError(
                Text("task %(task)s of this review does not exist", task=task_id[:36]), ErrorCode.NOT_FOUND
            )
        return self.reply(200, **TaskSchema().dump(record))

    @expose("/<int:pk>/archive", methods=("POST",))
    @protect()
    @safe
    def archive(self, pk: int) -> Response:
        """Archive a session (it leaves the default list; it is kept).
        ---
        post:
          summary: Archive a review session
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/VersionSchema'
          responses:
            200:
              description: The archived session
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The session changed since it was loaded
        """
        version = self.body(VersionSchema())["version"]
        session = ArchiveReviewSessionCommand(pk, is_admin(), version).run()
        return self.reply(200, **ReviewSessionSummarySchema().dump(session))

    @expose("/<int:pk>", methods=("DELETE",))
    @protect()
    @safe
    def delete_session(self, pk: int) -> Response:
        """Delete a session and its event log.
        ---
        delete:
          summary: Delete a review session
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            200:
              description: Deleted
            404:
              $ref: '#/components/responses/404'
        """
        DeleteReviewSessionCommand(pk, is_admin()).run()
        return self.reply(200, message=Text("deleted"))
