"""The short answer: the asked fact in the clause's own words, in one sentence before the quoted clauses.

What is asked (a sum, a duration, a count, a definition, the bodies responsible) is read from the parsed
question; the short answer is the piece of the first chosen sentence that states it (split at ，；： so a long
sentence gives only its relevant clause), cited, and the span that states the fact is marked (`highlights`:
clause id and character offsets in the clause's whole text). Nothing is made up: when no chosen sentence
states the kind of fact asked, there is no short answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.extractive import Extract
from bot.intent import COUNT, DEFINES, DURATION, MONEY, SHARE
from bot.render import with_chinese_amounts
from bot.retrieve import Concept, Query, concept_match
from core.schema import Ask, Highlight, Question
from index.glossary import english_key
from index.tokenize import normalise_query_text
from index.translations import chinese_numbers, spelled_chinese_numbers
from ingest import split_sentences

# What states each kind of asked fact, in the order a question's kinds are tried.
_AREA = r"\d[\d.]*\s*(?:平方公里|平方千米|万平方米|平方米|亩|公顷)"
STATES = (
    ("amount", re.compile(f"{MONEY.pattern}|{SHARE.pattern}|{_AREA}|\\d[\\d.]*\\s*万亿|不超过[^，。；]{{0,12}}")),
    ("duration", DURATION),
    ("count", COUNT),
    ("definition", DEFINES),
    ("body", re.compile(r"[^，。；（）()]{2,30}(?:部门|委员会|管委会|政府|局|厅|委)(?:负责|主管|审批|批准|备案)?")),
)
_PIECE = re.compile(r"[^，；：,;:]+[，；：,;:]?")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# A clause's own number at the start of its first sentence (第二十二条, （十二）, Article 22) is not the answer.
_LABEL = re.compile(r"^(?:第[一二三四五六七八九十百零]+条|[（(][一二三四五六七八九十]+[）)]|Article \d+)\s*")
_WHOLE_PIECE = frozenset({"definition", "body"})  # these facts are the whole piece, not a figure inside it
_FIGURES = ("amount", "duration", "count")
# 多大 / 多少 / 几 / how large: a figure of some kind is asked for, whatever its unit.
_ASKS_FIGURE = re.compile(
    r"多少|多大|多高|多长|多重|几[个年天月家项名]|how (?:much|many|large|big|long|heavy|severe)|\b(?:size|scale)\b",
    re.I,
)
# "收入和产值" / "companies and scientists": one sub-question asking for two figures.
_JOINS = re.compile(r"[\u3400-\u9fff](?:和|及|与|以及|、)[\u3400-\u9fff]|how (?:many|much)\b[^?]*\band\b", re.I)
MAX_PARTS = 2  # sub-questions answered in the short answer; a third is left to the quoted clauses
MAX_PIECE_CHARS = 90  # a short answer longer than this is no longer short: the whole sentence is quoted below


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    highlights: tuple[Highlight, ...]


@dataclass(frozen=True)
class Found:
    """A piece of a cited sentence that states a kind of fact asked for."""

    kind: int  # its kind's place in STATES
    clause_id: str
    sentence: str
    position: int  # the sentence's index in its clause (for its translation)
    piece: str  # the sentence's clause-piece, its label taken off
    start: int  # the fact (or, for a definition or bodies, the whole piece): offsets in the sentence
    end: int

    @property
    def fact(self) -> str:
        return self.sentence[self.start : self.end]


def short_answer(
    query: Query,
    extract: Extract,
    numbers: dict[str, int],
    full_text: Callable[[str], str],
    english: Callable[[str], tuple[str, ...]],
) -> ShortAnswer:
    """For each thing the question asks (at most MAX_PARTS), the piece stating it from the cited clauses: a figure
    in the unit asked first, then the best-answering clause, then the piece covering most of that sub-question;
    `numbers` maps clause id -> [n]."""
    question = query.question
    order = {clause_id: i for i, clause_id in enumerate(extract.clause_ids)}  # the best-answering clause first
    candidates = _candidates(extract, full_text)
    texts: list[str] = []
    highlights: list[Highlight] = []
    facts: list[str] = []
    kind = -1
    for part, same_clause in _sub_questions(question)[:MAX_PARTS]:
        found = _best_piece(
            query, part, candidates, order, highlights, full_text, kind if same_clause else None, english
        )
        if found is None or found.fact in facts:
            continue  # the same fact from another clause says nothing new
        kind = found.kind
        text = _render(
            question.lang,
            found.piece,
            found.sentence,
            english(found.clause_id),
            found.position,
            numbers[found.clause_id],
        )
        if text and text not in texts:
            texts.append(text)
            facts.append(found.fact)
            if highlight := _highlight(
                found.clause_id, full_text(found.clause_id), found.sentence, found.start, found.end
            ):
                highlights.append(highlight)
    return ShortAnswer(" ".join(texts) if question.lang == "en" else "".join(texts), tuple(highlights))


def _sub_questions(question: Question) -> list[tuple[Ask, bool]]:
    """The sub-questions to answer, each with whether its piece must come from the clause of the previous one: a
    sub-question joining two things ("收入和产值", "companies and scientists") is asked twice, the second time
    from the same clause."""
    out: list[tuple[Ask, bool]] = []
    for part in question.parts or (Ask(question.text, question.asks),):
        out.append((part, False))
        if _JOINS.search(part.text):
            out.append((replace(part, unit=""), True))
    return out


def _best_piece(
    query: Query,
    part: Ask,
    candidates: list[tuple[str, str, int]],
    order: dict[str, int],
    taken: list[Highlight],
    full_text: Callable[[str], str],
    same_as: int | None = None,
    english: Callable[[str], tuple[str, ...]] | None = None,
) -> Found | None:
    """The piece stating what one sub-question asks, not one an earlier sub-question took; `same_as` = a kind:
    only that kind, from the clause of the last piece taken."""
    figures = part.asks & set(_FIGURES) or _ASKS_FIGURE.search(part.text) or query.question.quantities
    unit = re.compile(part.unit) if part.unit else None
    concepts = _concepts_of(query, part)
    several = len(query.question.parts) > 1

    def cover(f: Found) -> float:  # an English question's words are read in the sentence's translation too
        translated = english(f.clause_id) if english and query.question.lang == "en" else ()
        stems = f" {' '.join(english_key(translated[f.position]))} " if f.position < len(translated) else ""
        return _covers(concepts, f.piece, stems)

    found = [
        Found(rank, clause_id, sentence, position, *piece)
        for rank, (kind, pattern) in enumerate(STATES)
        if kind in part.asks or (figures and kind in _FIGURES)
        for clause_id, sentence, position in candidates
        if (piece := _piece(sentence, pattern, whole=kind in _WHOLE_PIECE))
        and not _overlaps(clause_id, full_text(clause_id), sentence, piece, taken)
        and (same_as is None or rank == same_as and taken and taken[-1].clause_id == clause_id)
    ]
    return min(
        found,
        key=lambda f: (
            not (unit and unit.search(f.sentence[f.start : f.end + 4])),  # a figure in the unit asked first
            f.kind,  # then the kinds in STATES order
            # then the best-answering clause, and the piece saying most of what the question names; one of
            # several sub-questions is answered by its own words first, wherever they are
            *((-cover(f), order[f.clause_id]) if several else (order[f.clause_id], -cover(f))),
        ),
        default=None,
    )


def _concepts_of(query: Query, part: Ask) -> tuple[Concept, ...]:
    """The question's concepts this sub-question names (all of them for a one-part question)."""
    text = normalise_query_text(part.text)
    named = tuple(c for c in query.concepts if c.name.lower() in text or any(a in text for a in c.alternatives))
    return named or query.concepts


