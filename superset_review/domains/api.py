"""The domain catalog's API: the live catalog and its versions, the threshold profile, staged deltas, the auto-test,
promotion and the audit log. Reading needs can_read, proposing a change can_manage (whoever may edit reviews),
testing, promoting and the audit log can_curate; a delta is discarded by its author or a curator."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any, ClassVar

from flask import Response, g, request
from flask_appbuilder.api import expose, protect

from superset_review.domains.classify import TP_DEFAULT_V1
from superset_review.domains.commands.auto_test import TestStagedCatalogCommand
from superset_review.domains.commands.discard_delta import DiscardDeltaCommand
from superset_review.domains.commands.promote import PromoteCatalogCommand
from superset_review.domains.commands.stage_delta import StageDeltaCommand
from superset_review.domains.dao import MAX_AUDIT_ROWS, DomainAuditDAO, DomainCatalogDAO, DomainDeltaDAO
from superset_review.domains.exceptions import DeltaNotFoundError
from superset_review.domains.live import live_catalog
from superset_review.domains.schemas import (
    DELTA_STATES,
    AuditEntrySchema,
    AuditListSchema,
    CatalogVersionListSchema,
    CatalogVersionSchema,
    DeltaListSchema,
    DeltaSchema,
    LiveCatalogSchema,
    PromoteSchema,
    StageDeltaSchema,
    StagedTestSchema,
    ThresholdProfileSchema,
)
from superset_review.extension.api import ReviewBaseApi, query_limit, safe
from superset_review.extension.constants import API_ROUTE_BASE, CURATE, MANAGE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text

MAX_LIST = 1000
MAX_SUBJECT = 200
PROFILE_FILE = "tp_default_v1.json"


def _profile_document() -> dict[str, Any]:
    """The profile in use and, when the calibration wrote it, its reliability curve."""
    document: dict[str, Any] = {"profile": TP_DEFAULT_V1.to_json(), "reliability": None, "measured_on": None,
                                "metrics": None}  # fmt: skip
    try:
        stored = resources.files("superset_review.domains").joinpath("profiles", PROFILE_FILE)
        calibrated = json.loads(stored.read_text(encoding="utf-8")) if stored.is_file() else None
    except (OSError, ValueError, ModuleNotFoundError):
        calibrated = None
    if isinstance(calibrated, dict):
        for key in ("reliability", "measured_on", "metrics"):
            document[key] = calibrated.get(key)
    return document


class DomainCatalogRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/domains"
    method_permission_name: ClassVar[dict[str, str]] = {
        "get_catalog": READ,
        "list_versions": READ,
        "get_profile": READ,
        "list_deltas": READ,
        "stage_delta": MANAGE,
        "discard_delta": MANAGE,  # and the delta's author, or can_curate: checked by the command
        "test_catalog": CURATE,
        "promote": CURATE,
        "audit": CURATE,
    }
    openapi_spec_component_schemas = (
        LiveCatalogSchema,
        CatalogVersionSchema,
        CatalogVersionListSchema,
        DeltaSchema,
        DeltaListSchema,
        StageDeltaSchema,
        PromoteSchema,
        StagedTestSchema,
        AuditEntrySchema,
        AuditListSchema,
        ThresholdProfileSchema,
    )

    @expose("/catalog", methods=("GET",))
    @protect()
    @safe
    def get_catalog(self) -> Response:
        """The live domain catalog: its version, hash, provenance and every domain.
        ---
        get:
          summary: Read the live domain catalog
          responses:
            200:
              description: The live catalog
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/LiveCatalogSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        live = live_catalog()
        row = DomainCatalogDAO.get_version(live.version)
        body: dict[str, Any] = CatalogVersionSchema().dump(row) if row is not None else {"version": live.version}
        body.update(
            content_hash=live.content_hash, staged=DomainDeltaDAO.count_staged(), catalog=live.catalog.to_json()
        )
        return self.reply(200, **body)

    @expose("/catalog/versions", methods=("GET",))
    @protect()
    @safe
    def list_versions(self) -> Response:
        """Every version of the catalog, newest first, with its provenance.
        ---
        get:
          summary: List the catalog's versions
          parameters:
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 1000, default: 100}
          responses:
            200:
              description: The versions
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/CatalogVersionListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        live_catalog()  # an empty store is seeded first
        rows = DomainCatalogDAO.versions(query_limit(100, MAX_LIST))
        return self.reply(200, result=CatalogVersionSchema(many=True).dump(rows), count=len(rows))

    @expose("/profile", methods=("GET",))
    @protect()
    @safe
    def get_profile(self) -> Response:
        """The threshold profile domaining uses and, once calibrated, its reliability curve.
        ---
        get:
          summary: Read the threshold profile
          responses:
            200:
              description: The profile (and its reliability curve when measured)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ThresholdProfileSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        return self.reply(200, **_profile_document())

    @expose("/deltas", methods=("GET",))
    @protect()
    @safe
    def list_deltas(self) -> Response:
        """The catalog's deltas in a state (staged by default), oldest first.
        ---
        get:
          summary: List staged (or promoted, discarded) deltas
          parameters:
          - in: query
            name: state
            schema: {type: string, enum: [staged, promoted, discarded, all], default: staged}
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 1000, default: 1000}
          responses:
            200:
              description: The deltas
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/DeltaListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        state = request.args.get("state", "staged")
        if state not in (*DELTA_STATES, "all"):
            raise ReviewError(
                Text("state must be one of %(states)s", states=", ".join([*DELTA_STATES, "all"])),
                ErrorCode.INVALID_REQUEST,
            )
        rows = DomainDeltaDAO.in_state(None if state == "all" else state, query_limit(MAX_LIST, MAX_LIST))
        return self.reply(200, result=DeltaSchema(many=True).dump(rows), count=len(rows))

    @expose("/deltas", methods=("POST",))
    @protect()
    @safe
    def stage_delta(self) -> Response:
        """Stage a change to the catalog, checked against the live catalog now and applied at the next promotion.
        ---
        post:
          summary: Stage a catalog delta
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/StageDeltaSchema'
          responses:
            201:
              description: The staged delta (the same change staged before is that delta)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/DeltaSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            422:
              description: The change does not apply to the live catalog (BAD_DELTA, with each problem's field)
        """
        body = self.body(StageDeltaSchema())
        delta = StageDeltaCommand(g.user.id, body["kind"], body["domain"], body["payload"], body["origin"]).run()
        return self.reply(201, **DeltaSchema().dump(delta))

    @expose("/deltas/<delta_uuid>", methods=("DELETE",))
    @protect()
    @safe
    def discard_delta(self, delta_uuid: str) -> Response:
        """Discard a staged delta: its author, or a holder of can_curate.
        ---
        delete:
          summary: Discard a staged delta
          parameters:
          - in: path
            name: delta_uuid
            required: true
            schema: {type: string}
          responses:
            200:
              description: The discarded delta
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/DeltaSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              description: Another person's delta, and no can_curate (CURATE_REQUIRED)
            404:
              $ref: '#/components/responses/404'
            409:
              description: The delta is promoted or discarded already (DELTA_NOT_STAGED)
        """
        try:
            canonical = str(uuid.UUID(delta_uuid)) == delta_uuid
        except ValueError:
            canonical = False
        if not canonical:
            raise DeltaNotFoundError(delta_uuid)
        delta = DiscardDeltaCommand(g.user.id, delta_uuid).run()
        return self.reply(200, **DeltaSchema().dump(delta))

    @expose("/catalog/test", methods=("POST",))
    @protect()
    @safe
    def test_catalog(self) -> Response:
        """Auto-test the staged catalog (the live one with every staged delta): each domain's examples must classify
        into it and its negatives must not. Each delta keeps its result.
        ---
        post:
          summary: Auto-test the staged catalog
          responses:
            200:
              description: The result, per delta and per failing domain
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/StagedTestSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        result = TestStagedCatalogCommand(g.user.id).run()
        return self.reply(200, **result.to_json())

    @expose("/catalog/promote", methods=("POST",))
    @protect()
    @safe
    def promote(self) -> Response:
        """Promote the staged deltas: auto-tested, then the next live version, in one transaction.
        ---
        post:
          summary: Promote the staged catalog
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/PromoteSchema'
          responses:
            200:
              description: The new live version, with its provenance
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/CatalogVersionSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            409:
              description: The live version is not the one expected (CATALOG_CHANGED)
            422:
              description: The auto-test failed (CATALOG_TEST_FAILED, listing the domains and checks) or nothing is
                staged (NOTHING_STAGED)
        """
        body = self.body(PromoteSchema())
        version = PromoteCatalogCommand(g.user.id, body["expected_version"]).run()
        return self.reply(200, **CatalogVersionSchema().dump(version))

    @expose("/audit", methods=("GET",))
    @protect()
    @safe
    def audit(self) -> Response:
        """The domain audit log, newest first: every curating action and decision with the state before and after.
        ---
        get:
          summary: Read the domain audit log
          parameters:
          - in: query
            name: subject
            description: catalog:<version>, delta:<uuid>, dataset:<id>:<column>; a trailing * matches a prefix
            schema: {type: string, maxLength: 200}
          - in: query
            name: limit
            schema: {type: integer, minimum: 1, maximum: 500, default: 100}
          responses:
            200:
              description: Audit rows
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AuditListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        subject = request.args.get("subject") or None
        if subject is not None and len(subject) > MAX_SUBJECT:
            raise ReviewError(Text("subject is at most %(max)d characters", max=MAX_SUBJECT), ErrorCode.INVALID_REQUEST)
        rows = DomainAuditDAO.entries(subject, query_limit(100, MAX_AUDIT_ROWS))
        return self.reply(200, result=AuditEntrySchema(many=True).dump(rows), count=len(rows))
