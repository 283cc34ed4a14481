"""The model registry: which models exist, where they are, what they cost and how good and fast they are.

Entries come from ``REVIEW_LLM_MODELS``. API keys are never in the registry: an entry names the environment
variable that holds its key (``api_key_env``), read at call time and never stored or logged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOCAL_PROVIDERS = frozenset({"ollama", "ollama_chat", "lm_studio", "llamafile", "vllm", "hosted_vllm"})

_FIELDS = {
    "name", "model", "api_base", "api_key_env", "quality", "latency_ms", "input_cost_per_mtok",
    "output_cost_per_mtok", "context_tokens", "local", "embedding", "max_output_tokens",
}  # fmt: skip


@dataclass(frozen=True)
class ModelSpec:
    name: str
    model: str  # litellm's "<provider>/<model>"
    api_base: str | None = None
    api_key_env: str | None = None
    quality: int = 3  # 1 (weak) .. 5 (best)
    latency_ms: int = 2000  # typical time to a full answer
    input_cost_per_mtok: float = 0.0  # USD per million input tokens
    output_cost_per_mtok: float = 0.0
    context_tokens: int = 8192
    max_output_tokens: int = 1024
    local: bool = False  # runs on infrastructure we control: data does not leave it
    embedding: bool = False  # an embedding model (used by embed), not a chat model

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0] if "/" in self.model else "openai"

    def cost_usd(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input_cost_per_mtok + tokens_out * self.output_cost_per_mtok) / 1_000_000

    def public(self) -> dict[str, Any]:
        """What may be shown to an admin: everything but the key's value (which is not here anyway)."""
        return {
            "name": self.name, "model": self.model, "provider": self.provider, "api_base": self.api_base,
            "api_key_env": self.api_key_env, "quality": self.quality, "latency_ms": self.latency_ms,
            "input_cost_per_mtok": self.input_cost_per_mtok, "output_cost_per_mtok": self.output_cost_per_mtok,
            "context_tokens": self.context_tokens, "max_output_tokens": self.max_output_tokens,
            "local": self.local, "embedding": self.embedding,
        }  # fmt: skip


def _number(entry: Mapping[str, Any], key: str, default: float, low: float, high: float, integer: bool) -> Any:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise ValueError(f"'{key}' must be {'an integer' if integer else 'a number'} from {low:g} to {high:g}")
    if not low <= value <= high:
        raise ValueError(f"'{key}' must be {'an integer' if integer else 'a number'} from {low:g} to {high:g}")
    return int(value) if integer else float(value)


def _entry(position: int, entry: Any) -> ModelSpec:
    if not isinstance(entry, Mapping):
        raise ValueError(f"entry {position} must be an object")
    try:
        if "api_key" in entry:
            raise ValueError("'api_key' is not accepted: put the key in an environment variable named by 'api_key_env'")
        unknown = set(entry) - _FIELDS
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_FIELDS))}")
        for key in ("name", "model"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"'{key}' must be a non-empty string")
        for key in ("api_base", "api_key_env"):
            if entry.get(key) is not None and (not isinstance(entry[key], str) or not entry[key]):
                raise ValueError(f"'{key}' must be a non-empty string when given")
        for key in ("local", "embedding"):
            if not isinstance(entry.get(key, False), bool):
                raise ValueError(f"'{key}' must be true or false")
        model = entry["model"].strip()
        return ModelSpec(
            name=entry["name"].strip(),
            model=model,
            api_base=entry.get("api_base"),
            api_key_env=entry.get("api_key_env"),
            quality=_number(entry, "quality", 3, 1, 5, integer=True),
            latency_ms=_number(entry, "latency_ms", 2000, 1, 600_000, integer=True),
            input_cost_per_mtok=_number(entry, "input_cost_per_mtok", 0.0, 0, 10_000, integer=False),
            output_cost_per_mtok=_number(entry, "output_cost_per_mtok", 0.0, 0, 10_000, integer=False),
            context_tokens=_number(entry, "context_tokens", 8192, 256, 10_000_000, integer=True),
            max_output_tokens=_number(entry, "max_output_tokens", 1024, 1, 1_000_000, integer=True),
            local=entry.get("local", model.split("/", 1)[0] in LOCAL_PROVIDERS),
            embedding=entry.get("embedding", False),
        )
    except ValueError as ex:
        name = entry.get("name") if isinstance(entry.get("name"), str) else None
        raise ValueError(f"entry {position}{f' ({name})' if name else ''}: {ex}") from ex


def parse_registry(value: Any) -> list[ModelSpec]:
    """``REVIEW_LLM_MODELS`` (a list, or JSON text from the environment) to model specs."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if not isinstance(value, list):
        raise ValueError("not a list")
    specs = [_entry(position, entry) for position, entry in enumerate(value, start=1)]
    names = [spec.name for spec in specs]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise ValueError(f"duplicate model name(s) {', '.join(duplicates)}")
    return specs
