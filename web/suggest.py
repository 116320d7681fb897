"""Suggested follow-up questions: what people ask of the clauses next to the ones an answer cites.

A cited clause's neighbours (the next and previous item of the same document, then the other items under
the same heading) are what an asker usually wants next: the conditions after the amount, the next step of a
procedure. Each neighbour is offered as one of the questions written for it (data/questions, in the asker's
language), which the bot answers well because its own retriever searches them; a clause without such a
question is offered through its heading.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, zip_longest

from bot.render import label_en
from core.schema import Answer, Clause
from index import ClauseIndex

MAX_SUGGESTIONS = 3
# Neighbours looked at per cited clause: enough for three distinct questions from a single citation.
NEIGHBOURS_PER_CLAUSE = 4


def suggestions(
    answer: Answer, index: ClauseIndex, asked: Iterable[str] = (), limit: int = MAX_SUGGESTIONS
) -> list[str]:
    """Up to `limit` follow-up questions in the answer's language; none for a decline."""
    if answer.declined or not answer.citations:
        return []
    cited = {c.clause.clause_id for c in answer.citations}
    per_citation = [
        [n for n in neighbours(index, c.clause.clause_id) if n.clause_id not in cited][:NEIGHBOURS_PER_CLAUSE]
        for c in answer.citations
    ]
    # Round robin over the citations, so that three cited clauses each lend one neighbour.
    ordered = [n for n in chain.from_iterable(zip_longest(*per_citation)) if n is not None]
    written = questions_for(index, {n.clause_id for n in ordered}, answer.lang)
    seen = {_key(q) for q in (*asked, answer.question)}
    out: list[str] = []
    for clause in ordered:
        question = written.get(clause.clause_id) or heading_prompt(clause, index, answer.lang)
        if question and _key(question) not in seen:
            seen.add(_key(question))
            out.append(question)
        if len(out) == limit:
            break
    return out


def neighbours(index: ClauseIndex, clause_id: str) -> list[Clause]:
    """The items around a clause in its document: next, previous, then the rest under the same heading."""
    try:
        clause = index.first_part(clause_id)
    except KeyError:  # a clause of an index build replaced since the answer: no neighbours
        return []
    items = _items(index, clause.doc_id)
    ids = [c.clause_id for c in items]
    if clause_id not in ids:  # a heading or the covering notice: offer the document's first items
        return items[:NEIGHBOURS_PER_CLAUSE]
    at = ids.index(clause_id)
    near = [items[i] for i in (at + 1, at - 1) if 0 <= i < len(items)]
    siblings = sorted(
        (c for c in items if c.labels[:-1] == clause.labels[:-1] and c.clause_id != clause_id),
        key=lambda c: abs(ids.index(c.clause_id) - at),
    )
    return list({c.clause_id: c for c in [*near, *siblings]}.values())


def _items(index: ClauseIndex, doc_id: str) -> list[Clause]:
    # First parts only (a long clause is split into parts that share its id), in document order.
    seen: dict[str, Clause] = {}
    for clause in index.clauses:
        if clause.doc_id == doc_id and clause.kind == "item" and clause.clause_id not in seen:
            seen[clause.clause_id] = clause
    return list(seen.values())


def questions_for(index: ClauseIndex, clause_ids: set[str], lang: str) -> dict[str, str]:
    """clause id -> the first question written for it in `lang` (data/questions)."""
    out: dict[str, str] = {}
    for row in index.question_rows:
        if row.clause_id in clause_ids and row.lang == lang and row.clause_id not in out:
            out[row.clause_id] = row.question
    return out


def heading_prompt(clause: Clause, index: ClauseIndex, lang: str) -> str:
    """A question from the clause's heading (or its label), naming the document: for clauses nobody wrote one for."""
    info = index.documents.get(clause.doc_id)
    if info is None:
        return ""
    if lang == "en":
        name = info.short_title_en or info.title_en or info.title
        return f"What does {label_en(clause)} of {name} say?"
    topic = clause.heading.strip("，。；：、 ") if clause.heading else ""
    name = info.short_title or info.title
    return f"{name}{clause.label}关于{topic}有什么规定？" if topic else f"{name}{clause.label}有什么规定？"


def _key(question: str) -> str:
    # "What about X?" and "what about x" are the same suggestion.
    return "".join(ch for ch in question.casefold() if ch.isalnum())
