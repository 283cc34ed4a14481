"""A run, its artifacts and mappings as the API says them, the ``hashes`` every response carries, and strong ETags.

An ETag is ``"<sha256>"`` of what it versions: a run's id, version and contract hash; an artifact's content hash; a
mapping's run, target and version. A client sends it back in If-Match; a mapping also accepts its plain ``version``
number there (what the Mapping Studio holds).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from superset_review.extension.hashing import stable_hash
from superset_review.onboarding.models import OnboardingRun, RunArtifact, RunEvent, RunMapping, ThresholdProfile
from superset_review.tasks.models import ReviewTask


def iso(value: datetime | None) -> str | None:
    """A stored time (naive, UTC) as the API says it (``UtcTimestamp``): ISO 8601 without an offset."""
    return value.isoformat() if value is not None else None


def strong_etag(value: Any) -> str:
    return f'"{stable_hash(value)}"'


def run_etag(run: OnboardingRun) -> str:
    return strong_etag({"run_id": run.run_id, "version": run.version, "contract_hash": run.contract_hash})


def artifact_etag(artifact: RunArtifact) -> str:
    return f'"{artifact.content_hash}"'


def mapping_etag(run: OnboardingRun, mapping: RunMapping) -> str:
    return strong_etag({"run_id": run.run_id, "target": mapping.target, "version": mapping.version})


def profile_etag(profile: ThresholdProfile) -> str:
    return f'"{profile.content_hash}"'


def etag_matches(if_match: str, current: str, version: int | None = None) -> bool:
    """Whether an If-Match header names ``current`` (a strong comparison: ``W/`` never matches; ``*`` always does),
    or, where a ``version`` is given, that number."""
    for candidate in (part.strip() for part in if_match.split(",")[:20]):
        if candidate == "*" or candidate == current:
            return True
        if version is not None and candidate.strip('"') == str(version):
            return True
    return False


def policy_hash() -> str:
    return stable_hash(current_app.config["REVIEW_POLICY"].to_dict())


def hashes(run: OnboardingRun | None, latest: dict[str, RunArtifact] | None = None) -> dict[str, Any]:
    """What every response carries: the contract, the policy and the artifacts (kind -> content hash) it used."""
    return {
        "contract": run.contract_hash if run is not None else None,
        "policy": policy_hash(),
        "artifacts": {kind: artifact.content_hash for kind, artifact in sorted((latest or {}).items())},
    }


def run_summary(run: OnboardingRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "name": run.name,
        "mode": run.mode,
        "status": run.status,
        "stage": run.stage,
        "contract_hash": run.contract_hash,
        "target_dataset_id": run.target_dataset_id,
        "created_by": run.created_by,
        "created_on": iso(run.created_on),
        "changed_on": iso(run.changed_on),
        "version": run.version,
    }


def run_json(run: OnboardingRun, latest: dict[str, RunArtifact], task: dict[str, Any] | None) -> dict[str, Any]:
    return {
        **run_summary(run),
        "stages": run.stages,
        "contract": run.contract,
        "contract_version": run.contract_version,
        "error": run.error,
        "artifacts": [
            {"kind": kind, "version": artifact.version, "content_hash": artifact.content_hash}
            for kind, artifact in sorted(latest.items())
        ],
        "task": task,
    }


def artifact_entry(artifact: RunArtifact) -> dict[str, Any]:
    return {
        "kind": artifact.kind,
        "version": artifact.version,
        "content_hash": artifact.content_hash,
        "contract_hash": artifact.contract_hash,
        "created_on": iso(artifact.created_on),
    }


def artifact_json(artifact: RunArtifact) -> dict[str, Any]:
    return {
        "kind": artifact.kind,
        "version": artifact.version,
        "content_hash": artifact.content_hash,
        "contract_hash": artifact.contract_hash,
        "body": artifact.body,
    }


def mapping_json(mapping: RunMapping, compiled: dict[str, Any] | None) -> dict[str, Any]:
    return {
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
        "compiled": compiled,
        "version": mapping.version,
    }


def event_json(event: RunEvent) -> dict[str, Any]:
    return {
        "id": event.id, "stage": event.stage, "action": event.action, "subject": event.subject,
        "inputs_hash": event.inputs_hash, "outputs_hash": event.outputs_hash, "contract_hash": event.contract_hash,
        "policy_version": event.policy_version, "dsl_version": event.dsl_version, "confirmed_by": event.confirmed_by,
        "actor_id": event.actor_id, "created_on": iso(event.created_on), "detail": event.detail,
    }  # fmt: skip


def task_json(task: ReviewTask | None) -> dict[str, Any] | None:
    if task is None:
        return None
    from superset_review.tasks.schemas import TaskSchema

    dumped: dict[str, Any] = TaskSchema().dump(task)
    return dumped
