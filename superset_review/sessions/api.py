from __future__ import annotations

import json
from typing import ClassVar

from flask import Response, g, request
from flask_appbuilder.api import expose, protect, safe
from marshmallow import ValidationError
from superset.extensions import db, security_manager

from superset_review.extension.api import ReviewBaseApi
from superset_review.extension.constants import ADMIN, API_ROUTE_BASE, MANAGE, READ, VIEW_MENU
from superset_review.sessions.commands.lifecycle import ArchiveReviewSessionCommand, DeleteReviewSessionCommand
from superset_review.sessions.commands.start import StartReviewSessionCommand
from superset_review.sessions.dao import ReviewSessionDAO
from superset_review.sessions.exceptions import ReviewSessionError
from superset_review.sessions.export import export_json, export_markdown
from superset_review.sessions.schemas import (
    ReviewSessionSchema,
    ReviewSessionSummarySchema,
    StartReviewSessionSchema,
    VersionSchema,
)


def _is_admin() -> bool:
    return bool(security_manager.can_access(f"can_{ADMIN}", VIEW_MENU))


class ReviewSessionRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/sessions"
    method_permission_name: ClassVar[dict[str, str]] = {
        "start": MANAGE,
        "list_sessions": READ,
        "get_session": READ,
        "archive": MANAGE,
        "delete_session": MANAGE,
        "export": READ,
    }
    openapi_spec_component_schemas = (
        StartReviewSessionSchema,
        ReviewSessionSchema,
        ReviewSessionSummarySchema,
        VersionSchema,
    )

    def _error(self, error: ReviewSessionError) -> Response:
        db.session.rollback()
        response: Response = self.response(error.status, message=error.message, error_code=error.code)
        return response

    def _bad_request(self, error: ValidationError) -> Response:
        response: Response = self.response_400(message=error.messages)
        return response

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
        try:
            payload = StartReviewSessionSchema().load(request.json or {})
        except ValidationError as error:
            return self._bad_request(error)
        try:
            session = StartReviewSessionCommand(payload["source"], payload["dataset_id"]).run()
        except ReviewSessionError as error:
            return self._error(error)
        response: Response = self.response(201, **ReviewSessionSchema().dump(session))
        return response

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
        response: Response = self.response(
            200, result=ReviewSessionSummarySchema(many=True).dump(sessions), count=len(sessions)
        )
        return response

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
        try:
            session = ReviewSessionDAO.get_visible(pk, g.user.id, _is_admin())
        except ReviewSessionError as error:
            return self._error(error)
        response: Response = self.response(200, **ReviewSessionSchema().dump(session))
        return response

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
            response: Response = self.response_400(message="format must be md or json")
            return response
        try:
            session = ReviewSessionDAO.get_visible(pk, g.user.id, _is_admin())
        except ReviewSessionError as error:
            return self._error(error)
        if kind == "json":
            body, mimetype = json.dumps(export_json(session), indent=2), "application/json"
        else:
            body, mimetype = export_markdown(session), "text/markdown"
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="review-{session.id}.{kind}"'
        return response

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
        try:
            version = VersionSchema().load(request.json or {})["version"]
        except ValidationError as error:
            return self._bad_request(error)
        try:
            session = ArchiveReviewSessionCommand(pk, _is_admin(), version).run()
        except ReviewSessionError as error:
            return self._error(error)
        response: Response = self.response(200, **ReviewSessionSummarySchema().dump(session))
        return response

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
        try:
            DeleteReviewSessionCommand(pk, _is_admin()).run()
        except ReviewSessionError as error:
            return self._error(error)
        response: Response = self.response(200, message="deleted")
        return response
