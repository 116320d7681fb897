"""Scores of one answer against its golden question, and their aggregation."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from core.schema import Answer
from eval.golden import GoldenQuestion, has_fact, is_right_clause

RETRIEVAL_K = 10
QUALITY_METRICS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr@10",
    "citation_precision",
    "citation_hit",
    "fact_recall",
    "short_fact_recall",
    "decline_accuracy",
    "false_decline_rate",
)
LOWER_IS_BETTER = frozenset({"false_decline_rate"})


def score(question: GoldenQuestion, answer: Answer, clause_text: Callable[[str], str]) -> dict:
    """Per-question result: ranks of the right clauses, and each metric's value (None = not applicable)."""
    retrieved = [h.clause.clause_id for h in answer.retrieved[:RETRIEVAL_K]]
    right = [is_right_clause(clause_text(cid), question) for cid in retrieved] if question.answerable else []
    first = next((i + 1 for i, ok in enumerate(right) if ok), None)
    cited_right = [is_right_clause(clause_text(c.clause.clause_id), question) for c in answer.citations]
    values: dict[str, float | None] = dict.fromkeys(QUALITY_METRICS)
    if question.answerable:
        for k in (1, 3, 5):
            values[f"hit@{k}"] = float(first is not None and first <= k)
        values["mrr@10"] = 1.0 / first if first else 0.0
        values["false_decline_rate"] = float(answer.declined)
        values["citation_hit"] = float(not answer.declined and any(cited_right))
        if answer.citations and not answer.declined:
            values["citation_precision"] = sum(cited_right) / len(cited_right)
        if question.facts:
            values["fact_recall"] = float(not answer.declined and all(has_fact(answer.text, g) for g in question.facts))
        if question.facts and question.kind == "number":  # does the one-sentence short answer state the figure?
            values["short_fact_recall"] = float(all(has_fact(answer.short_answer, g) for g in question.facts))
    else:
        values["decline_accuracy"] = float(answer.declined)
    return {"first_right_rank": first, "right": right, "cited_right": cited_right, "metrics": values}


def aggregate(rows: Iterable[dict]) -> dict[str, float | int | None]:
    """Mean of each metric over the questions it applies to, plus latency percentiles."""
    rows = list(rows)
    out: dict[str, float | int | None] = {"questions": len(rows)}
    for name in QUALITY_METRICS:
        values = [r["metrics"][name] for r in rows if r["metrics"][name] is not None]
        out[name] = round(sum(values) / len(values), 4) if values else None
    latencies = sorted(r["latency_ms"] for r in rows)
    out["latency_p50_ms"] = _percentile(latencies, 50)
    out["latency_p95_ms"] = _percentile(latencies, 95)
    return out


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    rank = max(0, math.ceil(pct / 100 * len(values)) - 1)
    return round(values[rank], 2)
