"""Text embeddings for domaining: an offline model from a pip package, loaded once per process.

The model is wordllama's ``l2_supercat`` (256 dimensions, static token vectors averaged, MIT): it ships inside the
wheel, so it loads with no network and no torch, in about 0.3 s, and embeds ~27k short strings a second on one
core. wordllama's own ``load()`` looks for the tokenizer in ``~/.cache`` only, so the package's files are opened
directly here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

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
        """One L2-normalised row of ``DIMENSIONS`` float32 per text, in order."""
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


@lru_cache(maxsize=1)
def offline_embedder() -> OfflineEmbedder:
    return OfflineEmbedder()


def cosine(a: Vectors, b: Vectors) -> npt.NDArray[np.float32]:
    """Pairwise cosine similarity of two sets of normalised rows: shape (len(a), len(b))."""
    return np.asarray(a @ b.T, dtype=np.float32)
