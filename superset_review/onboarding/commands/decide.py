"""People's decisions on a run's mappings: accept, hold or fix one (optionally with a changed pipeline or sources),
and stage one of the analysis' recommended fixes as such a change. A changed pipeline is checked by the transform DSL
first (a refusal is a ``reject`` event in the ledger even though nothing else is written) and run again on the
Sample Pack; an accepted or overridden mapping stages its aliases in the domain catalog in the same transaction.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from superset.commands.base import BaseCommand
from superset.extensions import db

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text
from superset_review.onboarding.commands.base import (
    acting_user_id,
    bump,
    record_event,
    require_active,
    set_stage,
    visible_run,
)
from superset_review.onboarding.commands.stage import mapping_out, run_context, stage_state
from superset_review.onboarding.dao import ArtifactDAO, MappingDAO
from superset_review.onboarding.documents import etag_matches, mapping_etag, mapping_json
from superset_review.onboarding.models import (
    ArtifactKind,
    LedgerAction,
    MappingDecision,
    OnboardingRun,
    RunArtifact,
    RunMapping,
    RunMode,
    RunStatus,
    Stage,
    StageState,
)
from superset_review.onboarding.stages import MappingOut
from superset_review.tasks.models import now
from superset_review.transform_dsl import DSL_VERSION

logger = logging.getLogger(__name__)

COMPILED_TABLE = "source"  # the table name the compiled SQL reads (a migration substitutes its own)


def catalog_schema(catalog: dict[str, Any] | None) -> dict[str, str]:
    """Input column -> logical dtype of the catalog's (first) table: what a pipeline may read."""
    tables = (catalog or {}).get("tables") or []
    if not tables:
        return {}
    return {str(column["name"]): str(column["dtype"]) for column in tables[0].get("columns") or []}


def compile_plan(plan: Any, schema: dict[str, str], table: str = COMPILED_TABLE) -> dict[str, Any]:
    """A DSL plan's content hash, SQL for each dialect and Polars text (DSL_REJECT naming the path if refused)."""
    from superset_review import transform_dsl

    compiled: dict[str, Any] = transform_dsl.compiled(transform_dsl.parse_plan(plan, schema), table)
    return compiled


def source_table(catalog: dict[str, Any] | None) -> str:
    """The table the compiled SQL reads: the catalog's (first) table, as the mapping stage compiles it."""
    tables = (catalog or {}).get("tables") or []
    return str((tables[0].get("name") if tables else None) or COMPILED_TABLE)


def compiled_mapping(mapping: RunMapping, schema: dict[str, str], table: str = COMPILED_TABLE) -> dict[str, Any] | None:
    """The mapping's pipeline compiled over ``table``; None for a mapping with no pipeline (strategy ``none``) or one
    that no longer compiles against the catalog."""
    if mapping.strategy == "none" or not mapping.dsl:
        return None
    try:
        compiled = compile_plan(
            {"dsl_version": DSL_VERSION, "pipelines": [{**mapping.dsl, "target": mapping.target}]}, schema, table
        )
    except Exception:
        logger.info("mapping %s does not compile", mapping.target, exc_info=True)
        return None
    return {"sql": compiled["sql"], "polars": compiled["polars"]}


def mapping_document(run: OnboardingRun, mapping: RunMapping, latest: dict[str, RunArtifact]) -> dict[str, Any]:
    artifact = latest.get(ArtifactKind.CATALOG.value)
    catalog = dict(artifact.body) if artifact is not None else None
    return mapping_json(mapping, compiled_mapping(mapping, catalog_schema(catalog), source_table(catalog)))


