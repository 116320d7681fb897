"""Re-rank the fused candidates with a small learned linear model (bot/ranker.json).

Each candidate clause is described by a few numbers (its fused rank score, how much of the question it covers,
whether it states the figure or gives the definition asked for, whether it is a document's frame or in a document
the question names). The weights are
learned by `python -m bot train` from the questions people would ask of each clause (data/questions), fold by
fold so a question never finds itself; no evaluation question is used. The file is JSON you can read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RANKER_FILE = Path(__file__).with_name("ranker.json")
RERANK_DEPTH = 30  # fused candidates re-scored; the rest keep their fused order below them
# Which retriever ranked a clause where is not a feature: learned on generated questions it over-trusts the
# retriever that matches their style (golden hit@1 zh 0.83 -> 0.69, en 0.86 -> 0.80 with per-retriever
# reciprocal ranks and the people-question overlap added; generated held-out hit@1 0.54 -> 0.62). The fused
# score carries every retriever equally.
CANDIDATE_FEATURES = (
    "fused",  # reciprocal-rank-fusion score of every retriever's ranking, scaled to 0..1
    "coverage",  # weighted share of the question's concepts in the clause (text, translation, people-questions)
    "states_figure",  # the question asks for a sum, rate or number of days and the clause states one
    "defines",  # the question asks what something is and the clause defines a term
    "frame",  # a notice/preamble/closing clause: +1 for a question about the document, -1 otherwise
    "named_document",  # the clause is in a document the question names
    "list_item",  # the question asks for a list and the clause is an item under a heading other candidates share
)


@dataclass(frozen=True)
class Candidate:
    clause_id: str
    features: tuple[float, ...]  # in CANDIDATE_FEATURES order

    def named(self) -> dict[str, float]:
        return dict(zip(CANDIDATE_FEATURES, self.features, strict=True))


@dataclass(frozen=True)
class LinearRanker:
    coef: tuple[float, ...]
    intercept: float
    trained_on: dict

    @classmethod
    def load(cls, path: Path = RANKER_FILE) -> LinearRanker:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if tuple(payload["features"]) != CANDIDATE_FEATURES:
            raise ValueError(f"{path}: trained on {payload['features']}, the code computes {CANDIDATE_FEATURES}")
        return cls(tuple(payload["coef"]), float(payload["intercept"]), payload.get("trained_on", {}))

    @classmethod
    def fused_only(cls) -> LinearRanker:
        """The fused order unchanged: what training starts from."""
        return cls(tuple(float(name == "fused") for name in CANDIDATE_FEATURES), 0.0, {"note": "fused order"})

    def save(self, path: Path = RANKER_FILE) -> None:
        payload = {
            "features": list(CANDIDATE_FEATURES),
            "coef": [round(c, 6) for c in self.coef],
            "intercept": round(self.intercept, 6),
            "trained_on": self.trained_on,
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def score(self, candidate: Candidate) -> float:
        return self.intercept + sum(c * x for c, x in zip(self.coef, candidate.features, strict=True))

    def rank(self, candidates: list[Candidate]) -> list[tuple[str, float]]:
        """Clause ids by score, best first (ties keep the fused order)."""
        scored = [(c.clause_id, self.score(c)) for c in candidates]
        return sorted(scored, key=lambda pair: -pair[1])
