"""Borderline columns settled by the LLM, through the gateway: one prompt per table (every column's header, type and
masked sketch, so the model sees the context; the candidate labels for the borderline ones), and an answer that is
data like any other: schema-checked, bounded, and mapped back onto the labels offered for that column. A label the
column was not offered, a column that is not borderline, an answer that is not JSON: ignored, never trusted. With no
LLM configured, or one that fails, the classifier's verdicts stand as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from marshmallow import EXCLUDE, Schema, fields, validate

from superset_review.domains.catalog import Catalog
from superset_review.domains.classify import Band, ColumnDomain
from superset_review.extension.hashing import stable_hash

if TYPE_CHECKING:
    from superset_review.llm.gateway import CompletionResult, LlmGateway
    from superset_review.policy.scope import DataSource

logger = logging.getLogger(__name__)

MAX_COLUMNS = 200  # per prompt: the table's columns listed (a wider table lists its first 200)
MAX_CANDIDATES = 3
DESCRIPTION_CHARS = 120


class _Pick(Schema):
    class Meta:
        unknown = EXCLUDE  # a model's extra keys are noise, not a reason to drop its answer

    column = fields.String(required=True, validate=validate.Length(1, 255))
    domain = fields.String(required=True, allow_none=True, validate=validate.Length(1, 120))


class BorderlinePicks(Schema):
    class Meta:
        unknown = EXCLUDE

    columns = fields.List(fields.Nested(_Pick), required=True, validate=validate.Length(max=MAX_COLUMNS))


def offered(result: ColumnDomain, catalog: Catalog) -> list[str]:
    """The labels a borderline column may take: its top candidates that the catalog still has."""
    names = [candidate["domain"] for candidate in result.evidence.get("candidates") or []]
    return [name for name in names if name in catalog.by_name][:MAX_CANDIDATES]


def evidence_samples(results: Sequence[ColumnDomain]) -> dict[str, list[str]]:
    """The masked snippets the classifier kept in each column's evidence (read from the dataset itself)."""
    return {result.column: list(result.evidence.get("samples") or []) for result in results}


def prompt(
    table: str,
    results: Sequence[ColumnDomain],
    types: dict[str, str],
    catalog: Catalog,
    samples: Mapping[str, Sequence[str]] | None = None,
) -> list[dict[str, str]]:
    """The whole table in one message: headers, types and the given samples of every column (none: metadata
    only), candidates of the borderline ones. A column missing from ``samples`` gets its header and type only."""
    lines = []
    for result in results[:MAX_COLUMNS]:
        values = (samples or {}).get(result.column) or []
        samples_text = ", ".join(repr(snippet) for snippet in values[:3])
        line = f"- {result.column} ({types.get(result.column) or 'unknown type'})"
        line += f": samples {samples_text}" if samples_text else ""
        if result.band is Band.BORDERLINE:
            labels = "; ".join(
                f"{name} = {catalog.by_name[name].description[:DESCRIPTION_CHARS]}" for name in offered(result, catalog)
            )
            line += f"\n  choose one of: {labels}"
        lines.append(line)
    return [
        {
            "role": "system",
            "content": "You classify the columns of a table into business domains. For each column that lists "
            "'choose one of', answer the one domain that fits it, or null when none does. Use only the domain names "
            'offered for that column. Answer {"columns": [{"column": ..., "domain": ...}]}.',
        },
        {"role": "user", "content": f"Table {table}. Columns:\n" + "\n".join(lines)},
    ]


def apply_picks(results: Sequence[ColumnDomain], picks: Any, catalog: Catalog, model: str) -> list[ColumnDomain]:
    """The verdicts with each valid pick applied to its borderline column (still borderline: a person confirms)."""
    by_column: dict[str, str | None] = {}
    for pick in picks.get("columns", []) if isinstance(picks, dict) else []:
        by_column.setdefault(pick["column"], pick["domain"])
    changed: list[ColumnDomain] = []
    for result in results:
        choice = by_column.get(result.column, "")
        if result.band is not Band.BORDERLINE or choice == "":
            changed.append(result)
            continue
        allowed = offered(result, catalog)
        evidence = dict(result.evidence)
        if choice is None:
            evidence["llm"] = {"model": model, "domain": None, "said": "none of the candidates"}
            changed.append(_replaced(result, evidence))
            continue
        if choice not in allowed:
            evidence["llm"] = {"model": model, "ignored": choice[:120], "said": "a label it was not offered"}
            changed.append(_replaced(result, evidence))
            continue
        evidence["llm"] = {"model": model, "domain": choice, "agrees": choice == result.domain}
        score = next((c["score"] for c in evidence.get("candidates") or [] if c["domain"] == choice), result.confidence)
        domain = catalog.by_name[choice]
        # Masking errs on the side of privacy: the original reading's PII class stays when the pick carries none.
        pii = domain.pii or result.pii
        changed.append(ColumnDomain(result.column, choice, float(score), Band.BORDERLINE, pii, evidence))
    return changed


