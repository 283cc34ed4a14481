"""The mapping stage: one mapping per target column, and the ``mapping_plan`` artifact.

``run_mapping`` proposes candidates by rule (``strategies``), asks the LLM about the targets the rules leave empty
or weak (``llm``, only with an LLM configured), validates every candidate with the DSL's parser (adding the cast a
pipeline still needs to give the target's type), then decides: in data_mode by running the candidates on the Sample
Pack (``evaluate``: the best of each target's candidates is kept, the others named in its rationale), in
metadata_only by the rule's confidence. ``evaluate_mapping`` does the same for one pipeline a person wrote.

Nothing here writes a table: the run's command stores the mappings, the artifact and the events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from superset_review.domains.catalog import Catalog
from superset_review.domains.live import live_catalog
from superset_review.extension.errors import ErrorCode, ReviewError
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text
from superset_review.onboarding.mapping.columns import SourceColumn, TargetColumn, source_columns, source_schema
from superset_review.onboarding.mapping.columns import target_columns as read_targets
from superset_review.onboarding.mapping.evaluate import (
    HOLD_CONFIDENCE,
    Evaluation,
    SampleEvaluator,
    Thresholds,
    Trial,
    blended_confidence,
    decide,
    decide_without_sample,
)
from superset_review.onboarding.mapping.llm import LlmProposals, catalog_examples, propose_with_llm
from superset_review.onboarding.mapping.strategies import Candidate, Proposer, finishing_ops, strategy_of
from superset_review.onboarding.models import ArtifactKind, RunMode
from superset_review.onboarding.stages import ArtifactOut, MappingOut, MappingOutcome, RunContext
from superset_review.transform_dsl import DSL_VERSION, DslError, compiled, parse_pipeline, parse_plan

if TYPE_CHECKING:
    import polars as pl

DECISION_RANK = {"accept": 0, "hold": 1, "fix": 2}
MAX_SAMPLE_ROWS = 100_000  # the Sample Pack is capped by the contract far below this; a larger file is cut
MAX_RATIONALE = 12
_POLARS_TYPES = {"string": "String", "integer": "Int64", "float": "Float64", "boolean": "Boolean", "date": "Date"}


def read_sample(path: str | Path, sources: Sequence[SourceColumn]) -> pl.DataFrame:
    """The Sample Pack's raw rows with the catalog's names and logical types (a column written under its original
    name is renamed; one of another type is cast, a value that does not cast becoming NULL)."""
    import polars as pl

    frame = pl.read_parquet(path, n_rows=MAX_SAMPLE_ROWS)
    renames = {
        column.original_name: column.name
        for column in sources
        if column.name not in frame.columns and column.original_name in frame.columns
    }
    frame = frame.rename(renames) if renames else frame
    casts = []
    for column in sources:
        if column.name not in frame.columns:
            # A column the catalog has and the sample lacks reads as NULLs: its pipelines count no row.
            dtype = pl.Datetime("us") if column.dtype == "timestamp" else getattr(pl, _POLARS_TYPES[column.dtype])
            casts.append(pl.lit(None, dtype=dtype).alias(column.name))
            continue
        dtype = frame.schema[column.name]
        if column.dtype == "timestamp":
            if not isinstance(dtype, pl.Datetime):
                casts.append(pl.col(column.name).cast(pl.Datetime("us"), strict=False))
        elif dtype != getattr(pl, _POLARS_TYPES[column.dtype]) and not (
            column.dtype == "integer" and dtype.is_integer()
        ):
            casts.append(pl.col(column.name).cast(getattr(pl, _POLARS_TYPES[column.dtype]), strict=False))
    return frame.with_columns(casts) if casts else frame


def validated(candidate: Candidate, target: TargetColumn, schema: Mapping[str, str]) -> Candidate | str:
    """The candidate with its pipeline in the DSL's canonical form, ending in the target's type; or why not."""
    try:
        parsed = parse_pipeline(candidate.pipeline, schema)
        if parsed.output_type != target.dtype:
            finish = finishing_ops(parsed.output_type, target.dtype)
            if finish is None:
                return f"{candidate.strategy} gives {parsed.output_type}, no operation makes it {target.dtype}"
            ops = [*candidate.pipeline["ops"], *finish]
            parsed = parse_pipeline({**candidate.pipeline, "ops": ops}, schema)
    except DslError as error:
        return f"{candidate.strategy} refused by the DSL: {error.message}"
    return replace(candidate, pipeline=parsed.to_dict())


def _none(target: TargetColumn, reasons: Sequence[str]) -> MappingOut:
    rationale = ["no source column fits", *reasons]
    if target.required:
        rationale.append("the target requires a value")
    return MappingOut(
        target=target.name,
        sources=[],
        strategy="none",
        dsl={"target": target.name, "source": None, "ops": []},
        origin="rules",
        decision="fix",
        confidence=0.0,
        rationale=rationale[:MAX_RATIONALE],
    )


def _out(
    candidate: Candidate, decision: str, confidence: float, rationale: list[str], evaluation: Evaluation | None
) -> MappingOut:
    return MappingOut(
        target=candidate.target,
        sources=list(candidate.sources),
        strategy=candidate.strategy,
        dsl=candidate.pipeline,
        origin=candidate.origin,
        decision=decision,
        confidence=confidence,
        rationale=rationale[:MAX_RATIONALE],
        success_rate=evaluation.success_rate if evaluation else None,
        near_rate=evaluation.near_rate if evaluation else None,
        fail_rate=evaluation.fail_rate if evaluation else None,
        examples=evaluation.examples if evaluation else None,
    )


def judged(candidate: Candidate, evaluation: Evaluation | None, thresholds: Thresholds) -> MappingOut:
    """A candidate's mapping: decided by its rates when it ran on a sample, else by its confidence."""
    rationale = list(candidate.rationale)
    if evaluation is None:
        decision, why = decide_without_sample(candidate.confidence, thresholds)
        return _out(candidate, decision, candidate.confidence, [*rationale, why], None)
    if evaluation.success_rate is None or evaluation.near_rate is None:
        return _out(
            candidate,
            "hold",
            round(candidate.confidence * HOLD_CONFIDENCE, 4),
            [*rationale, *evaluation.reasons],
            evaluation,
        )
    decision = decide(evaluation.success_rate, evaluation.near_rate, thresholds)
    rates = (
        f"{evaluation.success_rate:.1%} success, {evaluation.near_rate:.1%} near, {evaluation.fail_rate:.1%} fail "
        f"of {evaluation.counted} rows (accept at {thresholds.accept_rate_min:.0%})"
    )
    confidence = blended_confidence(candidate.confidence, evaluation.success_rate)
    return _out(candidate, decision, confidence, [*rationale, rates, *evaluation.reasons], evaluation)