def _overlaps(clause_id: str, text: str, sentence: str, piece: tuple[str, int, int], taken: list[Highlight]) -> bool:
    at = text.find(sentence)
    start, end = at + piece[1], at + piece[2]
    return any(h.clause_id == clause_id and h.start < end and start < h.end for h in taken)


def _candidates(extract: Extract, full_text: Callable[[str], str]) -> list[tuple[str, str, int]]:
    """(clause id, sentence, its index in the clause): the quoted sentences first, then the cited clauses' others."""
    chosen = [
        (clause_id, sentence, position)
        for clause_id, sentences, positions in zip(
            extract.clause_ids, extract.sentences, extract.positions, strict=True
        )
        for sentence, position in zip(sentences, positions, strict=True)
    ]
    taken = {(clause_id, position) for clause_id, _, position in chosen}
    rest = [
        (clause_id, sentence, position)
        for clause_id in extract.clause_ids
        for position, sentence in enumerate(split_sentences(full_text(clause_id)))
        if (clause_id, position) not in taken
    ]
    return chosen + rest


def _covers(concepts: tuple[Concept, ...], piece: str, english_stems: str = "") -> float:
    """Weight of the concepts a piece (or its sentence's translation) contains (min() keeps the earliest on a tie)."""
    text = normalise_query_text(piece)
    return sum(c.weight * concept_match(c, text, english_stems) for c in concepts)


def _piece(sentence: str, pattern: re.Pattern[str], whole: bool) -> tuple[str, int, int] | None:
    """The clause-piece of a sentence stating the fact (its label taken off), and the offsets in the sentence of
    the fact (or of the whole piece, for a definition or the bodies responsible)."""
    for m in _PIECE.finditer(sentence):
        fact = pattern.search(m.group())
        if not fact or len(m.group()) > MAX_PIECE_CHARS:
            continue
        label = _LABEL.match(m.group())
        skip = label.end() if label else 0
        piece = m.group()[skip:].rstrip("，；：,;:。")
        if whole:
            return piece, m.start() + skip, m.start() + skip + len(piece)
        return piece, m.start() + fact.start(), m.start() + fact.end()
    return None


def _highlight(clause_id: str, text: str, sentence: str, start: int, end: int) -> Highlight | None:
    at = text.find(sentence)
    return Highlight(clause_id, at + start, at + end) if at >= 0 else None


def _render(lang: str, piece: str, sentence: str, translated: tuple[str, ...], position: int, number: int) -> str:
    if lang == "zh":
        return f"{piece}。[{number}]"
    if position >= len(translated):
        return ""  # no English for this sentence: the quoted Chinese below is the answer
    english = _LABEL.sub("", translated[position])
    digits = _english_digits(piece)
    pieces = [p.strip(" ,;:") for p in re.split(r"(?<=[,;:])\s", english)]
    match = next((p for p in pieces if digits and digits & set(_DIGITS.findall(p))), None)
    chosen = re.sub(r"^(?:and|or|but)\s+", "", match or (english if len(english) <= 2 * MAX_PIECE_CHARS else ""))
    if not chosen:
        return ""
    chosen = with_chinese_amounts(chosen[0].upper() + chosen[1:], sentence)  # RMB 10 million (1000万元)
    return f"{chosen.rstrip('.')}. [{number}]"


def _english_digits(chinese: str) -> set[str]:
    """The numbers an English rendering of a Chinese figure writes: 1000万元 -> 10 (million), 六十日 -> 60."""
    values = chinese_numbers(chinese) + spelled_chinese_numbers(chinese)
    scaled = [value / scale for value in values for scale in (1, 1e6, 1e9, 1e12) if value / scale >= 1]
    return set(_DIGITS.findall(chinese)) | {str(int(x)) if x.is_integer() else f"{x:g}" for x in scaled}
