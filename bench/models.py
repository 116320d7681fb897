"""Which embedders the benchmark can use: the tiny local test model, and a real one only if cached."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.config import Settings
from index.dense import Embedder

REAL_MODEL_ENV = "POLICYBOT_BENCH_REAL_MODEL"  # a model name or local folder to try first
_KNOWN_MODELS = ("BAAI/bge-m3", "maidalun1020/bce-embedding-base_v1", "sentence-transformers/all-MiniLM-L6-v2")


def cached_real_model(settings: Settings) -> str | None:
    """A real embedding model that is on disk (a local folder or the Hugging Face cache); never downloads."""
    from huggingface_hub import try_to_load_from_cache

    names = [os.environ.get(REAL_MODEL_ENV, ""), os.environ.get("POLICYBOT_EMBED_MODEL", ""), settings.embed_model]
    for name in dict.fromkeys(n for n in (*names, *_KNOWN_MODELS) if n and n.lower() != "none"):
        if Path(name).expanduser().is_dir():
            return name
        if "/" in name and isinstance(try_to_load_from_cache(name, "config.json"), str):
            return name
    return None


def build_tiny_model(folder: Path) -> Path:
    """The tests' tiny random-weight BERT (its embeddings carry no meaning, only realistic cost and shape)."""
    from tests.tiny_model import build_tiny_sentence_transformer

    return build_tiny_sentence_transformer(folder)


class PrecomputedEmbedder:
    """Hands an index build the passage vectors already computed (and timed) once; queries go to the model."""

    def __init__(self, embedder: Embedder, vectors: np.ndarray) -> None:
        self.name = embedder.name
        self.dimension = embedder.dimension
        self._embedder = embedder
        self._vectors = vectors

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        if kind == "passage" and len(texts) == len(self._vectors):
            return self._vectors
        return self._embedder.embed(texts, kind)
