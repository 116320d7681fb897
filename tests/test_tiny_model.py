"""The tiny offline sentence-transformers model used by embedding tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer

from tests.tiny_model import build_tiny_sentence_transformer

SENTENCES = ["外资研发中心有什么资金支持？", "Is there funding for an R&D centre?"]


def _load(folder: Path) -> SentenceTransformer:
    return SentenceTransformer(str(build_tiny_sentence_transformer(folder)), device="cpu")


def test_loads_offline_with_shape_and_dtype(tmp_path: Path) -> None:
    emb = _load(tmp_path / "tiny").encode(SENTENCES, normalize_embeddings=True)
    assert emb.shape == (2, 32)
    assert emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)


def test_deterministic_across_calls_and_builds(tmp_path: Path) -> None:
    first = _load(tmp_path / "a").encode(SENTENCES + SENTENCES[:1], normalize_embeddings=True)
    second = _load(tmp_path / "b").encode(SENTENCES, normalize_embeddings=True)
    assert np.array_equal(first[0], first[2])
    assert np.array_equal(first[:2], second)


def test_distinct_chinese_sentences_get_distinct_vectors(tmp_path: Path) -> None:
    model = _load(tmp_path / "tiny")
    assert model.tokenizer.tokenize("资金支持") == ["资", "金", "支", "持"]
    emb = model.encode(["外资研发中心有什么资金支持？", "医疗器械注册有哪些补贴？"], normalize_embeddings=True)
    assert not np.allclose(emb[0], emb[1])