def _best(outs: Sequence[MappingOut]) -> MappingOut:
    return min(outs, key=lambda out: (DECISION_RANK[out.decision], -out.confidence))


def _with_alternatives(best: MappingOut, others: Sequence[MappingOut]) -> MappingOut:
    if not others:
        return best
    said = [
        f"also tried: {other.strategy} from {', '.join(other.sources)} ({other.decision}, {other.confidence:.2f})"
        for other in others
    ]
    rationale = [*best.rationale, *said][:MAX_RATIONALE]
    return replace(best, rationale=rationale)


def _compiled_plan(mappings: Sequence[MappingOut], schema: Mapping[str, str], table: str) -> dict[str, Any]:
    pipelines = [mapping.dsl for mapping in mappings if mapping.strategy != "none"]
    plan = parse_plan({"dsl_version": DSL_VERSION, "pipelines": pipelines}, schema)
    return {"plan": plan.to_dict(), **compiled(plan, table)}


def mapping_json(
    mapping: MappingOut, schema: Mapping[str, str], table: str = "source", version: int = 1
) -> dict[str, Any]:
    """A mapping as the API serves it (the preamble's Mapping JSON), with its own SQL over ``table`` and Polars."""
    body: dict[str, Any] = {
        "target": mapping.target,
        "sources": mapping.sources,
        "strategy": mapping.strategy,
        "dsl": mapping.dsl,
        "origin": mapping.origin,
        "decision": mapping.decision,
        "confidence": mapping.confidence,
        "success_rate": mapping.success_rate,
        "near_rate": mapping.near_rate,
        "fail_rate": mapping.fail_rate,
        "rationale": mapping.rationale,
        "examples": mapping.examples or [],
        "compiled": None,
        "version": version,
    }
    if mapping.strategy != "none":
        one = compiled(parse_plan({"dsl_version": DSL_VERSION, "pipelines": [mapping.dsl]}, schema), table)
        body["compiled"] = {"sql": one["sql"], "polars": one["polars"]}
    return body


def _source_table(catalog_body: Mapping[str, Any]) -> dict[str, Any] | None:
    tables = catalog_body.get("tables")
    if not isinstance(tables, list) or not tables or not isinstance(tables[0], Mapping):
        return None
    return {key: tables[0].get(key) for key in ("name", "schema_hash", "content_hash")}


