"""Dense retrieval: a sentence-transformers embedder behind a one-method protocol, and FAISS."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from core.errors import ModelUnavailableError

log = logging.getLogger(__name__)

# (name fragment, query prefix, passage prefix): the prefixes each model family was trained with.
_PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("e5", "query: ", "passage: "),
    ("bge-m3", "", ""),
    ("bge-large-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-base-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-small-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-", "Represent this sentence for searching relevant passages: ", ""),
)


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 row vectors."""

    name: str
    dimension: int

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray: ...


def prefixes_for(model_name: str) -> tuple[str, str]:
    lowered = model_name.lower()
    for fragment, query, passage in _PREFIXES:
        if fragment in lowered:
            return query, passage
    return "", ""


class SentenceTransformerEmbedder:
    """A sentence-transformers model by name or local path; never waits on the network unless allowed."""

    def __init__(self, model_name: str, batch_size: int = 16, allow_download: bool = False) -> None:
        self.name = model_name
        self.batch_size = batch_size
        self._query_prefix, self._passage_prefix = prefixes_for(model_name)
        self._model = _load_sentence_transformer(model_name, allow_download)
        dimension = self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension") else None
        self.dimension = int(dimension or self._model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        prefix = self._query_prefix if kind == "query" else self._passage_prefix
        with _torch_threads(1 if len(texts) == 1 else None):
            vectors = self._model.encode(
                [prefix + text for text in texts],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=len(texts) > 64,  # tqdm bar for index builds, silence for questions
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    """One question on one thread: on this busy 2-core machine a second torch thread made it ~40x slower.

    Vectors differ at most in the last bit (~3e-8): the dense rankings of all 172 golden questions stayed the
    same with the tiny test model and with all-MiniLM-L6-v2. A batch (an index build) keeps every core.
    """
    if count is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _load_sentence_transformer(model_name: str, allow_download: bool):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - it is in requirements.txt
        raise ModelUnavailableError(
            "sentence-transformers is not installed: pip install sentence-transformers"
        ) from exc
    local = Path(model_name).expanduser().exists()
    try:
        with offline_hub(not allow_download):
            return SentenceTransformer(model_name, device="cpu", local_files_only=not allow_download and not local)
    except Exception as exc:  # hub, IO and config errors all mean the same to the user
        hint = "put it in the Hugging Face cache, point POLICYBOT_EMBED_MODEL at a local folder, or set it to 'none'"
        raise ModelUnavailableError(
            f"embedding model '{model_name}' could not be loaded offline ({type(exc).__name__}); {hint}"
        ) from exc


@contextmanager
def offline_hub(offline: bool = True) -> Iterator[None]:
    """HF_HUB_OFFLINE=1 while a model loads: a missing model fails at once instead of waiting on time-outs."""
    previous = os.environ.get("HF_HUB_OFFLINE")
    if offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        if offline:
            if previous is None:
                os.environ.pop("HF_HUB_OFFLINE", None)
            else:
                os.environ["HF_HUB_OFFLINE"] = previous


# Recall@10 of HNSW against flat search, all-MiniLM-L6-v2 vectors of 100k clauses (bench/results.json):
# 0.973 at efSearch 96, 0.984 at 128, 0.990 at 192 for 0.36 ms a query; the target is >= 0.98.
HNSW_EF_SEARCH = 192


class DenseIndex:
    """Inner-product search over normalised vectors: flat below a size threshold, HNSW above it."""

    FILE = "dense.faiss"

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, hnsw_threshold: int = 50_000) -> DenseIndex:
        dimension = vectors.shape[1]
        if len(vectors) > hnsw_threshold:
            index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
        else:
            index = faiss.IndexFlatIP(dimension)
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # adding (building HNSW) is batch work: use every core
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        single_query_threads()  # then serve questions one at a time, as after load_index
        return cls(_search_breadth(index))

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), min(k, self.size))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, folder: Path) -> None:
        faiss.write_index(self.index, str(folder / self.FILE))

    @classmethod
    def load(cls, folder: Path) -> DenseIndex:
        return cls(_search_breadth(faiss.read_index(str(folder / cls.FILE))))


def _search_breadth(index: faiss.Index) -> faiss.Index:
    """HNSW searches HNSW_EF_SEARCH candidates, also in indexes saved with an older setting."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def single_query_threads() -> None:
    """One OpenMP thread: for one query at a time FAISS is faster without thread start-up."""
    faiss.omp_set_num_threads(1)
