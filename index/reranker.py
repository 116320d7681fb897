"""An optional cross-encoder reranker (sentence-transformers' CrossEncoder), e.g. BAAI/bge-reranker-v2-m3.

Deployments that have one set POLICYBOT_RERANKER_MODEL; it reads the question and each candidate clause together
and scores how well the clause answers it. Loading never waits on the network: a model that is not in the local
cache (or a local folder) is reported once and the bot runs without it, as it does without an embedder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.config import Settings
from core.errors import ModelUnavailableError
from index.dense import offline_hub


class CrossEncoderReranker:
    def __init__(self, model_name: str, batch_size: int = 16) -> None:
        self.name = model_name
        self.batch_size = batch_size
        self._model = _load_cross_encoder(model_name)

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        """Relevance of each text to the question (higher is better), in the texts' order."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        pairs = [(question, text) for text in texts]
        return np.asarray(self._model.predict(pairs, batch_size=self.batch_size, show_progress_bar=False), np.float32)


def load_reranker(settings: Settings) -> tuple[CrossEncoderReranker | None, str]:
    """The configured reranker, or None and a one-line reason."""
    if not settings.reranker_model.strip() or settings.reranker_model.strip().lower() in ("none", "off"):
        return None, ""
    try:
        return CrossEncoderReranker(settings.reranker_model, settings.embed_batch_size), ""
    except ModelUnavailableError as exc:
        return None, f"{exc}. Running without a reranker."


def _load_cross_encoder(model_name: str):
    from sentence_transformers import CrossEncoder

    try:
        with offline_hub():
            return CrossEncoder(model_name, device="cpu", local_files_only=not Path(model_name).expanduser().exists())
    except Exception as exc:  # hub, IO and config errors all mean the same to the user
        hint = "put it in the Hugging Face cache, point POLICYBOT_RERANKER_MODEL at a local folder, or leave it empty"
        raise ModelUnavailableError(
            f"reranker model '{model_name}' could not be loaded offline ({type(exc).__name__}); {hint}"
        ) from exc
