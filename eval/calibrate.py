"""Choose the decline thresholds from questions: sweep evidence strength per language."""

from __future__ import annotations

from bot import PolicyBot, detect_language
from bot.decline import assess
from eval.golden import GoldenQuestion

MAX_FALSE_DECLINES = 0.05  # an answerable question wrongly declined costs more than a vague answer


def evidence_strengths(bot: PolicyBot, questions: list[GoldenQuestion]) -> list[tuple[GoldenQuestion, float]]:
    out = []
    for q in questions:
        retrieval = bot.retriever.retrieve(q.question, detect_language(q.question))
        out.append((q, assess(retrieval, bot.index.full_text).strength))
    return out


def sweep(strengths: list[tuple[GoldenQuestion, float]], lang: str) -> list[tuple[float, float, float]]:
    """(threshold, decline accuracy, false-decline rate) for thresholds 0.05..0.80."""
    answerable = [s for q, s in strengths if q.lang == lang and q.answerable]
    unanswerable = [s for q, s in strengths if q.lang == lang and not q.answerable]
    rows = []
    for step in range(1, 17):
        t = round(step * 0.05, 2)
        accuracy = sum(s < t for s in unanswerable) / max(1, len(unanswerable))
        false = sum(s < t for s in answerable) / max(1, len(answerable))
        rows.append((t, accuracy, false))
    return rows


def recommend(rows: list[tuple[float, float, float]]) -> float:
    """The threshold declining most unanswerable questions while keeping false declines within bounds."""
    allowed = [r for r in rows if r[2] <= MAX_FALSE_DECLINES] or rows[:1]
    return max(allowed, key=lambda r: (r[1], -r[0]))[0]
