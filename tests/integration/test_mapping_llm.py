"""LLM mapping proposals through the real gateway (litellm over HTTP to the local stub): the prompt carries
metadata (and no example the policy refuses), the answer's pipelines are parsed by the DSL, and an operation
outside the twelve is refused as DSL_REJECT, recorded as an event and never run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from superset_review.onboarding.mapping import run_mapping
from superset_review.onboarding.models import RunMode
from tests.leaks import register_sensitive
from tests.llm_stub import LLMStub, reply_json
from tests.unit.onboarding.mapping_bodies import catalog, context, sample_file, source, target, target_schema

pytest_plugins = ["tests.llm_stub.fixtures"]

MODEL = "mapping-model"
# Rules find nothing for these targets (no shared token, domain or close name), so the LLM is asked about both.
BODY = catalog(
    source("pts_text", examples=["1200", "35"]),
    source("mail", domain="contact.email", pii="EMAIL", examples=["[REDACTED]"]),
)
SCHEMA = target_schema(
    target("loyalty_points", "integer"), target("tier_label"), target("email", domain="contact.email")
)
ANSWER = {
    "pipelines": [
        {
            "target": "loyalty_points",
            "source": "pts_text",
            "ops": [{"op": "trim"}, {"op": "type_cast", "to": "integer"}],
            "why": "points written as text",
        },
        {"target": "tier_label", "source": "pts_text", "ops": [{"op": "python", "code": "__import__('os')"}]},
        {"target": "email", "source": "mail", "ops": []},
        {"target": "not_asked", "source": "mail", "ops": []},
    ]
}


@pytest.fixture()
def llm_in_app(app: Any, services: Any, llm_stub: LLMStub, monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMStub]:
    """The in-process app with the stub provider for one test, and an empty answer cache."""
    import redis

    from superset_review.llm.cache import PREFIX
    from superset_review.llm.registry import parse_registry

    cache = redis.Redis.from_url(services.redis.url)
    for key in cache.scan_iter(f"{PREFIX}*"):
        cache.delete(key)
    cache.close()
    monkeypatch.setenv("STUB_LLM_KEY", "sk-test-not-a-real-key")
    saved = app.config["REVIEW_LLM_MODELS"]
    app.config["REVIEW_LLM_MODELS"] = parse_registry(
        [{"name": MODEL, "model": f"openai/{MODEL}", "api_base": llm_stub.openai_base, "api_key_env": "STUB_LLM_KEY"}]
    )
    with app.app_context():
        yield llm_stub
    app.config["REVIEW_LLM_MODELS"] = saved


def test_llm_pipelines_are_parsed_and_an_unknown_operation_is_rejected(llm_in_app: LLMStub, tmp_path: Path) -> None:
    llm_in_app.script(MODEL, reply_json(ANSWER))
    outcome = run_mapping(context(tmp_path), BODY, SCHEMA, None)
    [request] = llm_in_app.requests_for(MODEL)
    prompt = " ".join(request.texts())
    assert "loyalty_points" in prompt and "tier_label" in prompt and "pts_text (string)" in prompt
    assert "email (string, domain contact.email)" not in prompt, "the rules filled email: not asked"
    assert "1200" not in prompt, "metadata_only: no example is sent"
    points, tier, email = outcome.mappings
    assert (points.origin, points.strategy, points.sources) == ("llm", "type_alignment", ["pts_text"])
    assert points.dsl["ops"] == [{"op": "trim", "side": "both"}, {"op": "type_cast", "to": "integer"}]
    assert points.decision == "hold" and "proposed by the LLM" in points.rationale[0]
    assert (tier.strategy, tier.decision, tier.origin) == ("none", "fix", "rules"), "a rejected pipeline never runs"
    assert email.origin == "rules"
    rejected = {event["subject"]: event for event in outcome.events}
    assert set(rejected) == {"tier_label", "email", "not_asked"}
    assert all(event["stage"] == "mapping" and event["action"] == "reject" for event in rejected.values())
    refusal = rejected["tier_label"]["detail"]
    assert refusal["code"] == "DSL_REJECT" and refusal["path"] == "ops[0].op" and refusal["model"] == f"openai/{MODEL}"
    assert "python" in refusal["message"] and "__import__" not in str(refusal)
    assert rejected["not_asked"]["detail"]["code"] == "NOT_ASKED"
    plan = outcome.artifacts[0].body
    assert plan["llm"]["proposed"] == 1 and plan["llm"]["rejected"] == 3
    assert "python" not in repr(plan["compiled"])


def test_data_mode_examples_withheld_by_the_policy_are_asked_again_without(
    app: Any, llm_in_app: LLMStub, tmp_path: Path
) -> None:
    """The suite's policy is metadata_only: a prompt with the catalog's examples is refused before it is sent
    (POLICY_BLOCK), and the same question goes again with metadata only. The leak check (conftest) would fail the
    test if an example had reached the stub."""
    assert app.config["REVIEW_POLICY"].mode.value == "metadata_only"
    register_sensitive("mapping_llm_points", {"pts_text": ["98765"]})
    body = catalog(source("pts_text", examples=["98765", "35"]))
    path = sample_file(tmp_path, {"pts_text": ["98765", "35", "x"]})
    llm_in_app.set_default(MODEL, reply_json({"pipelines": ANSWER["pipelines"][:1]}))
    schema = target_schema(target("loyalty_points", "integer"))
    outcome = run_mapping(context(tmp_path, RunMode.DATA_MODE), body, schema, path)
    [request] = llm_in_app.requests_for(MODEL)
    assert "98765" not in " ".join(request.texts()) and "pts_text (string)" in " ".join(request.texts())
    [points] = outcome.mappings
    assert points.origin == "llm" and points.success_rate == round(2 / 3, 4) and points.fail_rate == round(1 / 3, 4)
    notes = outcome.artifacts[0].body["llm"]["notes"]
    assert any(note.startswith("examples withheld from the LLM") for note in notes), notes
