"""The migration API under ``/api/v1/dataset_review/onboarding/runs/<run_id>/migration``: start (or resume) with its
pre-flight, read with the chunks, cancel, promote, roll back, the quarantine (list, retry, release, CSV).

Every body answers ``{"migration": M, "chunks": [C], "hashes"}`` (the contract's shapes), with the migration's strong
ETag. A run is the user's (or ``can_admin``'s): anyone else's is a 404, before the body is read. Promotion, rollback
and changes of the quarantine need ``can_migrate``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Response, request
from flask_appbuilder.api import expose, protect

from superset_review.extension.api import ReviewBaseApi, safe, whole_number
from superset_review.extension.constants import API_ROUTE_BASE, MANAGE, MIGRATE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.i18n import Text
from superset_review.migration import execution
from superset_review.migration.documents import migration_etag, migration_json
from superset_review.migration.models import RunMigration
from superset_review.migration.schemas import (
    MigrationResponseSchema,
    MigrationStartedSchema,
    PromoteSchema,
    QuarantineChangedSchema,
    QuarantineListSchema,
    QuarantineReleaseSchema,
    QuarantineRetrySchema,
    SchemaDiffResponseSchema,
    StartMigrationSchema,
)
from superset_review.onboarding.commands.base import check_run_in_path, visible_run
from superset_review.onboarding.dao import ArtifactDAO
from superset_review.onboarding.documents import etag_matches, hashes, strong_etag, task_json
from superset_review.onboarding.models import OnboardingRun

PAGE_SIZE_MAX = 500
PAGE_MAX = 1_000_000


def _page_arg(name: str, default: int, maximum: int, minimum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = 0 if raw == "0" and minimum == 0 else whole_number(raw, maximum)
    if value is None or value < minimum:
        raise ReviewError(
            Text("%(name)s must be an integer from %(min)d to %(max)d", name=name, min=minimum, max=maximum),
            ErrorCode.INVALID_REQUEST,
            details={"field": name},
        )
    return value


class MigrationRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/onboarding"
    method_permission_name: ClassVar[dict[str, str]] = {
        "start_migration": MANAGE,
        "get_migration": READ,
        "cancel_migration": MANAGE,
        "promote_migration": MIGRATE,
        "rollback_migration": MIGRATE,
        "list_quarantine": READ,
        "retry_quarantine": MIGRATE,
        "release_quarantine": MIGRATE,
        "export_quarantine": READ,
        "schema_diff": READ,
    }
    openapi_spec_component_schemas = (
        StartMigrationSchema,
        PromoteSchema,
        QuarantineRetrySchema,
        QuarantineReleaseSchema,
        MigrationResponseSchema,
        MigrationStartedSchema,
        QuarantineListSchema,
        QuarantineChangedSchema,
        SchemaDiffResponseSchema,
    )

    def check_access(self, **path: Any) -> None:
        check_run_in_path(path)

    def migration_reply(self, code: int, run: OnboardingRun, migration: RunMigration, **extra: Any) -> Response:
        chunks = execution.chunks(run, migration)
        response = self.reply(
            code,
            migration=migration_json(migration),
            chunks=chunks,
            hashes=hashes(run, ArtifactDAO.latest(run)),
            **extra,
        )
        response.headers["ETag"] = migration_etag(migration, chunks)
        return response

    @expose("/runs/<run_id>/migration", methods=("POST",))
    @protect()
    @safe
    def start_migration(self, run_id: str) -> Response:
        """Start (or resume) the run's migration after its pre-flight: a dry run, or a metadata_only run, answers the
        plan (200, state planned); otherwise the task is queued on a lane (202, state queued).
        ---
        post:
          summary: Start or resume an onboarding run's migration
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/StartMigrationSchema'
          responses:
            200:
              description: The plan (a dry run or a metadata_only run), state planned
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MigrationStartedSchema'
            202:
              description: The migration, queued, with its task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MigrationStartedSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              description: You may not write the run's target dataset (TARGET_FORBIDDEN)
            404:
              $ref: '#/components/responses/404'
            409:
              description: A pre-flight check failed (MIGRATION_PREFLIGHT_FAILED, each named in preflight), the
                migration runs already (MIGRATION_RUNNING) or is promoted (MIGRATION_STATE)
            422:
              description: The migration engine refused the plan (MIGRATION_FAILED)
            503:
              description: The worker queue could not be reached
        """
        from superset_review.migration.commands.start import StartMigration, StartMigrationCommand, queue_migration

        payload = self.body(StartMigrationSchema(), required=False)
        run, migration = StartMigrationCommand(run_id, StartMigration(**payload)).run()
        if migration.dry_run:
            return self.migration_reply(200, run, migration, task=None)
        task, status = queue_migration(run, migration)
        return self.migration_reply(status, run, migration, task=task_json(task))

    @expose("/runs/<run_id>/migration", methods=("GET",))
    @protect()
    @safe
    def get_migration(self, run_id: str) -> Response:
        """The run's migration and its chunks, with a strong ETag.
        ---
        get:
          summary: Get an onboarding run's migration
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: header, name: If-None-Match, required: false, schema: {type: string}}
          responses:
            200:
              description: The migration and its chunks
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MigrationResponseSchema'
            304:
              description: If-None-Match names the migration as it is
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: No such run, or it has no migration yet (MIGRATION_NOT_FOUND)
        """
        from superset_review.migration.commands.base import existing_migration

        run = visible_run(run_id)
        migration = existing_migration(run)
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            etag = migration_etag(migration, execution.chunks(run, migration))
            if etag_matches(if_none_match[:2000], etag):
                return Response(status=304, headers={"ETag": etag})  # unchanged: the client's copy holds
        return self.migration_reply(200, run, migration)

    @expose("/runs/<run_id>/migration/cancel", methods=("POST",))
    @protect()
    @safe
    def cancel_migration(self, run_id: str) -> Response:
        """Cancel the migration: queued, at once; running, once the worker ends its chunk (what is written stays,
        checkpointed, and a start resumes it).
        ---
        post:
          summary: Cancel an onboarding run's migration
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The migration
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MigrationResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: Nothing runs (MIGRATION_STATE)
        """
        from superset_review.migration.commands.lifecycle import CancelMigrationCommand

        migration = CancelMigrationCommand(run_id).run()
        return self.migration_reply(200, visible_run(run_id), migration)

    @expose("/runs/<run_id>/migration/promote", methods=("POST",))
    @protect()
    @safe
    def promote_migration(self, run_id: str) -> Response:
        """Promote: staging into the final table in one transaction, then the Superset dataset refreshed (needs
        can_migrate and confirm: true).
        ---
        post:
          summary: Promote an onboarding run's migration
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/PromoteSchema'
          responses:
            200:
              description: The migration, promoted
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MigrationResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The validations did not all pass (MIGRATION_NOT_READY)
            422:
              description: The engine refused the promotion (MIGRATION_FAILED)
        """
        from superset_review.migration.commands.lifecycle import PromoteMigrationCommand

        payload = self.body(PromoteSchema())
        migration = PromoteMigrationCommand(run_id, payload["confirm"]).run()
        return self.migration_reply(200, visible_run(run_id), migration)

    @expose("/runs/<run_id>/migration/rollback", methods=("POST",))
    @protect()
    @safe
    def rollback_migration(self, run_id: str) -> Response:
        """Roll back the last promotion: the final table as it was before it, the dataset refreshed (needs
        can_migrate).
        ---
        post:
          summary: Roll back an onboarding run's promotion
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The migration, rolled back
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MigrationResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: Nothing is promoted (MIGRATION_STATE)
            422:
              description: The engine refused the rollback (MIGRATION_FAILED)
        """
        from superset_review.migration.commands.lifecycle import RollbackMigrationCommand

        migration = RollbackMigrationCommand(run_id).run()
        return self.migration_reply(200, visible_run(run_id), migration)

    @expose("/runs/<run_id>/migration/quarantine", methods=("GET",))
    @protect()
    @safe
    def list_quarantine(self, run_id: str) -> Response:
        """The quarantined rows, masked, a page at a time.
        ---
        get:
          summary: List an onboarding run's quarantined rows
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: query, name: page, required: false, schema: {type: integer, minimum: 0}}
          - {in: query, name: page_size, required: false, schema: {type: integer, minimum: 1, maximum: 500}}
          responses:
            200:
              description: The rows
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/QuarantineListSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              description: The engine could not read the quarantine (MIGRATION_FAILED)
        """
        from superset_review.migration.commands.base import existing_migration

        page = _page_arg("page", 0, PAGE_MAX, 0)
        page_size = _page_arg("page_size", 50, PAGE_SIZE_MAX, 1)
        run = visible_run(run_id)
        count, rows = execution.quarantine_page(run, existing_migration(run), page, page_size)
        return self.reply(200, count=count, result=rows, hashes=hashes(run, ArtifactDAO.latest(run)))

    @expose("/runs/<run_id>/migration/quarantine/retry", methods=("POST",))
    @protect()
    @safe
    def retry_quarantine(self, run_id: str) -> Response:
        """Retry quarantined rows (after the mapping was fixed): they go through the plan again on the next start
        (needs can_migrate).
        ---
        post:
          summary: Retry an onboarding run's quarantined rows
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/QuarantineRetrySchema'
          responses:
            200:
              description: The migration and the rows retried
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/QuarantineChangedSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: No such run, migration or open quarantined row (MIGRATION_NOT_FOUND, naming the ids)
            409:
              description: The migration runs or is promoted (MIGRATION_STATE)
            422:
              description: The engine refused (MIGRATION_FAILED)
        """
        from superset_review.migration.commands.quarantine import RETRIED, ChangeQuarantineCommand

        payload = self.body(QuarantineRetrySchema(), required=False)
        migration, ids = ChangeQuarantineCommand(run_id, payload["ids"], RETRIED).run()
        return self.migration_reply(200, visible_run(run_id), migration, ids=ids)

    @expose("/runs/<run_id>/migration/quarantine/release", methods=("POST",))
    @protect()
    @safe
    def release_quarantine(self, run_id: str) -> Response:
        """Release quarantined rows: they leave the migration, and the ledger says so (needs can_migrate).
        ---
        post:
          summary: Release an onboarding run's quarantined rows
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/QuarantineReleaseSchema'
          responses:
            200:
              description: The migration and the rows released
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/QuarantineChangedSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: No such run, migration or open quarantined row (MIGRATION_NOT_FOUND, naming the ids)
            409:
              description: The migration runs or is promoted (MIGRATION_STATE)
            422:
              description: The engine refused (MIGRATION_FAILED)
        """
        from superset_review.migration.commands.quarantine import RELEASED, ChangeQuarantineCommand

        payload = self.body(QuarantineReleaseSchema())
        migration, ids = ChangeQuarantineCommand(run_id, payload["ids"], RELEASED).run()
        return self.migration_reply(200, visible_run(run_id), migration, ids=ids)

    @expose("/runs/<run_id>/migration/quarantine.csv", methods=("GET",))
    @protect()
    @safe
    def export_quarantine(self, run_id: str) -> Response:
        """Every quarantined row as CSV, masked as the list shows it.
        ---
        get:
          summary: Export an onboarding run's quarantined rows as CSV
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The rows, masked
              content:
                text/csv:
                  schema: {type: string}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              description: The engine could not read the quarantine (MIGRATION_FAILED)
        """
        from superset_review.migration.commands.quarantine import quarantine_csv

        body = quarantine_csv(run_id)
        return Response(
            body,
            status=200,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="quarantine-{run_id}.csv"'},
        )

    @expose("/runs/<run_id>/migration/schema_diff", methods=("GET",))
    @protect()
    @safe
    def schema_diff(self, run_id: str) -> Response:
        """The diff of this run's source schema against the previous run into the same target (columns added,
        removed, retyped, renamed with their confidence and evidence), the migration rule of each change, the
        previous plan's mappings as this run reads them, and what the schema-change policy decides: the ``policy``
        asked, else the run's migration's ``schema_change_policy``, else approve_manually.
        ---
        get:
          summary: Diff an onboarding run's source schema against the previous run's
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - in: query
            name: policy
            schema: {type: string, enum: [propagate, propagate_columns, approve_manually, stop]}
          responses:
            200:
              description: The diff, the rules and the decision, with a strong ETag
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/SchemaDiffResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The run has no catalog yet (STAGE_GATED)
        """
        from superset_review.migration.commands.schema_diff import SchemaDiffCommand
        from superset_review.migration.dao import MigrationDAO
        from superset_review.migration.evolution import DEFAULT_POLICY, PolicySchema

        arguments = PolicySchema().load({key: request.args.get(key, "")[:100] for key in request.args})
        run = visible_run(run_id)
        policy = arguments.get("policy")
        if policy is None:
            migration = MigrationDAO.of_run(run)
            policy = migration.schema_change_policy if migration is not None else None
        result = SchemaDiffCommand(run_id, policy or DEFAULT_POLICY).run()
        response = self.reply(200, result=result, hashes=hashes(run, ArtifactDAO.latest(run)))
        response.headers["ETag"] = strong_etag(result)
        return response
