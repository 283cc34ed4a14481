"""Text embeddings for domaining: an offline model from a pip package, loaded once per process.

The model is wordllama's ``l2_supercat`` (256 dimensions, static token vectors averaged, MIT): it ships inside the
wheel, so it loads with no network and no torch, in about 0.3 s, and embeds ~27k short strings a second on one
core. wordllama's own ``load()`` looks for the tokenizer in ``~/.cache`` only, so the package's files are opened
directly here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

DIMENSIONS = 256
MODEL_ID = "wordllama/l2_supercat_256"
# Embedding inputs are headers, aliases and short value sketches; longer text says nothing more about a column.
MAX_CHARS = 200

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    model_id: str

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised float32 row per text, in order (``DIMENSIONS`` wide for the offline model). The texts
        are metadata: headers, the catalog's aliases, descriptions and curated examples."""
        ...

    def embed_values(self, texts: Sequence[str]) -> Vectors:
        """As ``embed``, for a column's row values (data: the policy decides whether they may leave)."""
        ...


class OfflineEmbedder:
    model_id = MODEL_ID

    def __init__(self) -> None:
        import wordllama
        from safetensors import safe_open
        from wordllama.inference import WordLlamaInference
        from wordllama.wordllama import Config, WordLlama

        root = Path(wordllama.__file__).parent
        config = Config._configurations["l2_supercat"]
        tokenizer = WordLlama.load_tokenizer(root / "tokenizers" / "l2_supercat_tokenizer_config.json", config)
        with safe_open(str(root / "weights" / "l2_supercat_256.safetensors"), framework="np", device="cpu") as weights:
            matrix = weights.get_tensor("embedding.weight")
        self._model = WordLlamaInference(matrix, config, tokenizer)
        self._lock = threading.Lock()  # the tokenizer is not documented as thread-safe

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        cut = [text[:MAX_CHARS] if text else " " for text in texts]
        with self._lock:
            vectors = np.asarray(self._model.embed(cut, norm=True), dtype=np.float32)
        return vectors

    def embed_values(self, texts: Sequence[str]) -> Vectors:
        return self.embed(texts)  # in process: no value leaves it


@lru_cache(maxsize=1)
def offline_embedder() -> OfflineEmbedder:
    return OfflineEmbedder()


def normalised(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)


class GatewayEmbedder:
    """Embeddings from the gateway's embedding models (``REVIEW_DOMAIN_EMBEDDINGS = "gateway"``): the policy
    decides and masks, the budget is checked before sending, transient errors are retried and the next embedding
    model is the fallback; every call is in the LLM ledger. Each call acts for the current request's or task's
    user (the gateway is made per call), so one cached centroid index serves everyone."""

    FEATURE = "domaining"
    BATCH = 256  # texts per provider request: providers cap the inputs of one call

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.dimensions = 0  # known after the first answer

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GatewayEmbedder:
        from superset_review.llm.routing import fallback_chain

        chain = fallback_chain(tuple(config["REVIEW_LLM_MODELS"]), config["REVIEW_LLM_ROUTING_PROFILE"], embedding=True)
        if not chain:
            from superset_review.llm.errors import ErrorCode, LlmError

            raise LlmError(
                ErrorCode.NOT_CONFIGURED,
                "REVIEW_DOMAIN_EMBEDDINGS is gateway but REVIEW_LLM_MODELS has no embedding model",
            )
        return cls(f"gateway:{chain[0].name}")

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, contains_data=False)

    def embed_values(self, texts: Sequence[str]) -> Vectors:
        """Row values go as data: masked by the policy, and refused under metadata_only. A refusal by the policy is
        no value evidence (zero rows), not a failed domaining: the header and the patterns still speak."""
        from superset_review.llm.errors import ErrorCode, LlmError

        try:
            return self._embed(texts, contains_data=True)
        except LlmError as error:
            if error.code is not ErrorCode.POLICY_BLOCK:
                raise
            return np.zeros((len(texts), self.dimensions or DIMENSIONS), dtype=np.float32)

    def _embed(self, texts: Sequence[str], *, contains_data: bool) -> Vectors:
        from superset_review.llm.gateway import EmbeddingRequest, LlmGateway

        if not texts:
            return np.zeros((0, self.dimensions or DIMENSIONS), dtype=np.float32)
        gateway = LlmGateway.from_app()
        rows: list[list[float]] = []
        cut = [text[:MAX_CHARS] if text else " " for text in texts]
        for start in range(0, len(cut), self.BATCH):
            request = EmbeddingRequest(
                feature=self.FEATURE,
                texts=cut[start : start + self.BATCH],
                stage=self.FEATURE,
                contains_data=contains_data,
            )
            rows.extend(gateway.embed(request).vectors)
        vectors = normalised(np.asarray(rows, dtype=np.float32))
        self.dimensions = int(vectors.shape[1])
        return vectors


def configured_embedder() -> Embedder:
    """The embedder the settings choose: the gateway's inside a Superset app that says so, else the offline one."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is always there with Superset; the CLI may run without an app
        return offline_embedder()
    if has_app_context() and current_app.config.get("REVIEW_DOMAIN_EMBEDDINGS") == "gateway":
        return GatewayEmbedder.from_config(current_app.config)
    return offline_embedder()


def cosine(a: Vectors, b: Vectors) -> npt.NDArray[np.float32]:
    """Pairwise cosine similarity of two sets of normalised rows: shape (len(a), len(b))."""
    return np.asarray(a @ b.T, dtype=np.float32)
