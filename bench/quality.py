"""Quality of a ranked list on the golden set: hit@1, hit@5, MRR@10, and hit at an equal context budget.

A ranked item is right when its text contains the question's evidence (eval.golden.is_right_clause), for a
policybot clause and for a peer chunk alike. Big chunks contain more evidence, so the equal-budget hit asks
whether the evidence lies within the first CONTEXT_BUDGET characters of the ranked texts put together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eval.golden import GoldenQuestion, is_right_clause

CONTEXT_BUDGET = 1500  # characters an LLM prompt would get, whatever the unit of retrieval
DEPTH = 10  # ranks looked at for MRR@10


@dataclass(frozen=True)
class QuestionScore:
    first_right: int | None  # 1-based rank of the first right item
    budget_hit: bool


@dataclass(frozen=True)
class Quality:
    questions: int  # answerable ones: the only ones with a right item
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float
    budget_hit: float


def score_ranking(texts: Sequence[str], question: GoldenQuestion, budget: int = CONTEXT_BUDGET) -> QuestionScore:
    """Where the first right text is, and whether the evidence fits in the first `budget` characters."""
    ranked = list(texts)[:DEPTH]
    first = next((i + 1 for i, text in enumerate(ranked) if is_right_clause(text, question)), None)
    context = "\n".join(ranked)[:budget]
    return QuestionScore(first, is_right_clause(context, question))


def aggregate_quality(scores: Sequence[QuestionScore]) -> Quality:
    n = len(scores)
    if not n:
        return Quality(0, 0.0, 0.0, 0.0, 0.0)

    def share(flags: list[bool]) -> float:
        return round(sum(flags) / n, 4)

    return Quality(
        questions=n,
        hit_at_1=share([s.first_right == 1 for s in scores]),
        hit_at_5=share([s.first_right is not None and s.first_right <= 5 for s in scores]),
        mrr_at_10=round(sum(1 / s.first_right for s in scores if s.first_right) / n, 4),
        budget_hit=share([s.budget_hit for s in scores]),
    )