class MappingRun:
    """One mapping stage (or one re-evaluation) over one catalog, target schema and Sample Pack."""

    def __init__(
        self,
        ctx: RunContext,
        catalog_body: Mapping[str, Any],
        target_body: Mapping[str, Any],
        sample_path: str | Path | None,
        catalog: Catalog | None = None,
    ) -> None:
        self.ctx = ctx
        self.catalog_body = catalog_body
        self.target_body = target_body
        self.catalog = catalog or live_catalog().catalog
        self.sources = source_columns(catalog_body)
        self.targets = read_targets(target_body)
        self.schema = source_schema(self.sources)
        self.table = str((_source_table(catalog_body) or {}).get("name") or "source")
        self.thresholds = Thresholds.of(ctx.profile, ctx.contract)
        data_mode = ctx.mode == RunMode.DATA_MODE
        self.sample = read_sample(sample_path, self.sources) if data_mode and sample_path else None
        self.evaluator = (
            SampleEvaluator(self.sample, self.schema, {c.name: c for c in self.sources}, self.catalog)
            if self.sample is not None
            else None
        )

    def propose(self) -> tuple[list[list[Candidate]], dict[str, list[str]]]:
        """Per target, its valid candidates best first; and per target the reasons candidates were dropped."""
        ranked = Proposer(self.sources, self.catalog, self.sample).propose(self.targets)
        dropped: dict[str, list[str]] = {}
        out: list[list[Candidate]] = []
        for target, candidates in zip(self.targets, ranked, strict=True):
            kept: list[Candidate] = []
            for candidate in candidates:
                checked = validated(candidate, target, self.schema)
                if isinstance(checked, str):
                    dropped.setdefault(target.name, []).append(checked)
                else:
                    kept.append(checked)
            out.append(kept)
        return out, dropped

    def ask_llm(self, ranked: list[list[Candidate]]) -> LlmProposals:
        weak = [
            target
            for target, candidates in zip(self.targets, ranked, strict=True)
            if not candidates or candidates[0].confidence < HOLD_CONFIDENCE
        ]
        if not weak:
            return LlmProposals()
        budgets = self.ctx.profile.get("token_budgets") or {}
        examples = catalog_examples(self.catalog_body) if self.ctx.mode == RunMode.DATA_MODE else None
        proposals = propose_with_llm(
            self.sources,
            weak,
            self.schema,
            examples,
            max_tokens=int(budgets.get("mapping", 0) or 0),
            artifact_hashes=[self.ctx.contract_hash, stable_hash(self.catalog_body)[:16]],
        )
        for position, target in enumerate(self.targets):
            proposed = proposals.candidates.get(target.name)
            if proposed is None:
                continue
            checked = validated(proposed, target, self.schema)
            if isinstance(checked, Candidate):
                strategy = strategy_of(checked.pipeline)
                ranked[position].append(replace(checked, strategy=strategy))
        return proposals

    def decide(self, ranked: list[list[Candidate]], dropped: Mapping[str, list[str]]) -> list[MappingOut]:
        trials = [
            Trial(candidate.pipeline, target, candidate.sources)
            for target, candidates in zip(self.targets, ranked, strict=True)
            for candidate in candidates
        ]
        evaluations: list[Evaluation | DslError] = self.evaluator.run(trials) if self.evaluator else []
        mappings: list[MappingOut] = []
        position = 0
        for target, candidates in zip(self.targets, ranked, strict=True):
            outs: list[MappingOut] = []
            evaluated: dict[int, tuple[Trial, Evaluation]] = {}
            for candidate in candidates:
                evaluation = evaluations[position] if evaluations else None
                trial = trials[position]
                position += 1
                if isinstance(evaluation, DslError):
                    continue
                outs.append(judged(candidate, evaluation, self.thresholds))
                if evaluation is not None:
                    evaluated[id(outs[-1])] = (trial, evaluation)
            if not outs:
                mappings.append(_none(target, dropped.get(target.name, [])))
                continue
            best = _best(outs)
            others = [out for out in outs if out is not best]
            if self.evaluator is not None and id(best) in evaluated:
                shown = self.evaluator.with_examples(*evaluated[id(best)])
                best = replace(best, examples=shown.examples)
            mappings.append(_with_alternatives(best, others))
        return mappings

    def artifact(self, mappings: Sequence[MappingOut], llm: LlmProposals) -> ArtifactOut:
        counts = {decision: sum(1 for m in mappings if m.decision == decision) for decision in DECISION_RANK}
        body: dict[str, Any] = {
            "dsl_version": DSL_VERSION,
            "mode": str(self.ctx.mode),
            "contract_hash": self.ctx.contract_hash,
            "source": _source_table(self.catalog_body),
            "target_schema_hash": self.target_body.get("schema_hash"),
            "thresholds": {
                "accept_rate_min": self.thresholds.accept_rate_min,
                "near_match_window": self.thresholds.near_match_window,
                "human_confirm_required": self.thresholds.human_confirm_required,
            },
            "counts": counts,
            "mappings": [mapping_json(mapping, self.schema, self.table) for mapping in mappings],
            "compiled": _compiled_plan(mappings, self.schema, self.table),
            "llm": {
                "proposed": len(llm.candidates),
                "rejected": sum(1 for event in llm.events if event["action"] == "reject"),
                "notes": llm.notes,
            },
        }
        return ArtifactOut(ArtifactKind.MAPPING_PLAN, body)


