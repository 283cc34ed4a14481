"""The onboarding API under ``/api/v1/dataset_review/onboarding``: uploads, runs and their contract, stages, artifacts,
mappings, the analysis, the policy check and cost estimate, the DSL compiler, threshold profiles.

Every response carries ``hashes`` (the contract, the policy and the artifacts it used); a GET of a run, an artifact,
a mapping or a profile carries a strong ETag, and a change sent with If-Match naming another version answers 412
RUN_CHANGED. A user sees their own runs; ``can_admin`` sees every run; anyone else's run is a 404, like one that does
not exist.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Response, current_app, request
from flask_appbuilder.api import expose, protect
from superset.extensions import db
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from superset_review.extension.api import ReviewBaseApi, safe, whole_number
from superset_review.extension.constants import API_ROUTE_BASE, MANAGE, READ
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.fields import MAX_ID
from superset_review.extension.i18n import Text
from superset_review.onboarding.commands.base import (
    check_run_in_path,
    current_user_id,
    is_review_admin,
    visible_run,
)
from superset_review.onboarding.dao import ArtifactDAO, MappingDAO, OnboardingRunDAO, RunEventDAO
from superset_review.onboarding.documents import (
    artifact_entry,
    artifact_etag,
    artifact_json,
    event_json,
    hashes,
    mapping_etag,
    profile_etag,
    run_etag,
    run_json,
    run_summary,
    task_json,
)
from superset_review.onboarding.models import ArtifactKind, OnboardingRun, RunArtifact, Stage, ThresholdProfile
from superset_review.onboarding.schemas import (
    ArtifactListResponseSchema,
    ArtifactResponseSchema,
    ChangeContractSchema,
    CompileResponseSchema,
    CompileSchema,
    CreateRunSchema,
    DecideMappingSchema,
    EventListResponseSchema,
    MappingListResponseSchema,
    MappingResponseSchema,
    ProfileResponseSchema,
    ReportResponseSchema,
    RunListResponseSchema,
    RunResponseSchema,
    StageResponseSchema,
    StartStageSchema,
    UpdateProfileSchema,
    UploadResponseSchema,
)
from superset_review.onboarding.uploads import file_too_large, max_file_bytes
from superset_review.tasks.models import ReviewTask

# Multipart framing around the file (boundaries, part headers, a field or two): what a request may add to the cap.
MULTIPART_SLACK = 64 * 1024
UPLOAD_ENDPOINT = "superset_review.onboarding.api.create_upload"


def _if_match() -> str | None:
    value = request.headers.get("If-Match")
    return value[:2000] if value is not None else None


def _with_etag(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    return response


def _run_task(run: OnboardingRun) -> dict[str, Any] | None:
    task = db.session.get(ReviewTask, run.task_id) if run.task_id else None
    return task_json(task)


def profile_json(profile: ThresholdProfile) -> dict[str, Any]:
    return {
        "profile_id": profile.profile_id,
        "version": profile.version,
        "content_hash": profile.content_hash,
        "body": profile.body,
        "note": profile.note,
        "created_on": profile.created_on.isoformat() if profile.created_on else None,
    }


def receive_multipart(open_sink: Any) -> str | None:
    """Stream the request's multipart body: the file part straight into the sink (never spooled whole in memory or
    in a temporary file), the other fields bounded. Returns the file part's filename, None when there is none."""
    if request.mimetype != "multipart/form-data":
        raise ReviewError(
            Text(
                "send the file as multipart/form-data in the field 'file' (got '%(type)s')",
                type=request.mimetype or "none",
            ),
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        )
    limit = max_file_bytes()
    request.max_content_length = limit + MULTIPART_SLACK  # this request only: the app's cap is for JSON bodies
    names: list[str | None] = []

    def stream_factory(total_content_length: Any, content_type: Any, filename: Any, content_length: Any = None) -> Any:
        names.append(filename)
        return open_sink()

    parser = FormDataParser(
        stream_factory=stream_factory,
        max_form_memory_size=MULTIPART_SLACK,
        max_content_length=None,
        max_form_parts=20,
    )
    try:
        _, _, files = parser.parse(request.stream, request.mimetype, request.content_length, request.mimetype_params)
    except RequestEntityTooLarge:
        raise file_too_large(limit) from None
    if "file" not in files:
        return None
    return str(files["file"].filename or names[0] or "")


