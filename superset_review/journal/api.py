"""The journal's API: the newest changes of every catalog-level object (admins), and one entity's history (whoever
may read the entity: a dataset's columns and views need access to the dataset)."""

from __future__ import annotations

from typing import ClassVar

from flask import Response, request
from flask_appbuilder.api import expose, protect

from superset_review.adapters.datasets import may_read
from superset_review.extension.api import ReviewBaseApi, query_limit, safe
from superset_review.extension.constants import ADMIN, API_ROUTE_BASE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.journal.dao import MAX_HISTORY, JournalDAO
from superset_review.journal.models import EntityType
from superset_review.journal.schemas import JournalEntrySchema, JournalListSchema

MAX_ENTITY_ID = 255


def _entity_type(raw: str) -> EntityType:
    try:
        return EntityType(raw)
    except ValueError:
        raise ReviewError(
            Text("entity_type must be one of %(types)s (got '%(got)s')", types=", ".join(t.value for t in EntityType),
                 got=raw[:40]),
            ErrorCode.INVALID_REQUEST,
        ) from None  # fmt: skip


def _dataset_of(entity_type: EntityType, entity_id: str) -> int | None:
    """The Superset dataset an entity belongs to, whose access decides who reads its history."""
    if entity_type is EntityType.DATASET:
        head = entity_id
    elif entity_type is EntityType.DATASET_COLUMN:
        head = entity_id.split(":", 1)[0]
    elif entity_type is EntityType.SAFE_VIEW:
        from superset.extensions import db

        from superset_review.safe_views.models import SafeView

        view = db.session.get(SafeView, int(entity_id)) if entity_id.isdigit() and len(entity_id) < 10 else None
        return int(view.base_dataset_id) if view is not None else -1
    else:
        return None
    return int(head) if head.isdigit() and len(head) < 10 else -1


class JournalRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/journal"
    method_permission_name: ClassVar[dict[str, str]] = {"latest": ADMIN, "history": READ}
    openapi_spec_component_schemas = (JournalEntrySchema, JournalListSchema)

    @expose("/", methods=("GET",))
    @protect()
    @safe
    def latest(self) -> Response:
        """The newest journal entries of every catalog-level object, newest first.
        ---
        get:
          summary: Read the journal
          parameters:
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 1000, default: 100}
          - in: query
            name: entity_type
            schema: {type: string, enum: [domain_catalog, domain, safe_view, dataset_column, dataset]}
          responses:
            200:
              description: Journal entries
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/JournalListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        limit = query_limit(100, MAX_HISTORY)
        raw_type = request.args.get("entity_type")
        entity_type = _entity_type(raw_type) if raw_type else None
        rows = JournalDAO.latest(limit, entity_type)
        return self.reply(200, result=JournalEntrySchema(many=True).dump(rows), count=len(rows))

    @expose("/<entity_type>/<path:entity_id>", methods=("GET",))
    @protect()
    @safe
    def history(self, entity_type: str, entity_id: str) -> Response:
        """One entity's history, newest first.
        ---
        get:
          summary: Read one entity's history
          parameters:
          - in: path
            name: entity_type
            required: true
            schema: {type: string, enum: [domain_catalog, domain, safe_view, dataset_column, dataset]}
          - in: path
            name: entity_id
            required: true
            schema: {type: string, maxLength: 255}
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 1000, default: 100}
          responses:
            200:
              description: Journal entries
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/JournalListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        kind = _entity_type(entity_type)
        if not entity_id or len(entity_id) > MAX_ENTITY_ID:
            raise ReviewError(
                Text("entity_id must be 1 to %(max)d characters", max=MAX_ENTITY_ID), ErrorCode.INVALID_REQUEST
            )
        dataset_id = _dataset_of(kind, entity_id)
        if dataset_id is not None and not may_read(dataset_id):
            # The same answer whether it does not exist or is not yours: ids are not probed.
            raise ReviewError(
                Text("%(type)s %(id)s does not exist or you may not read it", type=kind.value, id=entity_id[:60]),
                ErrorCode.NOT_FOUND,
            )
        rows = JournalDAO.history(kind, entity_id, query_limit(100, MAX_HISTORY))
        return self.reply(200, result=JournalEntrySchema(many=True).dump(rows), count=len(rows))
