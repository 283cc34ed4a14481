"""The policy engine's rules, one row per case."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.llm.errors import ErrorCode
from superset_review.llm.registry import parse_registry
from superset_review.policy.engine import PolicyRequest, decide
from superset_review.policy.manifest import Budget, Mode, parse_policy

CHAIN = parse_registry(
    [
        {"name": "gpt", "model": "openai/gpt"},
        {"name": "claude", "model": "anthropic/claude"},
        {"name": "llama", "model": "ollama_chat/llama"},
    ]
)


@pytest.mark.parametrize(
    ("policy", "request_", "allowed", "models", "mask", "reason"),
    [
        ({}, PolicyRequest("describe"), True, ["gpt", "claude", "llama"], True, "PII is masked"),
        ({}, PolicyRequest("describe", contains_data=True), False, [], True, "metadata_only"),
        ({"mode": "data_mode"}, PolicyRequest("d", contains_data=True, sample_rows=5), True, ["gpt", "claude", "llama"], True, ""),
        ({"mode": "data_mode"}, PolicyRequest("d", contains_data=True, sample_rows=21), False, [], True, "exceeds the cap of 20"),
        ({"mode": "data_mode", "sample_caps": {"bytes": 10}}, PolicyRequest("d", contains_data=True, sample_bytes=11), False, [], True, "11 bytes exceeds"),
        ({"providers_deny": ["openai"]}, PolicyRequest("d"), True, ["claude", "llama"], True, "allow/deny"),
        ({"providers_allow": ["anthropic", "llama"]}, PolicyRequest("d"), True, ["claude", "llama"], True, "allow/deny"),
        ({"providers_allow": ["gpt"], "providers_deny": ["gpt"]}, PolicyRequest("d"), False, [], True, "no configured model"),
        ({}, PolicyRequest("d", local_only_override=True), False, [], True, "needs can_admin"),
        ({}, PolicyRequest("d", local_only_override=True, is_admin=True), True, ["llama"], False, "local models only"),
        ({"local_only_override_allowed": False}, PolicyRequest("d", local_only_override=True, is_admin=True), False, [], True, "does not allow"),
        ({}, PolicyRequest("d", contains_data=True, local_only_override=True, is_admin=True), True, ["llama"], False, "local"),
        ({"require_pii_masking": False}, PolicyRequest("d"), True, ["gpt", "claude", "llama"], False, ""),
    ],
)  # fmt: skip
def test_decisions(
    policy: dict[str, Any], request_: PolicyRequest, allowed: bool, models: list[str], mask: bool, reason: str
) -> None:
    decision = decide(parse_policy(policy), request_, CHAIN)
    assert decision.allowed is allowed
    assert [m.name for m in decision.models] == models
    assert decision.code is (None if allowed else ErrorCode.POLICY_BLOCK)
    if allowed:
        assert decision.mask_pii is mask
    assert reason in " ".join(decision.reasons)


def test_manifest_defaults_are_safe() -> None:
    manifest = parse_policy({})
    assert manifest.mode is Mode.METADATA_ONLY
    assert manifest.require_pii_masking
    assert manifest.budget_for("anything") == Budget(tokens=2_000_000, usd=20.0)


def test_stage_budgets_and_zero() -> None:
    manifest = parse_policy({"budgets": {"default": {"tokens": 100}, "semantic": {"tokens": 0, "usd": 0}}})
    assert manifest.budget_for("semantic") == Budget(tokens=0, usd=0.0)
    assert manifest.budget_for("other") == Budget(tokens=100, usd=None)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({"mode": "everything"}, "'mode' must be one of metadata_only, data_mode"),
        ({"version": ""}, "'version' must be a non-empty string"),
        ({"budgets": {"x": {"tokens": -1}}}, "budget 'x' tokens must be a number >= 0"),
        ({"budgets": {"x": {"dollars": 1}}}, "budget 'x' must be an object"),
        ({"sample_caps": {"rows": 1.5}}, "'sample_caps.rows' must be an integer"),
        ({"providers_deny": "openai"}, "'providers_deny' must be a list"),
        ({"strictness": "high"}, "unknown key(s) strictness"),
        ({"pii_threshold": 0}, "'pii_threshold' must be a number above 0 and at most 1"),
        ({"pii_threshold": 1.5}, "'pii_threshold' must be a number above 0 and at most 1"),
        ({"pii_threshold": True}, "'pii_threshold' must be a number above 0 and at most 1"),
        ({"pii_threshold": "0.5"}, "'pii_threshold' must be a number above 0 and at most 1"),
        ([], "not an object"),
    ],
)
def test_malformed_manifest(manifest: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_policy(manifest)


def test_the_pii_threshold_is_the_scanners_default_and_configurable() -> None:
    from superset_review.pii.scanner import THRESHOLD

    assert parse_policy({}).pii_threshold == THRESHOLD == 0.5
    assert parse_policy({"pii_threshold": 0.8}).pii_threshold == 0.8
    assert parse_policy({"pii_threshold": 1}).to_dict()["pii_threshold"] == 1.0
