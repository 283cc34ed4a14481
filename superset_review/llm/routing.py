"""Routing profiles: the order in which models are tried, first choice first, the rest as fallbacks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from superset_review.llm.registry import ModelSpec


class RoutingProfile(StrEnum):
    QUALITY_FIRST = "quality_first"
    COST_FIRST = "cost_first"
    LATENCY_FIRST = "latency_first"
    OFFLINE_FIRST = "offline_first"


def _cost(spec: ModelSpec) -> float:
    return spec.input_cost_per_mtok + spec.output_cost_per_mtok


_ORDER: dict[RoutingProfile, Callable[[ModelSpec], tuple[Any, ...]]] = {
    RoutingProfile.QUALITY_FIRST: lambda s: (-s.quality, s.latency_ms, _cost(s)),
    RoutingProfile.COST_FIRST: lambda s: (_cost(s), -s.quality, s.latency_ms),
    RoutingProfile.LATENCY_FIRST: lambda s: (s.latency_ms, -s.quality, _cost(s)),
    RoutingProfile.OFFLINE_FIRST: lambda s: (not s.local, -s.quality, s.latency_ms),
}


def parse_profile(value: Any) -> RoutingProfile:
    try:
        return RoutingProfile(value)
    except ValueError as ex:
        raise ValueError(f"unknown routing profile {value!r}") from ex


def fallback_chain(models: Sequence[ModelSpec], profile: RoutingProfile, *, embedding: bool = False) -> list[ModelSpec]:
    """Models of the wanted kind in the profile's order; ties keep the registry's order (sorted is stable)."""
    return sorted((m for m in models if m.embedding == embedding), key=_ORDER[profile])
