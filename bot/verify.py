"""Checks an LLM answer against the clauses it was shown, sentence by sentence.

A sentence stays only when every [n] it cites was given, and every number it states (amount, percentage,
year, 第X条, （十二）) occurs by value in a clause it cites: "RMB 10 million" is supported by 1000万元.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.prompts import NO_ANSWER, Source
from index.translations import chinese_numbers, english_numbers

_MARKER = r"[\[【［]\s*\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\s*[\]】］]"
CITATION = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】］]")
# A sentence runs to 。！？； (or a full stop before a space or a marker) and takes the markers right after it.
_SENTENCE = re.compile(rf".*?(?:[。！？；!?]+|\.(?=\s|[\[【［])|$)(?:\s*{_MARKER})*\s*")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•·]\s*|\d{1,2}(?:[.)]\s+|、)|[（(]\d{1,2}[）)]\s*)")
_CN = "[零〇一二两三四五六七八九十百]+"
_MONTHS = "January|February|March|April|June|July|August|September|October|November|December"
# Every way the answers write a number, one alternative per form; the values come from index.translations.
_MENTION = re.compile(
    r"\d+(?:\.\d+)?(?:\s*[-—－~～至到]\s*\d+(?:\.\d+)?)?\s*(?:万亿|亿|万)"  # 1000万, 10-20亿
    rf"|第{_CN}[条章节款项编]"  # 第三条
    rf"|[（(]{_CN}[）)]"  # （十二）
    rf"|(?<![\u3400-\u9fff]){_CN}、"  # 四、 (not 一、二 inside a phrase)
    r"|十[一二三四五六七八九](?:五|个五年)"  # 十四五 = the 14th Five-Year Plan
    r"|\d+(?:,\d{3})*(?:\.\d+)?(?:\s*(?:-|–|to)\s*\d+(?:,\d{3})*(?:\.\d+)?)?(?:\s*(?:thousand|million|billion|trillion)\b)?"
    rf"|\b(?:{_MONTHS})\b|\bMay\s+\d{{1,4}}\b",  # a month is a number too (4月 = April)
    re.I,
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"\w")
EXCERPT_CHARS = 40


@dataclass(frozen=True)
class Checked:
    """What is left of an answer: kept sentences with citations renumbered [1].. in order of first use."""

    text: str
    clause_ids: tuple[str, ...]  # the clause behind each new number
    removed: tuple[str, ...]  # one note per removed sentence, saying why
    kept: int  # sentences kept
    no_answer: bool  # the LLM said the clauses do not answer (and wrote nothing that stands)
    lead: str = ""  # the reply's first sentence (the direct answer the prompt asks for), when it stands


def check_answer(raw: str, sources: Sequence[Source]) -> Checked:
    """Keep the sentences whose citations were given and whose numbers the cited clauses contain."""
    given = {s.number: s for s in sources}
    support = {s.number: number_values(s.shown) for s in sources}
    said_no_answer = NO_ANSWER in raw
    lines: list[str] = []
    removed: list[str] = []
    renumber: dict[int, int] = {}
    kept = seen = 0
    lead = ""
    for line in raw.replace(NO_ANSWER, "").splitlines():
        prefix, body = _split_prefix(line)
        out = []
        for sentence in cited_sentences(body):
            seen += 1
            problem = sentence_problem(sentence, given, support)
            if problem:
                removed.append(f"removed sentence: {problem} in “{_excerpt(sentence)}”")
                continue
            out.append(CITATION.sub(lambda m: _renumbered(m, renumber), sentence))
            lead = out[-1].strip() if seen == 1 else lead
        if out:
            lines.append(prefix + "".join(out).rstrip())
            kept += len(out)
        elif not line.strip() and lines and lines[-1]:
            lines.append("")  # keep paragraph breaks between kept text
    order = sorted(renumber, key=renumber.__getitem__)
    return Checked(
        "\n".join(lines).strip(),
        tuple(given[n].clause_id for n in order),
        tuple(removed),
        kept,
        said_no_answer and kept == 0,
        lead,
    )


def cited_sentences(text: str) -> list[str]:
    """Sentences of one line, each with its markers; an unmarked sentence joins the next marked one.

    "A. B [1]." cites [1] for both; a sentence after the line's last marker stands alone, uncited.
    """
    out: list[str] = []
    pending = ""
    for piece in _SENTENCE.findall(text):
        if not _WORD.search(piece):  # stray punctuation, e.g. what is left around a removed marker
            pending += piece
            continue
        pending += piece
        if CITATION.search(piece):
            out.append(pending)
            pending = ""
    if _WORD.search(pending):
        out.append(pending)
    return out


def sentence_problem(sentence: str, given: dict[int, Source], support: dict[int, set[float]]) -> str:
    """Why a sentence may not stand ('' when it may)."""
    numbers = citations_in(sentence)
    if not numbers:
        return "no citation"
    if unknown := [n for n in numbers if n not in given]:
        return f"citation [{unknown[0]}] is not one of the {len(given)} clauses given"
    allowed = set().union(*(support[n] for n in numbers))
    unsupported = [m for m, values in mentions(CITATION.sub(" ", sentence)) if not values <= allowed]
    return f"unsupported number {', '.join(dict.fromkeys(unsupported))}" if unsupported else ""


def citations_in(text: str) -> list[int]:
    """[2][1], [1, 3], 【2】, ［2］ -> the numbers in order of appearance, each once."""
    found = [int(n) for m in CITATION.finditer(text) for n in re.split(r"\s*[,，、]\s*", m.group(1).strip())]
    return list(dict.fromkeys(found))


def mentions(text: str) -> list[tuple[str, set[float]]]:
    """Each number written in the text and its value(s): ('1000万', {1e7}), ('RMB 10 million'-> '10 million', {1e7})."""
    out = []
    for m in _MENTION.finditer(text):
        mention = m.group(0).strip()
        values = chinese_numbers(mention) if _CJK.search(mention) else english_numbers(mention)
        if values:
            out.append((mention, {_key(v) for v in values}))
    return out


def number_values(text: str) -> set[float]:
    """Every number value a text supports."""
    return {v for _, values in mentions(text) for v in values}


def _renumbered(match: re.Match[str], renumber: dict[int, int]) -> str:
    numbers = citations_in(match.group(0))
    for n in numbers:
        renumber.setdefault(n, len(renumber) + 1)
    return "".join(f"[{renumber[n]}]" for n in numbers)


def _split_prefix(line: str) -> tuple[str, str]:
    """A list bullet or item number ('- ', '1. ', '（2）') is layout, not a number to check."""
    m = _LIST_PREFIX.match(line)
    return (m.group(0), line[m.end() :]) if m else ("", line)


def _excerpt(sentence: str) -> str:
    text = " ".join(CITATION.sub("", sentence).split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def _key(value: float) -> float:
    return round(value, 2)
