"""LLM proposals for the targets the rules could not fill (or filled weakly), through the gateway.

The prompt carries metadata: every source column's name, type and domain, and the targets asked about with theirs;
in data_mode also the catalog's examples of each source column, which ingest masked by domain (the gateway masks
again what it finds). Like domaining's borderline step, a prompt with examples that the policy refuses
(``POLICY_BLOCK``: the data scope, the mode, a cap) is asked again with metadata only.

The answer is data: a bounded JSON document (``LlmPipelines``), whose pipelines are parsed with
``transform_dsl.parse_pipeline`` like any user's. The LLM writes DSL, never code: an operation outside the twelve,
a parameter the DSL refuses or a column that does not exist is ``DSL_REJECT``, recorded as an event of the stage and
never run. A pipeline for a target that was not asked about is ignored (and recorded too).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import has_app_context
from marshmallow import EXCLUDE, Schema, fields, validate

from superset_review.extension.hashing import stable_hash
from superset_review.onboarding.mapping.columns import SourceColumn, TargetColumn
from superset_review.onboarding.mapping.strategies import Candidate
from superset_review.transform_dsl import DslError, parse_pipeline

if TYPE_CHECKING:
    from superset_review.llm.gateway import CompletionResult, LlmGateway

logger = logging.getLogger(__name__)

MAX_TARGETS = 50  # asked about in one prompt (the weakest first)
MAX_SOURCES = 200  # listed in the prompt
MAX_OPS = 50  # per answered pipeline, as the DSL's own limit
MAX_EXAMPLES = 3
EXAMPLE_CHARS = 40
LLM_CONFIDENCE = 0.6  # what an LLM pipeline's rule confidence is taken as, before the Sample Pack says more
TOKENS_PER_TARGET = 120
DETAIL_CHARS = 300

OPERATIONS_TEXT = """The operations (in a pipeline's "ops", applied in order to the source column's value):
trim {side: both|left|right}; case {to: upper|lower}; collapse_whitespace {};
regex_extract {pattern, group}; regex_split {pattern, index}; concat {parts: [{column}|{literal}], separator};
map_dict {mapping: {from: to}, default: keep|null}; unit_convert {from, to};
date_parse {format (strftime: %Y %m %d %H %M %S)}; date_format {format}; type_cast {to: string|integer|float|boolean|
date|timestamp}; safe_math {fn: add|sub|mul|div|round|abs|neg, operand: number|{column}, digits}."""


class _AnsweredPipeline(Schema):
    class Meta:
        unknown = EXCLUDE  # a model's extra keys ("why") are noise

    target = fields.String(required=True, validate=validate.Length(1, 255))
    source = fields.String(required=True, validate=validate.Length(1, 255))
    # Each op stays raw here: the DSL's parser is the one judge of what an operation may be (and refuses the rest
    # as DSL_REJECT with its path), so that a refusal is recorded rather than lost in a schema error.
    ops = fields.List(fields.Dict(), required=True, validate=validate.Length(max=MAX_OPS))


class LlmPipelines(Schema):
    class Meta:
        unknown = EXCLUDE

    pipelines = fields.List(fields.Nested(_AnsweredPipeline), required=True, validate=validate.Length(max=MAX_TARGETS))


@dataclass
class LlmProposals:
    candidates: dict[str, Candidate] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said in the mapping plan: why the LLM was not asked, etc.


def _line(column: SourceColumn, examples: Sequence[str] | None) -> str:
    line = f"- {column.name} ({column.dtype}"
    line += f", domain {column.domain})" if column.domain else ")"
    if examples:
        line += ": examples " + ", ".join(repr(str(value)[:EXAMPLE_CHARS]) for value in examples[:MAX_EXAMPLES])
    return line


def prompt(
    sources: Sequence[SourceColumn],
    targets: Sequence[TargetColumn],
    examples: Mapping[str, Sequence[str]] | None,
) -> list[dict[str, str]]:
    source_lines = [_line(column, (examples or {}).get(column.name)) for column in sources[:MAX_SOURCES]]
    target_lines = [
        f"- {target.name} ({target.dtype}" + (f", domain {target.domain})" if target.domain else ")")
        for target in targets[:MAX_TARGETS]
    ]
    return [
        {
            "role": "system",
            "content": "You map the columns of a source table onto target columns by writing pipelines of a small "
            "transform DSL, as JSON; never code. A pipeline reads one source column (concat and safe_math may read "
            "others) and applies its ops in order. Use only the listed source columns and only these operations, "
            "with exactly these parameters.\n" + OPERATIONS_TEXT + "\nAnswer "
            '{"pipelines": [{"target": ..., "source": ..., "ops": [...]}]}, one per target you can fill; leave out '
            "a target no source column fits.",
        },
        {
            "role": "user",
            "content": "Source columns:\n"
            + "\n".join(source_lines)
            + "\nTarget columns to fill:\n"
            + "\n".join(target_lines),
        },
    ]


def catalog_examples(catalog_body: Mapping[str, Any]) -> dict[str, list[str]]:
    """The catalog's examples of each column (data_mode only; masked by domain at ingest)."""
    tables = catalog_body.get("tables")
    if not isinstance(tables, list) or not tables or not isinstance(tables[0], Mapping):
        return {}
    out: dict[str, list[str]] = {}
    for column in tables[0].get("columns") or []:
        if isinstance(column, Mapping) and isinstance(column.get("name"), str):
            values = column.get("examples")
            if isinstance(values, list):
                out[column["name"]] = [
                    str(value)[:EXAMPLE_CHARS] for value in values[:MAX_EXAMPLES] if value is not None
                ]
    return out