def run_mapping(
    ctx: RunContext, catalog_body: Mapping[str, Any], target_body: Mapping[str, Any], sample_path: str | Path | None
) -> MappingOutcome:
    """One mapping per target column (in the target schema's order) and the ``mapping_plan`` artifact."""
    ctx.progress(0.0, "mapping: rule proposals")
    stage = MappingRun(ctx, catalog_body, target_body, sample_path)
    ranked, dropped = stage.propose()
    ctx.progress(0.3, "mapping: LLM proposals")
    llm = stage.ask_llm(ranked)
    ctx.progress(0.5, "mapping: evaluation on the Sample Pack" if stage.sample is not None else "mapping: decisions")
    mappings = stage.decide(ranked, dropped)
    ctx.progress(0.9, "mapping: compiling the plan")
    return MappingOutcome(mappings=mappings, artifacts=[stage.artifact(mappings, llm)], events=llm.events)


def as_mapping(mapping: MappingOut | Mapping[str, Any]) -> dict[str, Any]:
    """A mapping as JSON, whether a command passes the stage's ``MappingOut`` or the stored mapping's JSON."""
    return asdict(mapping) if isinstance(mapping, MappingOut) else dict(mapping)


def evaluate_mapping(
    ctx: RunContext,
    given: MappingOut | Mapping[str, Any],
    catalog_body: Mapping[str, Any],
    target_body: Mapping[str, Any],
    sample_path: str | Path | None,
) -> MappingOut:
    """One pipeline a person wrote (``given``: a ``MappingOut`` or ``{"target", "dsl": {"source", "ops"}, "origin"?}``),
    validated and run on the Sample Pack. The decision returned is the evidence's (the command records the person's
    on top).

    Raises ``DslError`` (DSL_REJECT, with the path) for a pipeline the DSL refuses, and ``ReviewError``
    MAPPING_NOT_FOUND for a target that is not a column of the target schema."""
    mapping = as_mapping(given)
    stage = MappingRun(ctx, catalog_body, target_body, sample_path)
    name = mapping.get("target")
    target = next((column for column in stage.targets if column.name == name), None)
    if target is None:
        raise ReviewError(
            Text("The target schema has no column %(target)s.", target=str(name)[:255]),
            ErrorCode.MAPPING_NOT_FOUND,
            {"target": str(name)[:255]},
        )
    dsl = mapping.get("dsl")
    if not isinstance(dsl, Mapping):
        raise DslError("dsl", "a pipeline is a JSON object {source, ops}")
    parsed = parse_pipeline({"target": target.name, "source": dsl.get("source"), "ops": dsl.get("ops")}, stage.schema)
    origin = mapping.get("origin") if mapping.get("origin") in ("rules", "llm", "user") else "user"
    rationale = ["written by a person"] if origin == "user" else []
    if parsed.output_type != target.dtype:
        rationale.append(f"gives {parsed.output_type}; the target column is {target.dtype}")
    candidate = Candidate(
        target.name,
        strategy_of(parsed.to_dict()),
        tuple(parsed.input_columns()),
        parsed.to_dict(),
        1.0 if origin == "user" else float(mapping.get("confidence") or 0.0),
        tuple(rationale),
        origin=str(origin),
    )
    if stage.evaluator is None:
        why = "metadata only: no sample to run it on; a person's decision stands"
        return _out(candidate, "hold", candidate.confidence, [*rationale, why], None)
    trial = Trial(candidate.pipeline, target, candidate.sources)
    [evaluation] = stage.evaluator.run([trial])
    if isinstance(evaluation, DslError):  # parsed above on its own: a refusal here would be the DSL's bug
        raise evaluation
    return judged(candidate, stage.evaluator.with_examples(trial, evaluation), stage.thresholds)
