"""Whether the retrieved clauses answer the question well enough to answer at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.intent import quantities_asked
from bot.retrieve import Retrieval
from core.config import Settings

# A sum, rate or number of days that no well-matching top clause states is probably not in the documents at all.
MISSING_QUANTITY_FACTOR = 0.4
# Clauses matching at least this share of the best clause's coverage count as where the answer would be.
NEAR_BEST = 0.5


@dataclass(frozen=True)
class Evidence:
    """How well the best clauses support an answer (0..1) and why."""

    strength: float
    reasons: tuple[str, ...]


def assess(retrieval: Retrieval, full_text: Callable[[str], str]) -> Evidence:
    if not retrieval.hits:
        return Evidence(0.0, ("nothing retrieved",))
    strength = retrieval.coverage
    reasons = [f"coverage {retrieval.coverage:.2f}"]
    missing = _missing_quantities(retrieval, full_text)
    if missing:
        strength *= MISSING_QUANTITY_FACTOR
        reasons.append(f"asks for {' and '.join(missing)}, which no well-matching clause states")
    return Evidence(strength, tuple(reasons))


def _missing_quantities(retrieval: Retrieval, full_text: Callable[[str], str]) -> list[str]:
    asked = quantities_asked(retrieval.query.text)
    if not asked:
        return []
    shares = retrieval.hit_coverage or (retrieval.coverage,)
    near = [
        full_text(hit.clause.clause_id)
        for hit, share in zip(retrieval.hits, shares, strict=False)
        if share >= NEAR_BEST * retrieval.coverage
    ]
    return [ask.name for ask in asked if not any(ask.stated_in(retrieval.query.text, text) for text in near)]


def threshold_for(lang: str, settings: Settings) -> float:
    return settings.decline_threshold_en if lang == "en" else settings.decline_threshold_zh