def refreshed_plan(run: OnboardingRun, latest: dict[str, RunArtifact]) -> dict[str, Any] | None:
    """The mapping plan as the run's mappings stand now (a person decided one): the stage's plan with its mappings,
    counts and compiled plan made again; None when the run has no plan yet."""
    from superset_review import transform_dsl

    plan = latest.get(ArtifactKind.MAPPING_PLAN.value)
    if plan is None:
        return None
    artifact = latest.get(ArtifactKind.CATALOG.value)
    catalog = dict(artifact.body) if artifact is not None else None
    schema, table = catalog_schema(catalog), source_table(catalog)
    rows = MappingDAO.of_run(run)
    body = dict(plan.body)
    body["mappings"] = [mapping_json(row, compiled_mapping(row, schema, table)) for row in rows]
    body["counts"] = {decision.value: sum(1 for row in rows if row.decision == decision.value)
                      for decision in MappingDecision}  # fmt: skip
    pipelines = [{**row.dsl, "target": row.target} for row in rows if row.strategy != "none" and row.dsl]
    try:
        parsed = transform_dsl.parse_plan({"dsl_version": DSL_VERSION, "pipelines": pipelines}, schema)
    except ReviewError:  # a pipeline stored before the catalog changed: the plan says it does not compile
        logger.info("the plan of run %s does not compile", run.run_id, exc_info=True)
        body["compiled"] = None
        return body
    body["compiled"] = {"plan": parsed.to_dict(), **transform_dsl.compiled(parsed, table)}
    return body


def existing_mapping(run: OnboardingRun, target: str, *, lock: bool = False) -> RunMapping:
    mapping = MappingDAO.find(run, target, lock=lock) if len(target) <= 255 else None
    if mapping is None:
        raise ReviewError(
            Text("run %(run)s has no mapping for target column %(target)s", run=run.run_id, target=target[:80]),
            ErrorCode.MAPPING_NOT_FOUND,
        )
    return mapping


def _mapping_function(name: str) -> Any:
    module_name = (
        "superset_review.onboarding.analysis" if name == "fix_to_mapping" else "superset_review.onboarding.mapping"
    )
    return getattr(importlib.import_module(module_name), name)


