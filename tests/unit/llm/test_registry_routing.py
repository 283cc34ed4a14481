"""Model registry parsing and routing profiles, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from superset_review.llm.registry import ModelSpec, parse_registry
from superset_review.llm.routing import RoutingProfile, fallback_chain, parse_profile

MODELS = parse_registry(
    [
        {"name": "big", "model": "openai/big", "quality": 5, "latency_ms": 4000, "input_cost_per_mtok": 10},
        {"name": "small", "model": "openai/small", "quality": 3, "latency_ms": 800, "input_cost_per_mtok": 0.5},
        {"name": "claude", "model": "anthropic/claude", "quality": 4, "latency_ms": 2000, "input_cost_per_mtok": 3},
        {"name": "local", "model": "ollama_chat/llama", "quality": 2, "latency_ms": 1500},
        {"name": "vectors", "model": "openai/embed", "embedding": True},
    ]
)


@pytest.mark.parametrize(
    ("profile", "order"),
    [
        (RoutingProfile.QUALITY_FIRST, ["big", "claude", "small", "local"]),
        (RoutingProfile.COST_FIRST, ["local", "small", "claude", "big"]),
        (RoutingProfile.LATENCY_FIRST, ["small", "local", "claude", "big"]),
        (RoutingProfile.OFFLINE_FIRST, ["local", "big", "claude", "small"]),
    ],
)
def test_profiles_order_the_fallback_chain(profile: RoutingProfile, order: list[str]) -> None:
    assert [m.name for m in fallback_chain(MODELS, profile)] == order


def test_embedding_models_are_routed_apart() -> None:
    assert [m.name for m in fallback_chain(MODELS, RoutingProfile.QUALITY_FIRST, embedding=True)] == ["vectors"]


def test_local_is_inferred_from_the_provider_and_cost_is_per_million() -> None:
    local = next(m for m in MODELS if m.name == "local")
    assert local.local and local.provider == "ollama_chat"
    big = next(m for m in MODELS if m.name == "big")
    assert not big.local
    assert big.cost_usd(1_000_000, 0) == pytest.approx(10.0)


def test_public_view_names_the_key_variable_not_a_key() -> None:
    spec = parse_registry([{"name": "x", "model": "openai/x", "api_key_env": "OPENAI_KEY"}])[0]
    assert spec.public()["api_key_env"] == "OPENAI_KEY"
    assert "api_key" not in spec.public()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("nope", "Expecting value"),
        ({"name": "x"}, "not a list"),
        ([42], "entry 1 must be an object"),
        ([{"model": "openai/x"}], "entry 1: 'name' must be a non-empty string"),
        ([{"name": "x", "model": ""}], "entry 1 (x): 'model' must be a non-empty string"),
        ([{"name": "x", "model": "m", "quality": 0}], "'quality' must be an integer from 1 to 5"),
        ([{"name": "x", "model": "m", "latency_ms": "fast"}], "'latency_ms' must be an integer"),
        ([{"name": "x", "model": "m", "api_key": "sk-123"}], "'api_key' is not accepted"),
        ([{"name": "x", "model": "m", "local": "yes"}], "'local' must be true or false"),
        ([{"name": "x", "model": "m", "colour": "red"}], "unknown field(s) colour"),
        ([{"name": "x", "model": "a"}, {"name": "x", "model": "b"}], "duplicate model name(s) x"),
    ],
)
def test_malformed_registry_entries_say_what_is_wrong(entries: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_registry(entries)


def test_unknown_profile() -> None:
    with pytest.raises(ValueError, match="unknown routing profile 'fastest'"):
        parse_profile("fastest")


def test_defaults() -> None:
    spec = ModelSpec(name="m", model="gpt")
    assert spec.provider == "openai" and spec.quality == 3 and spec.context_tokens == 8192