def _reject(target: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"stage": "mapping", "action": "reject", "subject": target[:255], "detail": detail}


def read_answer(
    data: Any, asked: Mapping[str, TargetColumn], schema: Mapping[str, str], model: str
) -> tuple[dict[str, Candidate], list[dict[str, Any]]]:
    """The answer's pipelines as candidates (one per asked target, the first valid one), and a reject event for
    every pipeline refused."""
    candidates: dict[str, Candidate] = {}
    events: list[dict[str, Any]] = []
    for position, answered in enumerate(data.get("pipelines", []) if isinstance(data, dict) else []):
        target = answered["target"]
        if target not in asked:
            events.append(
                _reject(
                    target,
                    {
                        "code": "NOT_ASKED",
                        "model": model,
                        "index": position,
                        "message": "a pipeline for a target the LLM was not asked about",
                    },
                )
            )
            continue
        if target in candidates:
            continue
        pipeline = {"target": target, "source": answered["source"], "ops": answered["ops"]}
        try:
            parsed = parse_pipeline(pipeline, schema)
        except DslError as error:
            events.append(
                _reject(
                    target,
                    {
                        "code": str(error.code),
                        "path": str(getattr(error, "path", "") or "")[:DETAIL_CHARS],
                        "message": str(error.message)[:DETAIL_CHARS],
                        "model": model,
                        "pipeline_hash": stable_hash(pipeline),
                    },
                )
            )
            continue
        candidates[target] = Candidate(
            target,
            "atomic" if len(parsed.input_columns()) == 1 else "compose",
            tuple(parsed.input_columns()),
            parsed.to_dict(),
            LLM_CONFIDENCE,
            (f"proposed by the LLM ({model})",),
            origin="llm",
        )
    return candidates, events


def propose_with_llm(
    sources: Sequence[SourceColumn],
    targets: Sequence[TargetColumn],
    schema: Mapping[str, str],
    examples: Mapping[str, Sequence[str]] | None,
    *,
    max_tokens: int,
    artifact_hashes: Sequence[str],
) -> LlmProposals:
    """Ask the configured LLM for pipelines of ``targets``; nothing asked (and a note why) when no LLM is
    configured, no target needs it, or the call fails."""
    from superset_review.llm.errors import ErrorCode, LlmError
    from superset_review.llm.gateway import LlmGateway

    proposals = LlmProposals()
    asked = {target.name: target for target in targets[:MAX_TARGETS]}
    if not asked or not sources:
        return proposals
    if not has_app_context():  # a stage run outside Superset (a unit test, a bench): no gateway to ask
        proposals.notes.append("no Superset application: rule proposals only")
        return proposals
    gateway = LlmGateway.from_app()
    if not gateway.configured:
        proposals.notes.append("LLM not configured: rule proposals only")
        return proposals
    budget = min(max_tokens, 200 + TOKENS_PER_TARGET * len(asked)) if max_tokens > 0 else 0
    if budget <= 0:
        proposals.notes.append("the threshold profile gives the mapping stage no LLM tokens")
        return proposals
    try:
        if examples:
            try:
                answer = _ask(gateway, sources, list(asked.values()), examples, budget, artifact_hashes)
            except LlmError as refused:
                if refused.code is not ErrorCode.POLICY_BLOCK:
                    raise
                logger.info("mapping examples withheld from the LLM: %s", refused.message)
                proposals.notes.append(f"examples withheld from the LLM: {str(refused.message)[:DETAIL_CHARS]}")
                answer = _ask(gateway, sources, list(asked.values()), None, budget, artifact_hashes)
        else:
            answer = _ask(gateway, sources, list(asked.values()), None, budget, artifact_hashes)
    except LlmError as error:
        logger.info("mapping proposals not given by the LLM: %s", error.code.value)
        proposals.notes.append(f"the LLM gave no proposal: {error.code.value}")
        return proposals
    proposals.candidates, proposals.events = read_answer(answer.data, asked, schema, answer.model)
    return proposals


def _ask(
    gateway: LlmGateway,
    sources: Sequence[SourceColumn],
    targets: Sequence[TargetColumn],
    examples: Mapping[str, Sequence[str]] | None,
    max_tokens: int,
    artifact_hashes: Sequence[str],
) -> CompletionResult:
    from superset_review.llm.gateway import CompletionRequest

    messages = prompt(sources, targets, examples)
    rows = max((len(values) for values in (examples or {}).values()), default=0)
    request = CompletionRequest(
        feature="onboarding.mapping",
        stage="mapping",
        lane="mapping",
        messages=messages,
        schema=LlmPipelines(),
        contains_data=bool(examples),
        sample_rows=rows,
        artifact_hashes=[*artifact_hashes, stable_hash(messages)[:16]],
        max_tokens=max_tokens,
    )
    return gateway.complete(request)
