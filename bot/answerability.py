"""Whether the retrieved clauses answer the question: a small learned, calibrated model (logistic regression).

Features come from the retrieval (concept coverage, the questions people ask of the top clauses, agreement
between retrievers, concepts and places the corpus never mentions, a figure asked for that no clause states).
The model is trained by `python -m bot train-answerability` on data made independently of every evaluation set
(data/questions: answerable; data/training: near-miss and out-of-scope questions) and saved as JSON you can
read: feature names, standardisation, coefficients, and the per-language decline thresholds chosen on a
held-out part of that data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.intent import QUANTITY_ASKS_BY_NAME
from bot.retrieve import Retrieval
from bot.weights import WEIGHTS as W

MODEL_FILE = Path(__file__).with_name("answerability.json")
FEATURES = (
    "coverage",  # weighted share of the question's concepts in the best of the first 3 clauses
    "coverage_top1",  # the same for the first clause
    "asked_overlap",  # share of the question said by one question people ask of a top clause
    "unanswerable_overlap",  # share of the question said by the nearest question the corpus does not answer
    "agreement",  # share of retrievers ranking the first hit in their top 5
    "absent_share",  # weight share of concepts the corpus never mentions
    "unknown_place",  # 1 when the question names a place the corpus never mentions
    "missing_quantity",  # 1 when it asks for a sum, rate or number of days no well-matching clause states
    "english",  # 1 for an English question (its evidence is read through translations and the glossary)
    "concepts",  # log(1 + number of concepts): a one-word question is weakly evidenced by any clause
    "year_stated",  # the question names a year: +1 when the first clause states it, -1 when none of the first do
)


@dataclass(frozen=True)
class Assessment:
    """The calibrated probability that the clauses answer the question, and why."""

    probability: float
    features: dict[str, float]
    missing: tuple[str, ...]  # the kinds of figure asked for that no well-matching clause states
    unknown_places: tuple[str, ...]

    def drivers(self, model: AnswerabilityModel, n: int = 3) -> list[tuple[str, float]]:
        """The features that moved the probability most (signed contribution to the log-odds); none when nothing
        was retrieved."""
        return model.contributions(self.features)[:n] if self.features else []


def features_of(retrieval: Retrieval, full_text: Callable[[str], str]) -> tuple[dict[str, float], tuple[str, ...]]:
    signals = retrieval.signals
    missing = missing_quantities(retrieval, full_text)
    shares = retrieval.hit_coverage or (retrieval.coverage,)
    values = {
        "coverage": retrieval.coverage,
        "coverage_top1": shares[0] if shares else 0.0,
        "asked_overlap": signals.asked_overlap,
        "unanswerable_overlap": signals.unanswerable_overlap,
        "agreement": signals.agreement,
        "absent_share": signals.absent_share,
        "unknown_place": float(bool(signals.unknown_places)),
        "missing_quantity": float(bool(missing)),
        "english": float(retrieval.query.lang == "en"),
        "concepts": math.log1p(len(retrieval.query.concepts)),
        "year_stated": year_stated(retrieval, full_text),
    }
    return values, tuple(missing)


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def year_stated(retrieval: Retrieval, full_text: Callable[[str], str]) -> float:
    """A year asked about (2028年的目标 / the 2025 figure) must be a year the answering clause writes."""
    years = set(_YEAR.findall(retrieval.query.text))
    if not years or not retrieval.hits:
        return 0.0
    texts = [full_text(hit.clause.clause_id) for hit in retrieval.hits[:3]]
    if all(year in texts[0] for year in years):
        return 1.0
    return 0.0 if any(year in text for text in texts for year in years) else -1.0


def missing_quantities(retrieval: Retrieval, full_text: Callable[[str], str]) -> list[str]:
    """The kinds of figure the question asks for that none of the well-matching first clauses states."""
    asked = [QUANTITY_ASKS_BY_NAME[name] for name in retrieval.query.question.quantities]
    if not asked or not retrieval.hits:
        return []
    shares = retrieval.hit_coverage or (retrieval.coverage,)
    near = [
        full_text(hit.clause.clause_id)
        for hit, share in zip(retrieval.hits, shares, strict=False)
        if share >= W.near_best_clause * retrieval.coverage
    ]
    return [ask.name for ask in asked if not any(ask.stated_in(retrieval.query.text, text) for text in near)]


@dataclass(frozen=True)
class AnswerabilityModel:
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    thresholds: dict[str, float]  # per language: decline below this probability
    trained_on: dict
    sure: dict[str, float] = field(default_factory=dict)  # per language: an answer below this is marked unsure

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AnswerabilityModel:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if tuple(payload["features"]) != FEATURES:
            raise ValueError(f"{path}: trained on features {payload['features']}, the code computes {FEATURES}")
        return cls(
            tuple(payload["features"]),
            tuple(payload["mean"]),
            tuple(payload["scale"]),
            tuple(payload["coef"]),
            float(payload["intercept"]),
            {k: float(v) for k, v in payload["thresholds"].items()},
            payload.get("trained_on", {}),
            {k: float(v) for k, v in payload.get("sure", {}).items()},
        )

    def save(self, path: Path = MODEL_FILE) -> None:
        payload = {
            "features": list(self.names),
            "mean": [round(x, 6) for x in self.mean],
            "scale": [round(x, 6) for x in self.scale],
            "coef": [round(x, 6) for x in self.coef],
            "intercept": round(self.intercept, 6),
            "thresholds": {k: round(v, 4) for k, v in self.thresholds.items()},
            "sure": {k: round(v, 4) for k, v in self.sure.items()},
            "trained_on": self.trained_on,
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def contributions(self, values: dict[str, float]) -> list[tuple[str, float]]:
        """Each feature's signed share of the log-odds, largest effect first."""
        parts = [
            (name, c * (values[name] - m) / s)
            for name, m, s, c in zip(self.names, self.mean, self.scale, self.coef, strict=True)
        ]
        return sorted(parts, key=lambda p: -abs(p[1]))

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(part for _, part in self.contributions(values))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def threshold(self, lang: str) -> float:
        return self.thresholds.get(lang, self.thresholds.get("zh", 0.5))

    def unsure(self, lang: str, probability: float) -> bool:
        """An answer given, but in the middle band: the asker is told it may not fully answer the question."""
        return probability < self.sure.get(lang, 0.0)

    def assess(self, retrieval: Retrieval, full_text: Callable[[str], str]) -> Assessment:
        if not retrieval.hits:
            return Assessment(0.0, {}, (), retrieval.signals.unknown_places)
        values, missing = features_of(retrieval, full_text)
        return Assessment(self.probability(values), values, missing, retrieval.signals.unknown_places)
