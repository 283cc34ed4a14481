"""The AI-safe views API: create, read, change, review and archive views; propose one from a dataset's domains;
validate a row filter as it is typed; preview a definition's masked sample beside the original."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Response, request
from flask_appbuilder.api import expose, protect
from superset.extensions import db

from superset_review.adapters.datasets import get_dataset
from superset_review.extension.api import ReviewBaseApi, query_limit, safe, whole_number
from superset_review.extension.constants import API_ROUTE_BASE, MANAGE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.fields import MAX_ID
from superset_review.extension.i18n import Text
from superset_review.safe_views.access import check_drift
from superset_review.safe_views.dao import MAX_LIST, SafeViewDAO
from superset_review.safe_views.definition import ViewDefinition, ViewDefinitionSchema
from superset_review.safe_views.models import SafeView, ViewState
from superset_review.safe_views.schemas import (
    PreviewSchema,
    ProposalResultSchema,
    SafeViewArchivedSchema,
    SafeViewGetSchema,
    SafeViewListSchema,
    SafeViewReviewSchema,
    SafeViewUpdateSchema,
    SafeViewVersionListSchema,
    SafeViewVersionSchema,
    SafeViewWrittenSchema,
    ValidateFilterSchema,
    ValidFilterSchema,
)


def explore_url(view: SafeView) -> str | None:
    return f"/explore/?datasource_type=table&datasource_id={view.dataset_id}" if view.dataset_id else None


def summary(view: SafeView) -> dict[str, Any]:
    return {
        "id": view.id, "name": view.name, "base_dataset_id": view.base_dataset_id, "dataset_id": view.dataset_id,
        "version": view.version, "state": view.state, "stale_reason": view.stale_reason,
        "changed_on": view.changed_on, "explore_url": explore_url(view),
    }  # fmt: skip


def detail(view: SafeView) -> dict[str, Any]:
    definition = dict(view.definition or {})
    listed = set(definition.get("columns") or [])
    return {
        **summary(view),
        "uuid": view.uuid, "content_hash": view.content_hash, "definition": definition, "sql": view.sql,
        "removed": [column["name"] for column in view.base_columns or [] if column["name"] not in listed],
        "redacted": dict(definition.get("redactions") or {}),
        "created_by": view.created_by, "created_on": view.created_on,
        "reviewed_by": view.reviewed_by, "reviewed_on": view.reviewed_on,
    }  # fmt: skip


def written(view: SafeView) -> dict[str, Any]:
    return {"id": view.id, "dataset_id": view.dataset_id, "sql": view.sql, "version": view.version,
            "state": view.state}  # fmt: skip


def _with_drift(views: list[SafeView]) -> None:
    """Mark the views whose base dataset drifted stale, and keep it (a GET that finds a drift commits the mark)."""
    for view in views:
        if view.state != ViewState.ARCHIVED.value:
            check_drift(view)
    db.session.commit()


def _base_dataset_arg() -> int | None:
    raw = request.args.get("base_dataset_id")
    if raw is None:
        return None
    value = whole_number(raw, MAX_ID)
    if value is None:
        raise ReviewError(
            Text("base_dataset_id must be a dataset id (an integer from 1 to %(max)d)", max=MAX_ID),
            ErrorCode.INVALID_REQUEST,
        )
    return value


class SafeViewRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/safe_views"
    method_permission_name: ClassVar[dict[str, str]] = {
        "create": MANAGE,
        "list_views": READ,
        "get_view": READ,
        "update": MANAGE,
        "review": MANAGE,
        "archive": MANAGE,
        "versions": READ,
        "propose": READ,
        "validate_filter": READ,
        "preview": READ,
    }
    openapi_spec_component_schemas = (
        ViewDefinitionSchema,
        SafeViewUpdateSchema,
        SafeViewReviewSchema,
        ValidateFilterSchema,
        ValidFilterSchema,
        SafeViewWrittenSchema,
        SafeViewArchivedSchema,
        SafeViewGetSchema,
        SafeViewListSchema,
        SafeViewVersionListSchema,
        ProposalResultSchema,
        PreviewSchema,
    )

    @expose("/", methods=("POST",))
    @protect()
    @safe
    def create(self) -> Response:
        """Create an AI-safe view of a dataset you may read: a certified Superset virtual dataset you own, exposing
        only the whitelisted columns, redacted as defined, filtered by the row filter.
        ---
        post:
          summary: Create an AI-safe view
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ViewDefinitionSchema'
          responses:
            201:
              description: The view, its Superset dataset and its SQL
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SafeViewWrittenSchema'
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
        from superset_review.safe_views.commands.create import CreateSafeViewCommand

        definition: Any = self.body(ViewDefinitionSchema())
        view = CreateSafeViewCommand(definition).run()
        return self.reply(201, **written(view))

    @expose("/", methods=("GET",))
    @protect()
    @safe
    def list_views(self) -> Response:
        """The AI-safe views you may read, newest first (of one base dataset with base_dataset_id); a view whose base
        dataset changed is marked stale here.
        ---
        get:
          summary: List AI-safe views
          parameters:
          - in: query
            name: base_dataset_id
            schema: {type: integer, minimum: 1, maximum: 2147483647}
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 1000, default: 1000}
          responses:
            200:
              description: The views
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SafeViewListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        limit = query_limit(MAX_LIST, MAX_LIST)
        views = SafeViewDAO.readable(_base_dataset_arg(), limit)
        _with_drift(views)
        return self.reply(200, result=[summary(view) for view in views], count=len(views))

    @expose("/<int:pk>", methods=("GET",))
    @protect()
    @safe
    def get_view(self, pk: int) -> Response:
        """One AI-safe view: its current definition, SQL, what it removes and redacts, its state.
        ---
        get:
          summary: Get an AI-safe view
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The view
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SafeViewGetSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.safe_views.commands.base import readable_view

        view = readable_view(pk)
        _with_drift([view])
        return self.reply(200, result=detail(view))

    @expose("/<int:pk>", methods=("PUT",))
    @protect()
    @safe
    def update(self, pk: int) -> Response:
        """A new version of the view's definition (its author or an admin), given the version you read.
        ---
        put:
          summary: Change an AI-safe view
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SafeViewUpdateSchema'
          responses:
            200:
              description: The view's new version
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SafeViewWrittenSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The view changed since you read it, is stale or archived (error_code says which)
            422:
              $ref: '#/components/responses/422'
        """
        from superset_review.safe_views.commands.update import UpdateSafeViewCommand

        payload = self.body(SafeViewUpdateSchema())
        view = UpdateSafeViewCommand(pk, payload["definition"], payload["version"], payload["note"]).run()
        return self.reply(200, **written(view))

    @expose("/<int:pk>/review", methods=("POST",))
    @protect()
    @safe
    def review(self, pk: int) -> Response:
        """Review a view against its base dataset's current columns: confirm its definition, or send a changed one.
        The view is fresh again; a column the base gained enters it only if the definition lists it.
        ---
        post:
          summary: Review an AI-safe view
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SafeViewReviewSchema'
          responses:
            200:
              description: The reviewed view's new version
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SafeViewWrittenSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The view changed since you read it, is stale or archived (error_code says which)
            422:
              $ref: '#/components/responses/422'
        """
        from superset_review.safe_views.commands.review import ReviewSafeViewCommand

        payload = self.body(SafeViewReviewSchema())
        definition: ViewDefinition | None = payload["definition"]
        view = ReviewSafeViewCommand(pk, payload["version"], definition, payload["note"]).run()
        return self.reply(200, **written(view))

    @expose("/<int:pk>/archive", methods=("POST",))
    @protect()
    @safe
    def archive(self, pk: int) -> Response:
        """Archive a view (its author or an admin): LLM features refuse it from then on.
        ---
        post:
          summary: Archive an AI-safe view
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The archived view
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SafeViewArchivedSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The view changed since you read it, is stale or archived (error_code says which)
        """
        from superset_review.safe_views.commands.archive import ArchiveSafeViewCommand

        view = ArchiveSafeViewCommand(pk).run()
        return self.reply(200, id=view.id, state=view.state)

    @expose("/<int:pk>/versions", methods=("GET",))
    @protect()
    @safe
    def versions(self, pk: int) -> Response:
        """Every version of a view, newest first.
        ---
        get:
          summary: List an AI-safe view's versions
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The versions
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SafeViewVersionListSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.safe_views.commands.base import readable_view

        view = readable_view(pk)
        rows = SafeViewDAO.versions(view.id)
        return self.reply(200, result=SafeViewVersionSchema(many=True).dump(rows), count=len(rows))

    @expose("/propose/<int:pk>", methods=("GET",))
    @protect()
    @safe
    def propose(self, pk: int) -> Response:
        """A view of dataset pk proposed from its domains: personal data redacted by default, high-risk columns left
        out, identifiers hashed, columns not domained yet flagged. Nothing is written.
        ---
        get:
          summary: Propose an AI-safe view of a dataset
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The proposal, per column
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ProposalResultSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.safe_views.commands.propose import ProposeSafeViewCommand

        return self.reply(200, result=ProposeSafeViewCommand(pk).run())

    @expose("/validate_filter", methods=("POST",))
    @protect()
    @safe
    def validate_filter(self) -> Response:
        """Whether a row filter is allowed on a dataset (no query runs): 200 with its SQL, or 422 with the position
        and fragment refused.
        ---
        post:
          summary: Validate a view's row filter
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ValidateFilterSchema'
          responses:
            200:
              description: The filter is allowed
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ValidFilterSchema'
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
        from superset_review.safe_views.access import base_columns
        from superset_review.safe_views.build import dialect_of
        from superset_review.safe_views.filters import parse_row_filter

        payload = self.body(ValidateFilterSchema())
        dataset = get_dataset(payload["base_dataset_id"])
        dialect = dialect_of(dataset.database)
        columns = {column["name"]: column["type"] for column in base_columns(dataset)}
        expression = parse_row_filter(payload["row_filter"], columns, dialect)
        return self.reply(200, valid=True, sql=expression.sql(dialect=dialect))

    @expose("/preview", methods=("POST",))
    @protect()
    @safe
    def preview(self) -> Response:
        """Up to 20 rows of an unsaved definition, masked, beside the same rows unredacted (when you may see the
        base dataset's raw values), through Superset's query path (row-level security applies).
        ---
        post:
          summary: Preview an AI-safe view
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ViewDefinitionSchema'
          responses:
            200:
              description: The masked sample and the original
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/PreviewSchema'
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
            502:
              description: The dataset's database did not answer (DATABASE_UNAVAILABLE)
        """
        from superset_review.safe_views.commands.preview import PreviewSafeViewCommand

        definition: Any = self.body(ViewDefinitionSchema())
        return self.reply(200, **PreviewSafeViewCommand(definition).run())
