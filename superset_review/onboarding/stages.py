"""What a stage of a run is given and what it gives back: the seam between the run's commands and its stages.

The commands (``onboarding/commands``) load the run, check access and the gate, and call a stage with a
:class:`RunContext`; a stage returns :class:`ArtifactOut` values, which the command stores (append-only, each with
its content hash and the contract hash) together with the run's new state and a ledger event, in one transaction.
A stage never writes the run's tables itself, and never sees more than its context gives it.

The stages, in order (each in its package):

- ``ingest.run_ingest(ctx) -> list[ArtifactOut]``: the Standard Schema Catalog (``catalog``), the standardization
  plan (``shim``), the target schema (``target_schema``) and, in data_mode, the ``sample_pack`` (masked body; the raw
  rows in a Parquet file under ``ctx.run_dir``, its path on the artifact).
- ``ingest.run_domains(ctx, catalog) -> list[ArtifactOut]``: a new ``catalog`` version with each column's domain.
- ``mapping.run_mapping(ctx, catalog, target_schema, sample_path) -> MappingOutcome``: one mapping per target
  column and the ``mapping_plan`` artifact.
- ``analysis.run_analysis(ctx, catalog, target_schema, mappings, sample_path) -> list[ArtifactOut]``: the
  ``analysis`` report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from superset_review.onboarding.models import ArtifactKind, RunMode


def _no_progress(fraction: float, step: str) -> None:
    """The default reporter: a stage run outside a task (a unit test, the CLI in-process) reports to no one."""


@dataclass(frozen=True)
class RunContext:
    run_id: str
    contract: dict[str, Any]
    contract_hash: str
    mode: RunMode
    profile: dict[str, Any]  # the threshold profile's body (profiles.ThresholdProfileSchema)
    run_dir: Path  # this run's server-side storage (created by the command)
    source_path: Path | None = None  # lhs.source.type == "file": the upload's file
    source_name: str | None = None  # its name as the user gave it (the upload's filename): the extension is checked
    user_id: int | None = None  # the run's owner: a stage reading Superset data runs with this user's rights
    # Called with 0..1 and a short step text; inside a task it is the task's progress and heartbeat.
    progress: Callable[[float, str], None] = _no_progress


@dataclass(frozen=True)
class ArtifactOut:
    kind: ArtifactKind
    body: dict[str, Any]  # JSON, masked: what an API caller, the workspace or an LLM may see
    path: str | None = None  # a server-side file beside it (the Sample Pack's raw rows), never served


@dataclass(frozen=True)
class MappingOut:
    """One target column's mapping, as ``RunMapping`` stores it (see its columns)."""

    target: str
    sources: list[str]
    strategy: str
    dsl: dict[str, Any]  # a pipeline: {"target", "source", "ops"}
    origin: str  # rules | llm | user
    decision: str  # accept | hold | fix
    confidence: float
    rationale: list[str]
    success_rate: float | None = None
    near_rate: float | None = None
    fail_rate: float | None = None
    examples: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class MappingOutcome:
    mappings: list[MappingOut]
    artifacts: list[ArtifactOut] = field(default_factory=list)  # the mapping_plan (and anything else to store)
    # Ledger entries the stage asks for beyond one per mapping: e.g. an LLM proposal refused as DSL_REJECT.
    events: list[dict[str, Any]] = field(default_factory=list)