class DecideMappingCommand(BaseCommand):
    def __init__(
        self,
        run_id: str,
        target: str,
        decision: str,
        dsl: dict[str, Any] | None,
        sources: list[str] | None,
        if_match: str | None,
        *,
        fix_id: str | None = None,
    ) -> None:
        self._run_id = run_id
        self._target = target
        self._decision = MappingDecision(decision)
        self._dsl = dsl
        self._sources = sources
        self._if_match = if_match
        self._fix_id = fix_id
        self._run: OnboardingRun | None = None
        self._mapping: RunMapping | None = None
        self._latest: dict[str, RunArtifact] = {}
        self._pipeline: dict[str, Any] | None = None

    @property
    def _changed(self) -> bool:
        return self._pipeline is not None

    def validate(self) -> None:
        acting_user_id()
        run = visible_run(self._run_id, lock=True)
        require_active(run)
        mapping = existing_mapping(run, self._target, lock=True)
        current = mapping_etag(run, mapping)
        if self._if_match is not None and not etag_matches(self._if_match, current, mapping.version):
            raise ReviewError(
                Text(
                    "the mapping of %(target)s changed since you read it (it is at version %(version)s): reload it "
                    "and decide again",
                    target=mapping.target,
                    version=mapping.version,
                ),
                ErrorCode.RUN_CHANGED,
                details={"etag": current, "version": mapping.version},
            )
        self._latest = ArtifactDAO.latest(run)
        schema = catalog_schema(self._body(ArtifactKind.CATALOG))
        if self._dsl is not None or self._sources is not None:
            if self._sources is not None and (unknown := [s for s in self._sources if s not in schema]):
                raise ReviewError(
                    Text("sources %(unknown)s are not columns of the run's catalog", unknown=", ".join(unknown)[:300]),
                    ErrorCode.INVALID_REQUEST,
                    details={"field": "sources"},
                )
            pipeline = {**(self._dsl if self._dsl is not None else dict(mapping.dsl)), "target": mapping.target}
            self._check_pipeline(run, mapping, pipeline, schema)
            self._pipeline = pipeline
        self._run, self._mapping = run, mapping

    def _body(self, kind: ArtifactKind) -> dict[str, Any] | None:
        artifact = self._latest.get(kind.value)
        return dict(artifact.body) if artifact is not None else None

    def _check_pipeline(
        self, run: OnboardingRun, mapping: RunMapping, pipeline: dict[str, Any], schema: dict[str, str]
    ) -> None:
        """The DSL's verdict on the pipeline; a refusal is committed to the ledger before it is answered."""
        from superset_review import transform_dsl

        try:
            transform_dsl.parse_pipeline(pipeline, schema)
        except ReviewError as error:
            if error.code != ErrorCode.DSL_REJECT:
                raise
            record_event(
                run,
                Stage.MAPPING.value,
                LedgerAction.REJECT.value,
                subject=mapping.target[:255],
                inputs_hash=stable_hash(mapping.dsl),
                outputs_hash=stable_hash(pipeline),
                detail={
                    "code": str(error.code),
                    "path": getattr(error, "path", None),
                    "message": str(error.message)[:500],
                    "fix_id": self._fix_id,
                },
            )
            db.session.commit()  # the refusal is evidence: kept though the change is not
            raise

    @unit_of_work
    def run(self) -> tuple[OnboardingRun, RunMapping]:
        self.validate()
        run, mapping = self._run, self._mapping
        assert run is not None and mapping is not None
        user_id = acting_user_id()
        before = mapping_out(mapping)
        decided = replace(before, decision=self._decision.value)
        if self._pipeline is not None:
            decided = replace(
                decided,
                dsl=self._pipeline,
                origin="user",
                sources=list(self._sources) if self._sources is not None else [str(self._pipeline.get("source"))],
            )
            decided = replace(self._evaluate(run, decided), decision=self._decision.value, origin="user")
            if self._sources is not None:  # what the person said it reads, beside what the pipeline reads
                decided = replace(decided, sources=list(dict.fromkeys([*decided.sources, *self._sources])))
        mapping.sources, mapping.dsl, mapping.origin = decided.sources, decided.dsl, decided.origin
        mapping.strategy = decided.strategy
        mapping.decision, mapping.confidence, mapping.rationale = (
            decided.decision,
            decided.confidence,
            decided.rationale,
        )
        mapping.success_rate, mapping.near_rate, mapping.fail_rate = (
            decided.success_rate,
            decided.near_rate,
            decided.fail_rate,
        )
        mapping.examples = decided.examples
        mapping.version = int(mapping.version) + 1
        mapping.decided_by, mapping.decided_on = user_id, now()
        staged = self._feedback(decided) if decided.decision == MappingDecision.ACCEPT.value or self._changed else []
        record_event(
            run,
            Stage.MAPPING.value,
            decided.decision,
            subject=mapping.target[:255],
            inputs_hash=stable_hash(before.dsl),
            outputs_hash=stable_hash(decided.dsl),
            detail={
                "changed": self._changed,
                "origin": decided.origin,
                "success_rate": decided.success_rate,
                "version": mapping.version,
                "fix_id": self._fix_id,
                "staged_deltas": staged,
            },
        )
        db.session.flush()
        if (plan := refreshed_plan(run, self._latest)) is not None:
            stored = ArtifactDAO.add(run, ArtifactKind.MAPPING_PLAN.value, plan, None, user_id)
            set_stage(run, Stage.MAPPING.value, artifact_hash=stored.content_hash)
        self._update_stages(run)
        bump(run)
        db.session.flush()
        return run, mapping

    def _evaluate(self, run: OnboardingRun, mapping: MappingOut) -> MappingOut:
        """The changed mapping run on the Sample Pack (data_mode; metadata_only has no rows to run it on)."""
        sample = self._latest.get(ArtifactKind.SAMPLE_PACK.value)
        sample_path = (
            Path(sample.path) if sample is not None and sample.path and run.mode == RunMode.DATA_MODE else None
        )
        as_sent = {"target": mapping.target, "dsl": mapping.dsl, "sources": mapping.sources, "origin": "user"}
        evaluated: MappingOut = _mapping_function("evaluate_mapping")(
            run_context(run),
            as_sent,
            self._body(ArtifactKind.CATALOG) or {},
            self._body(ArtifactKind.TARGET_SCHEMA) or {},
            sample_path,
        )
        return evaluated

    def _feedback(self, mapping: MappingOut) -> list[dict[str, Any]]:
        """The mapping's aliases staged in the domain catalog (issue 12's deltas), in this transaction; a delta the
        catalog refuses is noted, not fatal."""
        from superset_review.domains.commands.stage_delta import StageDeltaCommand
        from superset_review.domains.exceptions import BadDeltaError

        deltas = _mapping_function("feedback_deltas")(
            mapping, self._body(ArtifactKind.CATALOG) or {}, self._body(ArtifactKind.TARGET_SCHEMA) or {}
        )
        staged: list[dict[str, Any]] = []
        origin = {"source": "onboarding", "run_id": self._run_id, "target": mapping.target}
        for delta in deltas or []:
            try:
                row = StageDeltaCommand(
                    acting_user_id(),
                    str(delta.get("kind")),
                    str(delta.get("domain")),
                    dict(delta.get("payload") or {}),
                    origin,
                ).run()
            except BadDeltaError as error:
                staged.append({"kind": delta.get("kind"), "domain": delta.get("domain"), "refused": str(error)[:300]})
                continue
            staged.append({"kind": row.kind, "domain": row.domain, "delta": row.uuid})
        return staged

    def _update_stages(self, run: OnboardingRun) -> None:
        """Mapping is passed once every mapping is accepted, held otherwise; an analysis made before is stale."""
        if stage_state(run, Stage.MAPPING) in (StageState.PASSED.value, StageState.HELD.value):
            on_hold = any(m.decision != MappingDecision.ACCEPT.value for m in MappingDAO.of_run(run))
            set_stage(run, Stage.MAPPING.value, state=(StageState.HELD if on_hold else StageState.PASSED).value)
        if stage_state(run, Stage.ANALYSIS) in (StageState.PASSED.value, StageState.HELD.value):
            set_stage(run, Stage.ANALYSIS.value, state=StageState.PENDING.value, artifact_hash=None)
            run.stage = Stage.ANALYSIS.value
        if run.status == RunStatus.COMPLETED.value:
            run.status = RunStatus.RUNNING.value


