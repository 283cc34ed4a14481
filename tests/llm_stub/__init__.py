"""Local HTTP stubs of the OpenAI, Anthropic and Ollama wire formats, for driving litellm over real HTTP in tests.

Importing this package makes litellm offline-safe *if litellm is not imported yet*: it must not fetch its model cost
map or Anthropic beta-header config from GitHub (no provider or internet is reachable from the test machines).
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")

from tests.llm_stub.server import (
    EMBEDDING_DIM,
    Behaviour,
    Delay,
    EmbeddingVector,
    Garbage,
    HttpError,
    LLMStub,
    RecordedRequest,
    Reply,
    count_tokens,
    default_reply_text,
    delay,
    deterministic_embedding,
    embedding,
    error,
    garbage,
    reply,
    reply_json,
    running_stub,
    strip_provider_prefix,
)

__all__ = [
    "EMBEDDING_DIM",
    "Behaviour",
    "Delay",
    "EmbeddingVector",
    "Garbage",
    "HttpError",
    "LLMStub",
    "RecordedRequest",
    "Reply",
    "count_tokens",
    "default_reply_text",
    "delay",
    "deterministic_embedding",
    "embedding",
    "error",
    "garbage",
    "reply",
    "reply_json",
    "running_stub",
    "strip_provider_prefix",
]
