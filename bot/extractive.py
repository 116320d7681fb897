"""The default answerer: pick the sentences of the top clauses that answer the question, and cite them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.retrieve import Query, Retrieval
from core.schema import Clause

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?[”’）)]*")
_RESPONSIBLE = re.compile(r"^[（(](?:责任单位[:：])?[^（）()]{2,120}[）)]$")
_ASKS_AMOUNT = re.compile(
    r"多少|金额|最高|上限|补贴|补助|资金|奖励|钱|how much|amount|fund|subsid|grant|money|up to|cap|reward|incentive",
    re.I,
)
_ASKS_TIME = re.compile(
    r"多久|多长|时间|期限|几年|几天|几周|何时|什么时候|有效期|how long|when|deadline|days|weeks|months|years|valid|period",
    re.I,
)
_ASKS_WHO = re.compile(
    r"谁|哪个部门|哪些部门|哪个单位|负责|主管|牵头|who|which (?:agency|department|authority|body)|responsible|in charge",
    re.I,
)
_ASKS_COUNT = re.compile(r"几个|几家|多少个|多少家|目标|how many|target|number of", re.I)
_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:万元|亿元|元|万|亿|%|％)|不超过|最高")
_DURATION = re.compile(r"\d+\s*(?:个工作日|工作日|日|天|周|个月|月|年)|\d{4}年\d{1,2}月\d{1,2}日")
_COUNT = re.compile(r"\d+[—\-~～]?\d*\s*(?:个|家|项|名|人|所)")
MAX_SENTENCES = 4
MAX_CLAUSES = 2


@dataclass(frozen=True)
class Extract:
    """Chosen sentences, grouped by the clause they come from (in citation order)."""

    clause_ids: tuple[str, ...]
    sentences: tuple[tuple[str, ...], ...]


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def choose_sentences(retrieval: Retrieval, full_text: Callable[[str], str], clauses: list[Clause]) -> Extract:
    """Best sentences of the top clauses: concept overlap, what the question asks for, clause rank."""
    query = retrieval.query
    scored: list[tuple[float, int, int, str, str]] = []
    for rank, clause in enumerate(clauses[:3]):
        for position, sentence in enumerate(sentences_of(full_text(clause.clause_id))):
            score = _sentence_score(sentence, query, clause) - 0.15 * rank
            scored.append((score, rank, position, clause.clause_id, sentence))
    if not scored:
        return Extract((), ())
    best = max(s[0] for s in scored)
    chosen = sorted((s for s in scored if s[0] >= max(0.55 * best, 0.05)), key=lambda s: -s[0])[:MAX_SENTENCES]
    clause_order: list[str] = []
    for s in sorted(chosen, key=lambda s: s[1]):
        if s[3] not in clause_order and len(clause_order) < MAX_CLAUSES:
            clause_order.append(s[3])
    grouped = tuple(
        tuple(s[4] for s in sorted((c for c in chosen if c[3] == cid), key=lambda c: c[2])) for cid in clause_order
    )
    return Extract(tuple(clause_order), grouped)


def _sentence_score(sentence: str, query: Query, clause: Clause) -> float:
    text = sentence.lower()
    total = sum(c.weight for c in query.concepts) or 1.0
    score = sum(c.weight for c in query.concepts if any(a in text for a in c.alternatives)) / total
    question = query.text
    if _RESPONSIBLE.match(sentence):
        return score + (0.5 if _ASKS_WHO.search(question) else -0.5)
    if clause.heading and sentence.rstrip("。").endswith(clause.heading) and len(sentence) <= len(clause.heading) + 8:
        score -= 0.3  # a bare heading says little
    if _ASKS_AMOUNT.search(question) and _AMOUNT.search(sentence):
        score += 0.4
    if _ASKS_TIME.search(question) and _DURATION.search(sentence):
        score += 0.3
    if _ASKS_COUNT.search(question) and _COUNT.search(sentence):
        score += 0.25
    return score
