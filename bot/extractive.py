"""The default answerer: pick the sentences of the top clauses that answer the question, and cite them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.intent import AMOUNT, COUNT, DURATION
from bot.retrieve import FRAME_KINDS, Concept, Query, Retrieval, part_concepts
from bot.weights import WEIGHTS as W
from core.schema import Clause
from index.glossary import english_key
from index.tokenize import normalise_query_text
from ingest import split_sentences

# "昌平和北京的目标分别是…", "compared with the Law itself", "which came into force first: X or Y".
COMPARES = re.compile(r"分别|相比|比较|对比|区别|compare|comparison|versus|\bvs\b|differ|which .{0,60}\bfirst\b", re.I)
# "（市科委、昌平区政府）": the bodies responsible for an item; not "（此件主动公开）".
_RESPONSIBLE = re.compile(
    r"^[（(](?:责任单位[:：])?(?=[^（）()]*(?:委|局|厅|部|办|政府|院|会|中心|署))[^（）()]{2,120}[）)]$"
)
MAX_SENTENCES = 4
MAX_CLAUSES = 2
SENTENCE_CLAUSES = 5  # sentences are drawn from this many top clauses (a lower rank costs W.rank_penalty each)
COMPLETION_MAX_CHARS = 80
MAX_LIST_ITEMS = 8
# A clause this short is quoted whole: about six lines of a 390-pixel phone (24 characters a line). Set once from
# the screen, not tuned: 250 read slightly better on the evaluation sets and was not taken for that reason.
WHOLE_CLAUSE_CHARS = 150
SHORT_LEAD_CHARS = 16  # a list item's first sentence this short is only its name ("1.体外诊断。"): add the next
# An item of a list inside a clause: （一）, (1), 1., 一、
_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、]|[一二三四五六七八九十]{1,3}、)")
_LEADS_IN = ("：", ":")  # 有下列情形之一的，为假药： / shall perform the following obligations:


@dataclass(frozen=True)
class Extract:
    """Chosen sentences, grouped by the clause they come from (in citation order)."""

    clause_ids: tuple[str, ...]
    sentences: tuple[tuple[str, ...], ...]
    positions: tuple[tuple[int, ...], ...]  # each sentence's index in its clause (for its translation)


def choose_sentences(
    retrieval: Retrieval,
    full_text: Callable[[str], str],
    clauses: list[Clause],
    english: Callable[[str], tuple[str, ...]] | None = None,
    titles: dict[str, str] | None = None,
) -> Extract:
    """Best sentences of the top clauses: concept overlap, what the question asks for, clause rank.

    With English sentences (translations), an English question's words are matched against them too.
    """
    query = retrieval.query
    titles = titles or {}
    if query.question.asks_for("list") and (items := _list_items(clauses[:SENTENCE_CLAUSES], full_text, query, titles)):
        return items
    scored: list[tuple[float, int, int, str, str, frozenset[str]]] = []
    for rank, clause in enumerate(clauses[:SENTENCE_CLAUSES]):
        translated = english(clause.clause_id) if english and query.lang == "en" else ()
        for position, sentence in enumerate(split_sentences(full_text(clause.clause_id))):
            extra = _stems(translated[position]) if position < len(translated) else ""
            found = _concepts_found(sentence, query, extra, titles.get(clause.doc_id, ""))
            score = _sentence_score(sentence, query, clause, found) - W.rank_penalty * rank
            scored.append((score, rank, position, clause.clause_id, sentence, found))
    if not scored:
        return Extract((), (), ())
    best = max(s[0] for s in scored)
    ranked = sorted(scored, key=lambda s: -s[0])
    chosen = [s for s in ranked if s[0] >= max(W.near_best_sentence * best, 0.05)][:MAX_SENTENCES] or ranked[:1]
    chosen = _cover_the_rest(chosen, ranked, query)
    chosen = _answer_each_part(chosen, ranked, query)
    if COMPARES.search(query.text):
        chosen = _both_sides(chosen, ranked, {c.clause_id: c.doc_id for c in clauses})
    chosen = _complete_sentences(chosen, scored)
    chosen = _whole_lists(chosen, scored)
    clause_order: list[str] = []
    most = MAX_CLAUSES + (len(query.question.parts) > 1)  # a sub-question answered elsewhere cites one more
    for s in chosen:  # best sentence first: the clause that answers best is cited first
        if s[3] not in clause_order and len(clause_order) < most:
            clause_order.append(s[3])
    chosen = _short_clauses_whole(chosen, scored, clause_order, full_text)
    per_clause = [sorted((c for c in chosen if c[3] == cid), key=lambda c: c[2]) for cid in clause_order]
    grouped = tuple(tuple(s[4] for s in group) for group in per_clause)
    positions = tuple(tuple(s[2] for s in group) for group in per_clause)
    return Extract(tuple(clause_order), grouped, positions)


def _list_items(
    clauses: list[Clause], full_text: Callable[[str], str], query: Query, titles: dict[str, str]
) -> Extract | None:
    """'Which are the three advantage industries?': the numbered items under the heading that names what the
    question lists (二、（二）3个优势产业), each by its lead sentence."""
    parents = [_parent(c) for c in clauses]
    parent = next((p for p in parents if p and parents.count(p) > 1), None)  # the best-ranked shared heading
    if parent is None:
        return None
    items = sorted((c for c, p in zip(clauses, parents, strict=True) if p == parent), key=lambda c: c.start)
    if not _concepts_found(items[0].headings[-1], query, title=titles.get(items[0].doc_id, "")):
        return None  # siblings under a heading the question does not name are not the list asked for
    ids, groups, positions = [], [], []
    for clause in items[:MAX_LIST_ITEMS]:
        sentences = split_sentences(full_text(clause.clause_id))
        lead = 2 if len(sentences) > 1 and len(sentences[0]) <= SHORT_LEAD_CHARS else 1
        ids.append(clause.clause_id)
        groups.append(tuple(sentences[:lead]))
        positions.append(tuple(range(lead)))
    return Extract(tuple(ids), tuple(groups), tuple(positions))


def _parent(clause: Clause) -> str:
    """The numbered heading a clause sits under (cp-meddevice-plan#二.(二) for …#二.(二).1), if it has one."""
    head, dot, _ = clause.clause_id.partition("#")[2].rpartition(".")
    return f"{clause.doc_id}#{head}" if dot and clause.headings else ""


def _cover_the_rest(chosen: list, ranked: list, query: Query) -> list:
    """A question asking for two things (companies and scientists) gets a sentence for the one not yet covered,
    from the clauses already cited (not a heading, a frame sentence or a list of bodies: score above 0)."""
    cited = {s[3] for s in chosen}
    weights = {c.name: c.weight for c in query.concepts}
    out = list(chosen)
    for _ in range(MAX_SENTENCES - len(out)):
        covered = frozenset().union(*(s[5] for s in out))
        gain = {id(s): sum(weights[n] for n in s[5] - covered) for s in ranked if s[3] in cited and s not in out}
        best = max((s for s in ranked if gain.get(id(s), 0) > 0), key=lambda s: gain[id(s)], default=None)
        if best is None or best[0] <= 0:
            break
        out.append(best)
    return out


def _answer_each_part(chosen: list, ranked: list, query: Query) -> list:
    """Each sub-question of a question asking several things gets a sentence naming it: when no chosen sentence
    does, the best one that does from the top clauses joins (a fact often sits in a second clause)."""
    if len(query.question.parts) < 2:
        return chosen
    out = list(chosen)
    for part in query.question.parts:
        names = {c.name for c in part_concepts(query, part)}
        if any(s[5] & names for s in out):
            continue
        if best := next((s for s in ranked if s[5] & names and s[0] > 0), None):
            out.append(best)
    return out


def _both_sides(chosen: list, ranked: list, doc_of: dict[str, str]) -> list:
    """A comparison is answered from two documents: the best sentence of another one joins a one-sided answer."""
    documents = {doc_of[s[3]] for s in chosen}
    other = next((s for s in ranked if doc_of[s[3]] not in documents and s[0] > 0), None)
    if len(documents) > 1 or other is None:
        return chosen
    return [*chosen[: MAX_SENTENCES - 1], other]


def _complete_sentences(chosen: list, scored: list) -> list:
    """A sentence cut at ； reads on to the short piece that ends it (…责令改正；拒不改正的，处…罚款。)."""
    by_place = {(s[3], s[2]): s for s in scored}
    places = {(s[3], s[2]) for s in chosen}
    out = list(chosen)
    for s in chosen:
        following = by_place.get((s[3], s[2] + 1))
        if s[4].endswith("；") and following and (s[3], s[2] + 1) not in places:
            if following[4].endswith("。") and len(following[4]) <= COMPLETION_MAX_CHARS:
                out.append(following)
                places.add((s[3], s[2] + 1))
    return out


def _short_clauses_whole(chosen: list, scored: list, clause_order: list[str], full_text: Callable[[str], str]) -> list:
    """A cited clause short enough to read whole on a phone is quoted whole: its conditions and exceptions are
    part of what it says (a second paragraph often answers the second half of a question)."""
    places = {(s[3], s[2]) for s in chosen}
    short = {cid for cid in clause_order if len(full_text(cid)) <= WHOLE_CLAUSE_CHARS}
    return [*chosen, *(s for s in scored if s[3] in short and (s[3], s[2]) not in places)]


def _whole_lists(chosen: list, scored: list) -> list:
    """A sentence introducing a list (有下列情形之一的，为假药：) is quoted with its items, and an item with the
    sentence introducing it and the other items: a lead-in alone answers nothing, one item alone misleads."""
    by_place = {(s[3], s[2]): s for s in scored}
    places = {(s[3], s[2]) for s in chosen}
    out = list(chosen)
    for s in chosen:
        lead = s[2]
        while _ITEM.match(by_place[(s[3], lead)][4]) and (s[3], lead - 1) in by_place:
            lead -= 1
        if not by_place[(s[3], lead)][4].endswith(_LEADS_IN):
            continue
        items = []
        while (following := by_place.get((s[3], lead + 1 + len(items)))) and _ITEM.match(following[4]):
            items.append(following)
        for sentence in [by_place[(s[3], lead)], *items[:MAX_LIST_ITEMS]]:
            if (sentence[3], sentence[2]) not in places:
                out.append(sentence)
                places.add((sentence[3], sentence[2]))
    return out


def _stems(english: str) -> str:
    return f" {' '.join(english_key(english))} "


def _found(concept: Concept, text: str, english_stems: str) -> bool:
    """An alternative in the sentence, or (English questions) the concept's stems in its translation's stems."""
    if any(a in text for a in concept.alternatives):
        return True
    return bool(english_stems and concept.english) and concept.english in english_stems


def _concepts_found(sentence: str, query: Query, english_stems: str = "", title: str = "") -> frozenset[str]:
    """The question's concepts a sentence (or its translation) contains."""
    # A preamble naming the document matches every question about the document: the title is not an answer.
    text = normalise_query_text(sentence.replace(title, " ") if title else sentence) + english_stems
    return frozenset(c.name for c in query.concepts if _found(c, text, english_stems))


def _sentence_score(sentence: str, query: Query, clause: Clause, found: frozenset[str]) -> float:
    total = sum(c.weight for c in query.concepts) or 1.0
    score = sum(c.weight for c in query.concepts if c.name in found) / total
    asks = query.question.asks_for
    if clause.kind in FRAME_KINDS and not asks("document_facts"):
        score -= W.frame_penalty  # preambles and notices frame the content; they rarely answer a content question
    if _RESPONSIBLE.match(sentence):
        return score + (W.bodies_sentence if asks("body") else -W.bodies_sentence)
    if clause.heading and sentence.rstrip("。").endswith(clause.heading) and len(sentence) <= len(clause.heading) + 8:
        score -= W.bare_heading
    if asks("amount") and AMOUNT.search(sentence):
        score += W.amount_sentence
    if asks("duration") and DURATION.search(sentence):
        score += W.duration_sentence
    if asks("count") and COUNT.search(sentence):
        score += W.count_sentence
    return score