def _replaced(result: ColumnDomain, evidence: dict[str, Any]) -> ColumnDomain:
    return ColumnDomain(result.column, result.domain, result.confidence, result.band, result.pii, evidence)


@dataclass(frozen=True)
class Samples:
    """The row values a borderline prompt may carry, and where they were read from (``REVIEW_LLM_DATA_SCOPE``
    judges the source): the dataset's own masked snippets, or the values of an AI-safe view of it."""

    source: DataSource
    by_column: Mapping[str, Sequence[str]]

    @property
    def rows(self) -> int:
        return max((len(values) for values in self.by_column.values()), default=0)


def settle_borderline(
    table: str, results: list[ColumnDomain], types: dict[str, str], catalog: Catalog, samples: Samples | None
) -> list[ColumnDomain]:
    """Ask the configured LLM about the borderline columns (one call for the table); the results unchanged when no
    column is borderline, no LLM is configured, or the call fails (the reason goes into each column's evidence).

    When the policy refuses the samples (``POLICY_BLOCK``: the data scope refuses their source, the mode or a cap),
    the table is asked again with metadata only (headers, types, candidates) and each column's evidence says that
    its samples were withheld and why."""
    from superset_review.llm.errors import ErrorCode, LlmError
    from superset_review.llm.gateway import LlmGateway

    borderline = [result for result in results if result.band is Band.BORDERLINE and offered(result, catalog)]
    if not borderline:
        return results
    gateway = LlmGateway.from_app()
    if not gateway.configured:
        return results
    withheld: dict[str, Any] | None = None
    try:
        if samples is not None:
            try:
                answer = _ask(gateway, table, results, types, catalog, borderline, samples)
            except LlmError as refused:
                if refused.code is not ErrorCode.POLICY_BLOCK:
                    raise
                logger.info("samples of %s withheld from the LLM: %s", table, refused.message)
                withheld = {"source": samples.source.to_dict(), "reason": str(refused.message)[:500]}
                answer = _ask(gateway, table, results, types, catalog, borderline, None)
        else:
            answer = _ask(gateway, table, results, types, catalog, borderline, None)
    except LlmError as error:
        logger.info("borderline domains of %s not settled by the LLM: %s", table, error.code.value)
        failed = {"error": error.code.value}
        return _withheld(
            [
                _replaced(result, {**result.evidence, "llm": failed}) if result in borderline else result
                for result in results
            ],
            withheld,
        )
    return _withheld(apply_picks(results, answer.data, catalog, answer.model), withheld)


def _ask(
    gateway: LlmGateway,
    table: str,
    results: list[ColumnDomain],
    types: dict[str, str],
    catalog: Catalog,
    borderline: list[ColumnDomain],
    samples: Samples | None,
) -> CompletionResult:
    from superset_review.llm.gateway import CompletionRequest

    messages = prompt(table, results, types, catalog, samples.by_column if samples is not None else None)
    request = CompletionRequest(
        feature="domains.borderline",
        stage="domains",
        lane="domains",
        messages=messages,
        schema=BorderlinePicks(),
        contains_data=samples is not None,
        data_source=samples.source if samples is not None else None,
        sample_rows=samples.rows if samples is not None else 0,
        artifact_hashes=[catalog.content_hash, stable_hash(messages)[:16]],
        max_tokens=200 + 40 * len(borderline),
    )
    return gateway.complete(request)


def _withheld(results: list[ColumnDomain], withheld: dict[str, Any] | None) -> list[ColumnDomain]:
    """Each column's evidence records that the LLM saw no sample of it, and why (None: nothing was withheld)."""
    if withheld is None:
        return results
    return [_replaced(result, {**result.evidence, "llm_samples_withheld": withheld}) for result in results]