class StageFixCommand(BaseCommand):
    """One of the analysis' recommended fixes as a change of its mapping, held for a person to decide."""

    def __init__(self, run_id: str, fix_id: str) -> None:
        self._run_id = run_id
        self._fix_id = fix_id
        self._change: dict[str, Any] = {}

    def validate(self) -> None:
        acting_user_id()
        run = visible_run(self._run_id)
        require_active(run)
        report = ArtifactDAO.get(run, ArtifactKind.ANALYSIS.value)
        if report is None:
            raise ReviewError(Text("run %(run)s has no analysis yet", run=run.run_id), ErrorCode.NOT_FOUND)
        try:
            change = _mapping_function("fix_to_mapping")(dict(report.body), self._fix_id)
        except (KeyError, LookupError):
            change = None
        if not isinstance(change, dict) or not isinstance(change.get("target"), str):
            raise ReviewError(
                Text("the analysis of run %(run)s has no fix %(fix)s", run=run.run_id, fix=self._fix_id[:80]),
                ErrorCode.NOT_FOUND,
            )
        self._change = change

    @unit_of_work
    def run(self) -> tuple[OnboardingRun, RunMapping]:
        self.validate()
        change = self._change
        decision = str(change.get("decision") or MappingDecision.HOLD.value)
        return DecideMappingCommand(
            self._run_id,
            change["target"],
            decision,
            change.get("dsl"),
            change.get("sources"),
            None,
            fix_id=self._fix_id,
        ).run()
