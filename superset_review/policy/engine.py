"""The policy engine: given who asks, for what, with which data, which models may be called and how."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from superset_review.extension.i18n import Text
from superset_review.llm.errors import ErrorCode
from superset_review.llm.registry import ModelSpec
from superset_review.policy.manifest import Mode, PolicyManifest
from superset_review.policy.scope import DataScope, ScopeCheck


@dataclass(frozen=True)
class PolicyRequest:
    feature: str
    stage: str = "default"
    contains_data: bool = False  # the prompt carries row values (samples), not only metadata
    sample_rows: int = 0
    sample_bytes: int = 0
    local_only_override: bool = False
    is_admin: bool = False  # holds can_admin on DatasetReview
    # REVIEW_LLM_DATA_SCOPE and the call's source, resolved by the gateway (``policy.scope.resolve``)
    scope: ScopeCheck = field(default_factory=lambda: ScopeCheck(DataScope.DATASETS))


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    policy_version: str
    mode: Mode
    models: tuple[ModelSpec, ...] = ()
    mask_pii: bool = True
    local_only_override: bool = False
    code: ErrorCode | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)  # a refusal's reason is a Text (said to the user)
    scope: ScopeCheck | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "data_scope": self.scope.to_dict() if self.scope else None,
            "allowed": self.allowed,
            "policy_version": self.policy_version,
            "mode": self.mode.value,
            "models": [model.name for model in self.models],
            "mask_pii": self.mask_pii,
            "local_only_override": self.local_only_override,
            "error_code": self.code.value if self.code else None,
            "reasons": list(self.reasons),
        }


def _listed(model: ModelSpec, names: Sequence[str]) -> bool:
    return model.provider in names or model.name in names or model.model in names


def decide(manifest: PolicyManifest, request: PolicyRequest, chain: Sequence[ModelSpec]) -> PolicyDecision:
    """Every rule in one place; the first that blocks wins, and says why."""

    def block(reason: str) -> PolicyDecision:
        return PolicyDecision(
            allowed=False,
            policy_version=manifest.version,
            mode=manifest.mode,
            code=ErrorCode.POLICY_BLOCK,
            reasons=(reason,),
            local_only_override=request.local_only_override,
            scope=request.scope,
        )

    reasons: list[str] = []
    models = [m for m in chain if not _listed(m, manifest.providers_deny)]
    if manifest.providers_allow:
        models = [m for m in models if _listed(m, manifest.providers_allow)]
    if len(models) < len(chain):
        reasons.append(f"{len(chain) - len(models)} model(s) excluded by the provider allow/deny lists")

    local_only = False
    if request.local_only_override:
        if not request.is_admin:
            return block(Text("local_only_override needs can_admin on DatasetReview"))
        if not manifest.local_only_override_allowed:
            return block(Text("policy %(version)s does not allow local_only_override", version=manifest.version))
        models = [m for m in models if m.local]
        local_only = True
        reasons.append("local_only_override: local models only, data stays on infrastructure you control")

    if request.contains_data:
        if manifest.mode is Mode.METADATA_ONLY and not local_only:
            return block(Text("policy mode metadata_only: no row values may reach a model"))
        # Row values under ai_safe_views: only from a usable AI-safe view, whatever the model (local ones too).
        scope = request.scope
        if scope.scope is DataScope.AI_SAFE_VIEWS and not (
            scope.source is not None and scope.source.kind == "safe_view" and scope.usable_view
        ):
            return block(
                scope.refusal or Text("REVIEW_LLM_DATA_SCOPE is ai_safe_views: read the rows through an AI-safe view")
            )
        if scope.scope is DataScope.AI_SAFE_VIEWS:
            reasons.append(f"rows from AI-safe view {scope.source.id}" if scope.source else "rows from an AI-safe view")
        caps = manifest.sample_caps
        if request.sample_rows > caps.rows:
            return block(
                Text("a sample of %(rows)d rows exceeds the cap of %(cap)d", rows=request.sample_rows, cap=caps.rows)
            )
        if request.sample_bytes > caps.bytes:
            return block(
                Text(
                    "a sample of %(bytes)d bytes exceeds the cap of %(cap)d",
                    bytes=request.sample_bytes,
                    cap=caps.bytes,
                )
            )

    if not models:
        return block(Text("no configured model is allowed by the policy for this call"))

    mask = manifest.require_pii_masking and not local_only
    if mask:
        reasons.append("PII is masked before the call")
    return PolicyDecision(
        allowed=True,
        policy_version=manifest.version,
        mode=manifest.mode,
        models=tuple(models),
        mask_pii=mask,
        local_only_override=local_only,
        reasons=tuple(reasons),
        scope=request.scope,
    )
