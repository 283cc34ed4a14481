"""What a run would send to an LLM and what it would cost, asked before anything is sent.

``RunPolicyCheckCommand``: per stage that may call a model (domains: borderline columns; mapping: proposals), the
policy engine's decision on what the contract says the run sends (metadata only, or masked rows in data_mode), with
the contract's provider lists added to the policy's; the PII columns of the catalog and how the contract's
``pii_policy`` treats them; the policy's version and hash.

``RunCostEstimateCommand``: tokens per stage from the catalog's size (columns, the Sample Pack's rows in data_mode)
and the size of each stage's prompt, priced with the first model the routing profile would call when a registry is
configured, against the contract's ``budget_caps`` and the threshold profile's token budgets. Nothing is sent.

Both results are stored as the run's ``policy_check`` / ``cost_estimate`` artifacts when they differ from the last
stored version: what the user saw before a stage started stays on record.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app
from superset.commands.base import BaseCommand

from superset_review.domains.commands.base import unit_of_work
from superset_review.extension.hashing import stable_hash
from superset_review.extension.i18n import Text
from superset_review.llm.routing import RoutingProfile, fallback_chain
from superset_review.onboarding.commands.base import current_user_id, is_review_admin, visible_run
from superset_review.onboarding.dao import ArtifactDAO, ThresholdProfileDAO
from superset_review.onboarding.documents import policy_hash
from superset_review.onboarding.models import ArtifactKind, OnboardingRun, RunMode, RunStatus, Stage
from superset_review.policy.engine import PolicyRequest, decide
from superset_review.policy.manifest import PolicyManifest
from superset_review.policy.scope import resolve

# The stages that may call a model, and what each prompt costs beyond its columns (its instructions and schema).
LLM_STAGES: tuple[Stage, ...] = (Stage.DOMAINS, Stage.MAPPING)
PROMPT_TOKENS: dict[Stage, int] = {Stage.DOMAINS: 350, Stage.MAPPING: 600}
# Tokens a column costs in a prompt: its name, type, domain and statistics; a masked sample value adds its own.
COLUMN_TOKENS = 40
VALUE_TOKENS = 6
SAMPLE_VALUES_PER_COLUMN = 5
ANSWER_TOKENS_PER_COLUMN = 60
PII_TREATMENT = {"mask": "masked", "drop": "dropped", "allow_hashed": "hashed"}


def _catalog_columns(run: OnboardingRun) -> list[dict[str, Any]] | None:
    catalog = ArtifactDAO.get(run, ArtifactKind.CATALOG.value)
    if catalog is None:
        return None
    return [column for table in catalog.body.get("tables") or [] for column in table.get("columns") or []]


def _target_columns(run: OnboardingRun) -> int | None:
    target = ArtifactDAO.get(run, ArtifactKind.TARGET_SCHEMA.value)
    if target is not None:
        return len(target.body.get("columns") or [])
    if run.target_dataset_id is not None:
        from superset_review.adapters.datasets import get_dataset

        try:
            return len(get_dataset(run.target_dataset_id).columns)
        except Exception:  # noqa: BLE001 - an estimate without the target's width says so
            return None
    return None


def run_manifest(run: OnboardingRun) -> PolicyManifest:
    """The policy in force with the contract's own provider lists: the contract may narrow it, never widen it."""
    manifest: PolicyManifest = current_app.config["REVIEW_POLICY"]
    allow = tuple(run.contract.get("providers_allow") or ())
    deny = tuple(run.contract.get("providers_deny") or ())
    if manifest.providers_allow and allow:
        allow = tuple(name for name in allow if name in manifest.providers_allow) or ("<none>",)
    return replace(
        manifest,
        providers_allow=allow or manifest.providers_allow,
        providers_deny=tuple(dict.fromkeys((*manifest.providers_deny, *deny))),
    )


def _chain(run: OnboardingRun) -> list[Any]:
    models = current_app.config["REVIEW_LLM_MODELS"]
    return fallback_chain(models, RoutingProfile(run.contract.get("routing_profile") or "quality_first"))


def _store(run: OnboardingRun, kind: ArtifactKind, body: dict[str, Any]) -> None:
    if run.status in (RunStatus.STOPPED.value, RunStatus.FAILED.value):
        return
    latest = ArtifactDAO.get(run, kind.value)
    if latest is None or latest.content_hash != stable_hash(body):
        ArtifactDAO.add(run, kind.value, body, None, current_user_id())


class RunPolicyCheckCommand(BaseCommand):
    def __init__(self, run_id: str) -> None:
        self._run_id = run_id
        self._run: OnboardingRun | None = None

    def validate(self) -> None:
        self._run = visible_run(self._run_id, lock=True)

    @unit_of_work
    def run(self) -> dict[str, Any]:
        self.validate()
        run = self._run
        assert run is not None
        report = policy_report(run)
        _store(run, ArtifactKind.POLICY_CHECK, report)
        return report


