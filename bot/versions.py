"""Superseded and repealed documents stay out of retrieval unless a question asks about history.

A new version of a document (same title, `python -m index add` or the console's upload) marks the old
one `superseded`; before this, both were retrieved and cited side by side (one said 60 %, the other 50 %).
The old text stays in the index, the clause lookup and the documents tab, and a question about history
(废止, 旧版, 原来, previous version, ...) still finds it.

This is the only place retrieval knows about versions: a prior of 0 for the retired documents' clauses
(bm25 and bm25_en never return a clause whose weighted score is 0), and, for the dense ranking, which takes
no prior, the retired clauses are dropped from the hits afterwards.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from bot.retrieve import Retrieval, Retriever
from core.config import Settings
from index import ClauseIndex, Glossary

RETIRED_STATUSES = frozenset({"superseded", "repealed"})
ASKS_HISTORY = re.compile(
    r"废止|旧版|老版|原来|以前|之前的|历史|上一版|前一版|被替代|被取代|"
    r"supersed|repeal|previous version|earlier version|old version|former version|history|historical",
    re.IGNORECASE,
)


class CurrentVersionsRetriever(Retriever):
    """The Retriever, with superseded and repealed documents masked for questions that do not ask about history."""

    def __init__(self, index: ClauseIndex, glossary: Glossary, settings: Settings) -> None:
        super().__init__(index, glossary, settings)
        self.retired_docs = frozenset(d for d, info in index.documents.items() if info.status in RETIRED_STATUSES)
        retired = np.array([c.doc_id in self.retired_docs for c in index.clauses], dtype=bool)
        self._current_only = np.where(retired, 0.0, 1.0).astype(np.float32) if retired.any() else None

    def asks_history(self, question: str) -> bool:
        return bool(ASKS_HISTORY.search(question))

    def _prior(self, question: str, named: frozenset[str]) -> np.ndarray:
        prior = super()._prior(question, named)
        if self._current_only is None or self.asks_history(question):
            return prior
        return prior * self._current_only

    def retrieve(self, question: str, lang: str, k: int | None = None) -> Retrieval:
        retrieval = super().retrieve(question, lang, k)
        if not self.retired_docs or self.asks_history(question):
            return retrieval
        keep = [i for i, hit in enumerate(retrieval.hits) if hit.clause.doc_id not in self.retired_docs]
        if len(keep) == len(retrieval.hits):
            return retrieval
        shares = retrieval.hit_coverage
        return replace(
            retrieval,
            hits=tuple(retrieval.hits[i] for i in keep),
            hit_coverage=tuple(shares[i] for i in keep if i < len(shares)),
        )
