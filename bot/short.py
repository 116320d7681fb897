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
from dataclasses import dataclass

from bot.extractive import Extract
from bot.intent import COUNT, DEFINES, DURATION, MONEY, SHARE
from bot.render import with_chinese_amounts
from bot.retrieve import Query, concept_match
from core.schema import Highlight
from index.tokenize import normalise_query_text
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
_ASKS_FIGURE = re.compile(r"多少|多大|多高|多长|几[个年天月家项名]|how (?:much|many|large|big|long)|what size", re.I)
MAX_PIECE_CHARS = 90  # a short answer longer than this is no longer short: the whole sentence is quoted below


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    highlights: tuple[Highlight, ...]


NONE = ShortAnswer("", ())


def short_answer(
    query: Query,
    extract: Extract,
    numbers: dict[str, int],
    full_text: Callable[[str], str],
    english: Callable[[str], tuple[str, ...]],
) -> ShortAnswer:
    """The piece stating what the question asks, from the first cited clause that has one: the piece covering most
    of the question there (the quoted sentences first on a tie); `numbers` maps clause id -> [n]."""
    question = query.question
    order = {clause_id: i for i, clause_id in enumerate(extract.clause_ids)}  # the best-answering clause first
    figures = question.quantities or question.asks_for(*_FIGURES) or _ASKS_FIGURE.search(question.text)
    kinds = [kind for kind, _ in STATES if question.asks_for(kind) or (figures and kind in _FIGURES)]
    for kind in kinds:
        pattern = dict(STATES)[kind]
        found = [
            (clause_id, sentence, position, piece)
            for clause_id, sentence, position in _candidates(extract, full_text)
            if (piece := _piece(sentence, pattern, whole=kind in _WHOLE_PIECE))
        ]
        for clause_id, sentence, position, (piece, start, end) in sorted(
            found, key=lambda f: (order[f[0]], -_covers(query, f[3][0]))
        ):
            highlight = _highlight(clause_id, full_text(clause_id), sentence, start, end)
            text = _render(question.lang, piece, sentence, english(clause_id), position, numbers[clause_id])
            if text:
                return ShortAnswer(text, (highlight,) if highlight else ())
    return NONE


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


def _covers(query: Query, piece: str) -> float:
    """Weighted share of the question's concepts a piece contains (sorting is stable: earlier pieces win ties)."""
    text = normalise_query_text(piece)
    return sum(c.weight * concept_match(c, text) for c in query.concepts)


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
    """The digits an English rendering of a Chinese figure writes: 1000万元 -> 10 (million), 100亿 -> 10 (billion)."""
    out = set(_DIGITS.findall(chinese))
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(万|亿)", chinese):
        value = float(number) * (1e4 if unit == "万" else 1e8)
        out |= {f"{value / scale:g}" for scale in (1e6, 1e9) if value / scale >= 1}
    return out
