"""BM25 over clause tokens (bm25s), with per-group query weights and term statistics for coverage."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Iterable
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
        return cls.from_tokens(tokenizer.tokens_many(texts), tokenizer)

    @classmethod
    def from_tokens(cls, tokens: list[list[str]], tokenizer: Tokenizer) -> LexicalIndex:
        """The index of texts already tokenised by `tokenizer`."""
        corpus_tokens = [t or ["\u2205"] for t in tokens]
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index(corpus_tokens, show_progress=False)
        doc_freq = Counter(token for tokens in corpus_tokens for token in set(tokens))
        return cls(tokenizer, model, dict(doc_freq), len(corpus_tokens))

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


class SubstringCounter:
    """In how many texts a string occurs as a substring, without scanning every text per question.

    Character counts answer one-character words; sorted postings of character pairs (one uint64 key each:
    pair code << 21 | text number) give the texts holding all of a longer word's pairs, and only those are
    checked with `in`. Counts equal those of a full scan.
    """

    _DOC_BITS = 21  # texts per counter < 2**21
    _CHAR_BITS = 21  # Unicode code points < 2**21
    _BLOCK = 4096  # texts per block while building: keeps the temporary arrays small

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = list(texts)
        if len(self.texts) >= 1 << self._DOC_BITS:
            raise ValueError(f"SubstringCounter holds fewer than {1 << self._DOC_BITS} texts")
        self._chars: Counter[int] = Counter()
        blocks = [np.zeros(0, np.uint64)]
        for start in range(0, len(self.texts), self._BLOCK):
            blocks.append(self._add_block(self.texts[start : start + self._BLOCK], start))
        self._pairs = np.concatenate(blocks)
        del blocks
        self._pairs.sort()  # in place: a second copy would double the peak memory

    def _add_block(self, texts: list[str], first: int) -> np.ndarray:
        """Count the block's characters per text; return its distinct (pair, text) keys."""
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        docs = np.repeat(np.arange(first, first + len(texts), dtype=np.uint64), lengths)
        chars = _distinct((points << np.uint64(self._DOC_BITS)) | docs) >> np.uint64(self._DOC_BITS)
        codes, counts = np.unique(chars, return_counts=True)  # chars is sorted: this is cheap
        self._chars.update(dict(zip(codes.tolist(), counts.tolist(), strict=True)))
        same = docs[:-1] == docs[1:]  # a pair never spans two texts
        pairs = (points[:-1][same] << np.uint64(self._CHAR_BITS)) | points[1:][same]
        return _distinct((pairs << np.uint64(self._DOC_BITS)) | docs[:-1][same])

    def _postings(self, code: int) -> np.ndarray:
        low = np.searchsorted(self._pairs, np.uint64(code << self._DOC_BITS))
        high = np.searchsorted(self._pairs, np.uint64((code + 1) << self._DOC_BITS))
        return self._pairs[low:high] & np.uint64((1 << self._DOC_BITS) - 1)

    def count(self, word: str) -> int:
        """Number of texts that contain `word`."""
        if len(word) <= 1:
            return self._chars.get(ord(word), 0) if word else len(self.texts)
        pairs = {ord(a) << self._CHAR_BITS | ord(b) for a, b in zip(word, word[1:], strict=False)}
        lists = sorted((self._postings(code) for code in pairs), key=len)
        candidates = lists[0]
        for other in lists[1:]:
            if not len(candidates):
                break
            candidates = np.intersect1d(candidates, other, assume_unique=True)
        if len(word) == 2:
            return len(candidates)
        return sum(word in self.texts[int(i)] for i in candidates)


def _distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique hashes in numpy 2, much slower here than sorting)."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
