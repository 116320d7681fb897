"""BM25 over clause tokens (bm25s), with per-group query weights and term statistics for coverage."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np

from index.tokenize import Tokenizer

_PARAMS_FILE = "lexical.json"
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 scores for weighted groups of query tokens; document frequencies for coverage."""

    def __init__(self, tokenizer: Tokenizer, model: bm25s.BM25, doc_freq: dict[str, int], size: int) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.doc_freq = doc_freq
        self.size = size

    @classmethod
    def build(cls, texts: list[str], tokenizer: Tokenizer) -> LexicalIndex:
        corpus_tokens = [tokenizer.tokens(text) or ["\u2205"] for text in texts]
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index(corpus_tokens, show_progress=False)
        doc_freq = Counter(token for tokens in corpus_tokens for token in set(tokens))
        return cls(tokenizer, model, dict(doc_freq), len(texts))

    def idf(self, token: str) -> float:
        df = self.doc_freq.get(token, 0)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def known(self, token: str) -> bool:
        return token in self.doc_freq

    def scores(self, groups: list[tuple[list[str], float]]) -> np.ndarray:
        """BM25 score of every clause for weighted token groups (question words, expansions...)."""
        total = np.zeros(self.size, dtype=np.float32)
        for tokens, weight in groups:
            known = [t for t in dict.fromkeys(tokens) if t in self.doc_freq]
            if known and weight:
                total += weight * self.model.get_scores(known)
        return total

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder / "bm25"), show_progress=False)
        payload = {"size": self.size, "user_words": list(self.tokenizer.user_words), "doc_freq": self.doc_freq}
        (folder / _PARAMS_FILE).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        payload = json.loads((folder / _PARAMS_FILE).read_text(encoding="utf-8"))
        model = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        return cls(Tokenizer(payload["user_words"]), model, payload["doc_freq"], payload["size"])


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Indices and scores of the k best positive scores, best first."""
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(i), float(scores[i])) for i in best]
