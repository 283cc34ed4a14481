"""The admin APIs of the policy and the ledger: permission, manifest, dry-run policy_check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.users import ADMIN, GAMMA, READER, login

POLICY = "/api/v1/dataset_review/policy/"
CHECK = "/api/v1/dataset_review/policy/check"
LEDGER = "/api/v1/dataset_review/llm/ledger"


@pytest.mark.parametrize(("username", "status"), [(ADMIN, 200), (READER, 403), (GAMMA, 403)])
@pytest.mark.parametrize("url", [POLICY, LEDGER])
def test_admin_apis_need_can_admin(client: Any, username: str, status: int, url: str) -> None:
    login(client, username)
    assert client.get(url).status_code == status


def test_manifest_in_force(client: Any) -> None:
    login(client, ADMIN)
    body = client.get(POLICY).json
    assert body["policy"]["mode"] == "metadata_only"
    assert body["policy"]["require_pii_masking"] is True
    assert body["llm_configured"] is False and body["models"] == []
    assert body["routing_profile"] == "quality_first"


@pytest.fixture()
def with_models(app: Any) -> Any:
    from superset_review.llm.registry import parse_registry
    from superset_review.policy.manifest import parse_policy

    saved = app.config["REVIEW_LLM_MODELS"], app.config["REVIEW_POLICY"], app.config["REVIEW_LLM_DATA_SCOPE"]
    # Calls described with rows and no source: the data scope's own decisions are in test_data_scope.
    app.config["REVIEW_LLM_DATA_SCOPE"] = "datasets"
    app.config["REVIEW_LLM_MODELS"] = parse_registry(
        [
            {"name": "cloud", "model": "openai/gpt-x", "api_key_env": "OPENAI_KEY", "input_cost_per_mtok": 5},
            {"name": "local", "model": "ollama_chat/llama", "quality": 1},
        ]
    )
    app.config["REVIEW_POLICY"] = parse_policy({"version": "2026-11.a", "mode": "data_mode"})
    yield
    app.config["REVIEW_LLM_MODELS"], app.config["REVIEW_POLICY"], app.config["REVIEW_LLM_DATA_SCOPE"] = saved


def test_registry_is_shown_without_secrets(client: Any, with_models: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_KEY", "sk-live-very-secret")
    login(client, ADMIN)
    response = client.get(POLICY)
    assert [m["name"] for m in response.json["models"]] == ["cloud", "local"]
    assert response.json["models"][0]["api_key_env"] == "OPENAI_KEY"
    assert b"sk-live-very-secret" not in response.data


def test_policy_check_masks_and_estimates_without_sending(app: Any, client: Any, with_models: Any) -> None:
    from superset.extensions import db

    login(client, ADMIN)
    with app.app_context():
        before = db.session.execute(db.text("SELECT count(*) FROM dataset_review_llm_ledger")).scalar()
    body = {
        "feature": "semantics",
        "contains_data": True,
        "sample_rows": 3,
        "messages": [{"role": "user", "content": "Row: jane@corp.example, card 4111-1111-1111-1111"}],
    }
    result = client.post(CHECK, json=body).json
    assert result["decision"]["allowed"] is True and result["decision"]["policy_version"] == "2026-11.a"
    assert result["decision"]["models"] == ["cloud", "local"]
    assert result["masked_messages"][0]["content"] == "Row: <EMAIL_1>, card <CREDIT_CARD_1>"
    assert result["pii_masked_count"] == 2
    assert result["estimate"]["model"] == "cloud" and result["estimate"]["cost_usd"] > 0
    with app.app_context():
        after = db.session.execute(db.text("SELECT count(*) FROM dataset_review_llm_ledger")).scalar()
    assert after == before, "a dry run is not a call"


@pytest.mark.parametrize(
    ("body", "allowed", "code", "reason"),
    [
        ({"feature": "f", "sample_rows": 50, "contains_data": True}, False, "POLICY_BLOCK", "exceeds the cap of 20"),
        ({"feature": "f", "local_only_override": True}, True, None, "local models only"),
        ({"feature": "f"}, True, None, "PII is masked"),
    ],
)
def test_policy_check_decisions(
    client: Any, with_models: Any, body: dict[str, Any], allowed: bool, code: str | None, reason: str
) -> None:
    login(client, ADMIN)
    decision = client.post(CHECK, json=body).json["decision"]
    assert decision["allowed"] is allowed and decision["error_code"] == code
    assert reason in " ".join(decision["reasons"])


def test_policy_check_when_no_model_is_configured(client: Any) -> None:
    login(client, ADMIN)
    decision = client.post(CHECK, json={"feature": "f"}).json["decision"]
    assert decision["allowed"] is False and decision["error_code"] == "LLM_NOT_CONFIGURED"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "feature"),
        ({"feature": "f", "profile": "fastest"}, "profile"),
        ({"feature": "f", "sample_rows": -1}, "sample_rows"),
    ],
)
def test_policy_check_bad_input(client: Any, body: dict[str, Any], field: str) -> None:
    login(client, ADMIN)
    response = client.post(CHECK, json=body)
    assert response.status_code == 400 and field in response.json["message"]


def test_ledger_lists_recent_calls(app: Any, client: Any) -> None:
    from superset_review.llm.dao import LlmLedgerDAO

    with app.app_context():
        LlmLedgerDAO.record(
            {
                "feature": "ledger-api-test", "stage": "default", "lane": "default", "operation": "complete",
                "policy_version": "1", "fallback_chain": [], "outcome": "refused", "error_code": "POLICY_BLOCK",
            }
        )  # fmt: skip
    login(client, ADMIN)
    rows = client.get(f"{LEDGER}?feature=ledger-api-test&limit=5").json["result"]
    assert rows and rows[0]["outcome"] == "refused" and rows[0]["error_code"] == "POLICY_BLOCK"
    assert client.get(f"{LEDGER}?limit=0").status_code == 400
