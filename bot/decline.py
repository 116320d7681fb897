"""Whether the retrieved clauses answer the question well enough to answer at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.intent import ASKS_EXACT_QUANTITY, QUANTITY
from bot.retrieve import Retrieval
from core.config import Settings

# A fee, rent, rate or number of days the top clauses never state is probably not in the documents at all.
MISSING_QUANTITY_FACTOR = 0.7


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
    if ASKS_EXACT_QUANTITY.search(retrieval.query.text):
        texts = [full_text(hit.clause.clause_id) for hit in retrieval.hits[:3]]
        if not any(QUANTITY.search(text) for text in texts):
            strength *= MISSING_QUANTITY_FACTOR
            reasons.append("asks for a quantity no top clause states")
    return Evidence(strength, tuple(reasons))


def threshold_for(lang: str, settings: Settings) -> float:
    return settings.decline_threshold_en if lang == "en" else settings.decline_threshold_zh