def _check_csrf_header() -> None:
    """The upload is exempt from Flask-WTF's form-reading check (which would read the whole file first, under the
    app's JSON cap): the token must come in a header instead, checked here before a byte is read."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    from flask_wtf.csrf import validate_csrf
    from wtforms.validators import ValidationError as CsrfError

    token = next(
        (request.headers.get(h) for h in current_app.config["WTF_CSRF_HEADERS"] if request.headers.get(h)), None
    )
    try:
        validate_csrf(token)
    except CsrfError as error:
        raise ReviewError(
            Text(
                "the CSRF token is missing or invalid: send it in the X-CSRFToken header (%(error)s)",
                error=str(error)[:100],
            ),
            ErrorCode.INVALID_REQUEST,
        ) from None


class OnboardingRestApi(ReviewBaseApi):
    route_base = f"{API_ROUTE_BASE}/onboarding"
    method_permission_name: ClassVar[dict[str, str]] = {
        "create_upload": MANAGE,
        "list_runs": READ,
        "create_run": MANAGE,
        "get_run": READ,
        "change_contract": MANAGE,
        "start_stage": MANAGE,
        "stop_run": MANAGE,
        "list_artifacts": READ,
        "list_events": READ,
        "get_artifact": READ,
        "policy_check": READ,
        "cost_estimate": READ,
        "list_mappings": READ,
        "get_mapping": READ,
        "decide_mapping": MANAGE,
        "get_analysis": READ,
        "stage_fix": MANAGE,
        "compile_plan": READ,
        "get_profile": READ,
        "update_profile": MANAGE,
    }
    openapi_spec_component_schemas = (
        CreateRunSchema,
        ChangeContractSchema,
        StartStageSchema,
        DecideMappingSchema,
        CompileSchema,
        UpdateProfileSchema,
        UploadResponseSchema,
        RunResponseSchema,
        RunListResponseSchema,
        StageResponseSchema,
        ArtifactListResponseSchema,
        ArtifactResponseSchema,
        EventListResponseSchema,
        MappingResponseSchema,
        MappingListResponseSchema,
        ReportResponseSchema,
        CompileResponseSchema,
        ProfileResponseSchema,
    )

    def check_access(self, **path: Any) -> None:
        check_run_in_path(path)

    def run_reply(self, code: int, run: OnboardingRun) -> Response:
        latest = ArtifactDAO.latest(run)
        response = self.reply(code, result=run_json(run, latest, _run_task(run)), hashes=hashes(run, latest))
        return _with_etag(response, run_etag(run))

    # --- uploads -------------------------------------------------------------------------------------------------

    @expose("/uploads/", methods=("POST",))
    @protect()
    @safe
    def create_upload(self) -> Response:
        """Upload a file for a run (CSV, TSV, Parquet or JSON lines), streamed to the server in chunks with its
        sha256; a file past REVIEW_ONBOARDING_MAX_FILE_BYTES is refused (413) and nothing of it is kept.
        ---
        post:
          summary: Upload a file for an onboarding run
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
          responses:
            201:
              description: The upload
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/UploadResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            413:
              description: The file is larger than REVIEW_ONBOARDING_MAX_FILE_BYTES (FILE_TOO_LARGE)
            415:
              description: Not multipart/form-data
        """
        from superset_review.onboarding.commands.upload import CreateUploadCommand

        _check_csrf_header()
        upload = CreateUploadCommand(receive_multipart).run()
        result = {
            "upload_id": upload.upload_id,
            "filename": upload.filename,
            "bytes": upload.bytes,
            "sha256": upload.sha256,
        }
        return self.reply(201, result=result, hashes=hashes(None))

    # --- runs ----------------------------------------------------------------------------------------------------

    @expose("/runs/", methods=("GET",))
    @protect()
    @safe
    def list_runs(self) -> Response:
        """Your onboarding runs, newest first (every user's for can_admin).
        ---
        get:
          summary: List onboarding runs
          responses:
            200:
              description: The runs
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/RunListResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        runs = OnboardingRunDAO.listed(current_user_id(), any_owner=is_review_admin())
        return self.reply(200, result=[run_summary(run) for run in runs], count=len(runs), hashes=hashes(None))

    @expose("/runs/", methods=("POST",))
    @protect()
    @safe
    def create_run(self) -> Response:
        """Create a run from its contract: a file you uploaded (or a Superset table) into a dataset you may write
        (or a YAML target schema). Nothing runs yet; the contract's hash is fixed here.
        ---
        post:
          summary: Create an onboarding run
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/CreateRunSchema'
          responses:
            201:
              description: The run, with a strong ETag
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/RunResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              description: You may not write the target dataset (TARGET_FORBIDDEN) or read it
            404:
              $ref: '#/components/responses/404'
            422:
              description: The contract is invalid (CONTRACT_INVALID, each key named in errors)
        """
        from superset_review.onboarding.commands.create import CreateRunCommand

        payload = self.body(CreateRunSchema())
        run = CreateRunCommand(payload["name"], payload["contract"]).run()
        return self.run_reply(201, run)

    @expose("/runs/<run_id>", methods=("GET",))
    @protect()
    @safe
    def get_run(self, run_id: str) -> Response:
        """One run: its contract, stages, artifacts and the task of its running stage.
        ---
        get:
          summary: Get an onboarding run
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The run, with a strong ETag
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/RunResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        return self.run_reply(200, visible_run(run_id))

    @expose("/runs/<run_id>/contract", methods=("PUT",))
    @protect()
    @safe
    def change_contract(self, run_id: str) -> Response:
        """Change the run's mode: a new contract version with a new hash, only before its first stage starts.
        ---
        put:
          summary: Change an onboarding run's mode
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: header, name: If-Match, required: false, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ChangeContractSchema'
          responses:
            200:
              description: The run with its new contract version
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/RunResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The run has started (MODE_IMMUTABLE) or is stopped (RUN_STOPPED)
            412:
              description: If-Match names another version of the run (RUN_CHANGED)
        """
        from superset_review.onboarding.commands.lifecycle import ChangeContractCommand

        payload = self.body(ChangeContractSchema())
        run = ChangeContractCommand(run_id, payload["mode"], _if_match()).run()
        return self.run_reply(200, run)

    @expose("/runs/<run_id>/stages/<stage>", methods=("POST",))
    @protect()
    @safe
    def start_stage(self, run_id: str, stage: str) -> Response:
        """Start a stage (ingest, domains, mapping, analysis) as a background task acting with the run owner's
        rights; the stage before must have passed, and mappings on hold need confirm: true when the contract asks.
        ---
        post:
          summary: Start a stage of an onboarding run
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: path, name: stage, required: true, schema: {type: string, enum: [ingest, domains, mapping, analysis]}}
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/StartStageSchema'
          responses:
            202:
              description: The stage's task
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/StageResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The stage before has not passed or needs a confirmation (STAGE_GATED), or the run is
                stopped (RUN_STOPPED)
            503:
              description: The worker queue could not be reached
        """
        from superset_review.onboarding.commands.stage import StartStageCommand, queue_stage

        if stage not in {item.value for item in Stage}:
            raise ReviewError(
                Text("there is no stage %(stage)s: ingest, domains, mapping or analysis", stage=stage[:40]),
                ErrorCode.NOT_FOUND,
            )
        payload = self.body(StartStageSchema(), required=False)
        run = StartStageCommand(run_id, stage, payload["confirm"]).run()
        task, status = queue_stage(run, Stage(stage))
        latest = ArtifactDAO.latest(run)
        return _with_etag(
            self.reply(status, result={"task": task_json(task)}, hashes=hashes(run, latest)), run_etag(run)
        )

    @expose("/runs/<run_id>/stop", methods=("POST",))
    @protect()
    @safe
    def stop_run(self, run_id: str) -> Response:
        """Stop the run: it keeps its artifacts and takes no more stages (a stage running now stores nothing).
        ---
        post:
          summary: Stop an onboarding run
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: header, name: If-Match, required: false, schema: {type: string}}
          responses:
            200:
              description: The stopped run
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/RunResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The run is stopped already (RUN_STOPPED)
            412:
              description: If-Match names another version of the run (RUN_CHANGED)
        """
        from superset_review.onboarding.commands.lifecycle import StopRunCommand

        return self.run_reply(200, StopRunCommand(run_id, _if_match()).run())

    # --- artifacts -----------------------------------------------------------------------------------------------

    @expose("/runs/<run_id>/artifacts/", methods=("GET",))
    @protect()
    @safe
    def list_artifacts(self, run_id: str) -> Response:
        """Every version of every artifact of the run, oldest first (without their bodies).
        ---
        get:
          summary: List an onboarding run's artifacts
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The artifacts
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ArtifactListResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        run = visible_run(run_id)
        rows = ArtifactDAO.listed(run)
        return self.reply(
            200, result=[artifact_entry(row) for row in rows], hashes=hashes(run, ArtifactDAO.latest(run))
        )

    @expose("/runs/<run_id>/events/", methods=("GET",))
    @protect()
    @safe
    def list_events(self, run_id: str) -> Response:
        """The run's ledger, oldest first: every stage decision with its inputs and outputs hashes, the contract hash,
        the policy and DSL versions and who confirmed.
        ---
        get:
          summary: List an onboarding run's ledger
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The events
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/EventListResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        run = visible_run(run_id)
        events = [event_json(event) for event in RunEventDAO.of_run(run)]
        return self.reply(200, result=events, hashes=hashes(run, ArtifactDAO.latest(run)))

    @expose("/runs/<run_id>/artifacts/<kind>", methods=("GET",))
    @protect()
    @safe
    def get_artifact(self, run_id: str, kind: str) -> Response:
        """One artifact's body (the newest version, or ?version=N), masked; a Sample Pack's raw rows are never
        served.
        ---
        get:
          summary: Get an onboarding run's artifact
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: path, name: kind, required: true, schema: {type: string}}
          - {in: query, name: version, required: false, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The artifact, with a strong ETag (its content hash)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ArtifactResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        run = visible_run(run_id)
        artifact = self._artifact(run, kind, self._version_arg())
        return _with_etag(
            self.reply(200, result=artifact_json(artifact), hashes=hashes(run, ArtifactDAO.latest(run))),
            artifact_etag(artifact),
        )

    @staticmethod
    def _version_arg() -> int | None:
        raw = request.args.get("version")
        if raw is None:
            return None
        version = whole_number(raw, MAX_ID)
        if version is None:
            raise ReviewError(
                Text("version must be an integer from 1 to %(max)d", max=MAX_ID), ErrorCode.INVALID_REQUEST
            )
        return version

    @staticmethod
    def _artifact(run: OnboardingRun, kind: str, version: int | None) -> RunArtifact:
        artifact = ArtifactDAO.get(run, kind, version) if kind in {item.value for item in ArtifactKind} else None
        if artifact is None:
            said = (
                Text("run %(run)s has no version %(version)d of artifact %(kind)s", run=run.run_id, kind=kind[:40],
                     version=version)
                if version
                else Text("run %(run)s has no artifact %(kind)s", run=run.run_id, kind=kind[:40])
            )  # fmt: skip
            raise ReviewError(said, ErrorCode.NOT_FOUND)
        return artifact

    # --- checks before anything is sent --------------------------------------------------------------------------

    @expose("/runs/<run_id>/policy_check", methods=("GET",))
    @protect()
    @safe
    def policy_check(self, run_id: str) -> Response:
        """What the policy lets the run send to an LLM, per stage, before anything is sent: the contract's mode,
        the provider lists, the PII policy against the catalog's domains; with the policy's hash.
        ---
        get:
          summary: Check an onboarding run against the policy
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The check
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ReportResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.onboarding.commands.checks import RunPolicyCheckCommand

        run = visible_run(run_id)
        report = RunPolicyCheckCommand(run_id).run()
        return self.reply(200, result=report, hashes=hashes(run, ArtifactDAO.latest(run)))

    @expose("/runs/<run_id>/cost_estimate", methods=("GET",))
    @protect()
    @safe
    def cost_estimate(self, run_id: str) -> Response:
        """Tokens per stage from the catalog's size and the prompts, priced with the model registry when one is
        configured, against the contract's and the profile's budgets. Nothing is sent.
        ---
        get:
          summary: Estimate an onboarding run's LLM cost
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The estimate
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ReportResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.onboarding.commands.checks import RunCostEstimateCommand

        run = visible_run(run_id)
        report = RunCostEstimateCommand(run_id).run()
        return self.reply(200, result=report, hashes=hashes(run, ArtifactDAO.latest(run)))

    # --- mappings and the analysis -------------------------------------------------------------------------------

    @expose("/runs/<run_id>/mappings/", methods=("GET",))
    @protect()
    @safe
    def list_mappings(self, run_id: str) -> Response:
        """The run's mapping per target column: pipeline, compiled SQL and Polars, rates, decision.
        ---
        get:
          summary: List an onboarding run's mappings
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The mappings
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MappingListResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.onboarding.commands.decide import mapping_document

        run = visible_run(run_id)
        latest = ArtifactDAO.latest(run)
        result = [mapping_document(run, mapping, latest) for mapping in MappingDAO.of_run(run)]
        return self.reply(200, result=result, hashes=hashes(run, latest))

    @expose("/runs/<run_id>/mappings/<target>", methods=("GET",))
    @protect()
    @safe
    def get_mapping(self, run_id: str, target: str) -> Response:
        """One target column's mapping, with a strong ETag.
        ---
        get:
          summary: Get an onboarding run's mapping
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: path, name: target, required: true, schema: {type: string}}
          responses:
            200:
              description: The mapping
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MappingResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.onboarding.commands.decide import existing_mapping, mapping_document

        run = visible_run(run_id)
        mapping = existing_mapping(run, target)
        latest = ArtifactDAO.latest(run)
        return _with_etag(
            self.reply(200, result=mapping_document(run, mapping, latest), hashes=hashes(run, latest)),
            mapping_etag(run, mapping),
        )

    @expose("/runs/<run_id>/mappings/<target>", methods=("PUT",))
    @protect()
    @safe
    def decide_mapping(self, run_id: str, target: str) -> Response:
        """Decide a mapping (accept, hold, fix), optionally with a changed pipeline or sources: a changed pipeline
        is checked by the DSL (DSL_REJECT, recorded even when refused) and run again on the Sample Pack. If-Match
        takes the mapping's ETag or its version.
        ---
        put:
          summary: Decide an onboarding run's mapping
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: path, name: target, required: true, schema: {type: string}}
          - {in: header, name: If-Match, required: false, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/DecideMappingSchema'
          responses:
            200:
              description: The mapping's new version
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MappingResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The run is stopped (RUN_STOPPED)
            412:
              description: If-Match names another version of the mapping (RUN_CHANGED)
            422:
              description: The pipeline is refused (DSL_REJECT, its path named)
        """
        from superset_review.onboarding.commands.decide import DecideMappingCommand, mapping_document

        payload = self.body(DecideMappingSchema())
        run, mapping = DecideMappingCommand(
            run_id, target, payload["decision"], payload["dsl"], payload["sources"], _if_match()
        ).run()
        latest = ArtifactDAO.latest(run)
        return _with_etag(
            self.reply(200, result=mapping_document(run, mapping, latest), hashes=hashes(run, latest)),
            mapping_etag(run, mapping),
        )

    @expose("/runs/<run_id>/analysis", methods=("GET",))
    @protect()
    @safe
    def get_analysis(self, run_id: str) -> Response:
        """The run's quality report (the newest analysis artifact).
        ---
        get:
          summary: Get an onboarding run's analysis
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The report, with a strong ETag
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ReportResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        run = visible_run(run_id)
        artifact = self._artifact(run, ArtifactKind.ANALYSIS.value, None)
        return _with_etag(
            self.reply(200, result=artifact.body, hashes=hashes(run, ArtifactDAO.latest(run))),
            artifact_etag(artifact),
        )

    @expose("/runs/<run_id>/analysis/fixes/<fix_id>", methods=("POST",))
    @protect()
    @safe
    def stage_fix(self, run_id: str, fix_id: str) -> Response:
        """Stage one of the analysis' recommended fixes as a change of its mapping (held for a decision).
        ---
        post:
          summary: Stage a recommended fix
          parameters:
          - {in: path, name: run_id, required: true, schema: {type: string}}
          - {in: path, name: fix_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The mapping as the fix changed it
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MappingResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The run is stopped (RUN_STOPPED)
            422:
              description: The fix's pipeline is refused (DSL_REJECT)
        """
        from superset_review.onboarding.commands.decide import StageFixCommand, mapping_document

        run, mapping = StageFixCommand(run_id, fix_id).run()
        latest = ArtifactDAO.latest(run)
        return _with_etag(
            self.reply(200, result=mapping_document(run, mapping, latest), hashes=hashes(run, latest)),
            mapping_etag(run, mapping),
        )

    # --- the DSL compiler and threshold profiles -----------------------------------------------------------------

    @expose("/compile", methods=("POST",))
    @protect()
    @safe
    def compile_plan(self) -> Response:
        """Compile a DSL plan for an input schema: its content hash, SQL for PostgreSQL and DuckDB, Polars.
        ---
        post:
          summary: Compile a transform DSL plan
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/CompileSchema'
          responses:
            200:
              description: The compiled plan
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/CompileResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            422:
              description: The plan is refused (DSL_REJECT, its path named)
        """
        from superset_review.onboarding.commands.decide import compile_plan

        payload = self.body(CompileSchema())
        return self.reply(200, result=compile_plan(payload["plan"], payload["schema"]), hashes=hashes(None))

    @expose("/profiles/<profile_id>", methods=("GET",))
    @protect()
    @safe
    def get_profile(self, profile_id: str) -> Response:
        """A threshold profile's current version.
        ---
        get:
          summary: Get a threshold profile
          parameters:
          - {in: path, name: profile_id, required: true, schema: {type: string}}
          responses:
            200:
              description: The profile, with a strong ETag
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ProfileResponseSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        from superset_review.onboarding.commands.profile import current_profile

        profile = current_profile(profile_id)
        return _with_etag(self.reply(200, result=profile_json(profile), hashes=hashes(None)), profile_etag(profile))

    @expose("/profiles/<profile_id>", methods=("PUT",))
    @protect()
    @safe
    def update_profile(self, profile_id: str) -> Response:
        """A new version of a threshold profile (can_admin), the whole body checked.
        ---
        put:
          summary: Change a threshold profile
          parameters:
          - {in: path, name: profile_id, required: true, schema: {type: string}}
          - {in: header, name: If-Match, required: false, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/UpdateProfileSchema'
          responses:
            200:
              description: The profile's new version
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ProfileResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            412:
              description: If-Match names another version of the profile (RUN_CHANGED)
            422:
              description: The profile is invalid (PROFILE_INVALID, each key named in errors)
        """
        from superset_review.onboarding.commands.profile import UpdateProfileCommand

        payload = self.body(UpdateProfileSchema())
        profile = UpdateProfileCommand(profile_id, payload["body"], payload["note"], _if_match()).run()
        return _with_etag(self.reply(200, result=profile_json(profile), hashes=hashes(None)), profile_etag(profile))