def policy_report(run: OnboardingRun) -> dict[str, Any]:
    manifest = run_manifest(run)
    chain = _chain(run)
    data_scope = str(current_app.config.get("REVIEW_LLM_DATA_SCOPE", "ai_safe_views"))
    with_rows = run.mode == RunMode.DATA_MODE.value
    rows = int(run.contract.get("sample_caps", {}).get("rows_max") or 0) if with_rows else 0
    stages: dict[str, Any] = {}
    for stage in LLM_STAGES:
        if not chain:
            stages[stage.value] = {
                "allowed": True,
                "sends": "nothing",
                "models": [],
                "error_code": None,
                "reasons": [Text("LLM not configured: the stage runs on its rules, nothing is sent")],
            }
            continue
        decision = decide(
            manifest,
            PolicyRequest(
                feature=f"onboarding.{stage.value}",
                stage=stage.value,
                contains_data=with_rows,
                sample_rows=rows,
                is_admin=is_review_admin(),
                scope=resolve(data_scope, None, with_rows),
            ),
            chain,
        )
        verdict = decision.to_dict()
        stages[stage.value] = {
            "allowed": decision.allowed,
            "sends": "masked_rows" if with_rows else "metadata",
            "models": verdict["models"],
            "error_code": verdict["error_code"],
            "reasons": verdict["reasons"],
        }
    pii_policy = str(run.contract.get("pii_policy") or "mask")
    columns = _catalog_columns(run)
    pii = [
        {
            "column": column.get("name"),
            "pii": column.get("pii"),
            "domain": column.get("domain"),
            "treatment": PII_TREATMENT.get(pii_policy, "masked") if with_rows else "not sent (metadata only)",
        }
        for column in columns or []
        if column.get("pii")
    ]
    reasons: list[str] = []
    if columns is None:
        reasons.append(Text("the catalog is not made yet: PII columns are known after the ingest and domains stages"))
    return {
        "allowed": all(entry["allowed"] for entry in stages.values()),
        "mode": run.mode,
        "policy_mode": manifest.mode.value,
        "policy_version": manifest.version,
        "policy_hash": policy_hash(),
        "data_scope": data_scope,
        "pii_policy": pii_policy,
        "llm_configured": bool(chain),
        "stages": stages,
        "pii": pii,
        "reasons": reasons,
        "contract_hash": run.contract_hash,
    }


class RunCostEstimateCommand(BaseCommand):
    def __init__(self, run_id: str) -> None:
        self._run_id = run_id
        self._run: OnboardingRun | None = None

    def validate(self) -> None:
        self._run = visible_run(self._run_id, lock=True)

    @unit_of_work
    def run(self) -> dict[str, Any]:
        self.validate()
        run = self._run
        assert run is not None
        report = cost_report(run)
        _store(run, ArtifactKind.COST_ESTIMATE, report)
        return report


def stage_tokens(stage: Stage, source_columns: int, target_columns: int, with_rows: bool) -> tuple[int, int]:
    """Input and output tokens of a stage's prompts, at most (every column borderline, every target proposed)."""
    per_column = COLUMN_TOKENS + (VALUE_TOKENS * SAMPLE_VALUES_PER_COLUMN if with_rows else 0)
    if stage is Stage.DOMAINS:
        return PROMPT_TOKENS[stage] + source_columns * per_column, source_columns * ANSWER_TOKENS_PER_COLUMN
    if stage is Stage.MAPPING:
        # Each target column is proposed from the source columns: one prompt with all of them.
        return (
            PROMPT_TOKENS[stage] + source_columns * per_column + target_columns * COLUMN_TOKENS,
            target_columns * ANSWER_TOKENS_PER_COLUMN * 2,
        )
    return 0, 0


def cost_report(run: OnboardingRun) -> dict[str, Any]:
    chain = _chain(run)
    columns = _catalog_columns(run)
    targets = _target_columns(run)
    with_rows = run.mode == RunMode.DATA_MODE.value
    profile = ThresholdProfileDAO.current(str(run.contract.get("threshold_profile_id")))
    profile_budgets = dict((profile.body if profile else {}).get("token_budgets") or {})
    caps = dict(run.contract.get("budget_caps") or {})
    model = chain[0] if chain else None
    stages: dict[str, Any] = {}
    for stage in (Stage.INGEST, Stage.DOMAINS, Stage.MAPPING, Stage.ANALYSIS):
        known = columns is not None and targets is not None
        tokens_in, tokens_out = stage_tokens(stage, len(columns or []), targets or 0, with_rows) if known else (0, 0)
        cap = (caps.get(stage.value) or {}).get("tokens")
        budget = profile_budgets.get(stage.value)
        limit = min(value for value in (cap, budget) if value is not None) if (cap, budget) != (None, None) else None
        total = tokens_in + tokens_out
        cost = model.cost_usd(tokens_in, tokens_out) if model is not None and known else None
        usd_cap = (caps.get(stage.value) or {}).get("usd")
        stages[stage.value] = {
            "tokens_in": tokens_in if known else None,
            "tokens_out_max": tokens_out if known else None,
            "tokens": total if known else None,
            "usd": round(cost, 6) if cost is not None else None,
            "token_limit": limit,
            "usd_cap": usd_cap,
            "within_budget": None
            if not known
            else (limit is None or total <= limit) and (usd_cap is None or cost is None or cost <= usd_cap),
            "sends": "nothing"
            if stage not in LLM_STAGES or model is None
            else ("masked_rows" if with_rows else "metadata"),
        }
    reasons: list[str] = []
    if columns is None:
        reasons.append(Text("the catalog is not made yet: the estimate is complete after the ingest stage"))
    if model is None:
        reasons.append(Text("LLM not configured: the run uses its rules only and costs no tokens"))
    return {
        "model": model.name if model is not None else None,
        "llm_configured": model is not None,
        "priced": model is not None,
        "source_columns": len(columns) if columns is not None else None,
        "target_columns": targets,
        "stages": stages,
        "total_tokens": sum(entry["tokens"] or 0 for entry in stages.values()) if columns is not None else None,
        "total_usd": round(sum(entry["usd"] or 0 for entry in stages.values()), 6) if model and columns else None,
        "reasons": reasons,
        "contract_hash": run.contract_hash,
    }
