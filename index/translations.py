"""Unofficial English translations, sentence by sentence (data/translations/<doc_id>.jsonl), and their checks.

Each line: {"clause_id", "sentence" (0-based index in the clause), "zh" (the source sentence), "en"}.
The Chinese original prevails; the checks keep numbers and glossary terms faithful.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path

from core.schema import Clause
from index.glossary import Glossary, english_key
from index.tokenize import Tokenizer
from ingest import split_sentences

log = logging.getLogger(__name__)
TRANSLATIONS_DIR = "translations"
# Documents whose every clause must have an English text (the park's policies and the foreign-investment texts).
REQUIRED_DOCS = (
    "cp-pharma-plan",
    "bj-pharma-plan",
    "cp-meddevice-plan",
    "cp-measures-draft",
    "lsp-overview",
    "fil",
    "fil-impl",
    "bj-fi-reg",
)
# Glossary categories whose preferred English must be used (general words may be rendered freely).
STRICT_CATEGORIES = frozenset(
    "document_title document_type industry institution instrument legal place policy_term programme technology".split()
)
UNOFFICIAL_NOTE = {
    "en": "Unofficial translation; the Chinese original prevails.",
    "zh": "英文为非官方译文，以中文原文为准。",
}

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMERAL = "[零〇一二两三四五六七八九十百]+"
_ZH_LABELS = (
    re.compile(rf"第({_CN_NUMERAL})[条章节款项编]"),
    re.compile(rf"^[（(]({_CN_NUMERAL})[）)]"),
    re.compile(rf"^({_CN_NUMERAL})、"),
)
# 十四五 / 第十四个五年规划 = the 14th Five-Year Plan: the group is the units digit.
_ZH_FIVE_YEAR = re.compile(r"十([一二三四五六七八九])(?:五|个五年)")
_ZH_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万亿|亿|万)?")
_ZH_SPELLED = re.compile(
    r"(?<!第)([零〇一二三四五六七八九十百千两]+)(万亿|亿|万)?(?=元|倍|日|个工作日|工作日|年|个月|次|周)"
)
_ZH_PERCENT = re.compile(r"百分之([零〇一二三四五六七八九十百千两]+)")
_ZH_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[-—－~～至到]\s*(\d+(?:\.\d+)?)\s*(万亿|亿|万)")  # 10-20亿 = 1-2 billion
_EN_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)(?:\s*(thousand|million|billion|trillion)\b)?", re.I)
_EN_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s+(thousand|million|billion|trillion)\b", re.I)
_EN_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_ZH_SCALE = {"万": 1e4, "亿": 1e8, "万亿": 1e12}
_MONTHS = "January February March April May June July August September October November December".split()
# A month name is a number (4月 = April); "May" only next to a digit, since it is also a verb.
_EN_MONTH = re.compile(rf"\b(?:{'|'.join(m for m in _MONTHS if m != 'May')})\b|\bMay\b(?=\s+\d)|(?<=\d\s)May\b")


def clause_sentences(clauses: list[Clause]) -> dict[str, list[str]]:
    """clause_id -> the sentences of its whole text (parts joined), in document order."""
    texts: dict[str, str] = {}
    for clause in clauses:
        texts[clause.clause_id] = texts.get(clause.clause_id, "") + clause.text
    return {cid: split_sentences(text) for cid, text in texts.items()}


def load_translations(
    data_dir: Path, clauses: list[Clause] | tuple[Clause, ...] | None = None
) -> dict[str, tuple[str, ...]]:
    """clause_id -> English sentences.

    A clause with a sentence missing, or (given the clauses) whose Chinese no longer matches the source,
    is left out: it is shown in Chinese with glossed terms rather than with a stale translation.
    """
    current = clause_sentences(list(clauses)) if clauses is not None else None
    out: dict[str, tuple[str, ...]] = {}
    folder = data_dir / TRANSLATIONS_DIR
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        try:
            rows = read_rows(path)
        except ValueError as exc:
            log.warning("translations ignored: %s", exc)
            continue
        by_clause: dict[str, dict[int, tuple[str, str]]] = {}
        for row in rows:
            pair = (str(row["zh"]), str(row.get("en") or "").strip())
            by_clause.setdefault(row["clause_id"], {})[int(row["sentence"])] = pair
        stale = 0
        for clause_id, sentences in by_clause.items():
            ordered = [sentences.get(i, ("", "")) for i in range(max(sentences) + 1)]
            if not all(en for _, en in ordered):
                continue
            if current is not None and [zh for zh, _ in ordered] != current.get(clause_id):
                stale += 1
                continue
            out[clause_id] = tuple(en for _, en in ordered)
        if stale:
            log.warning("%s: %d clauses no longer match the source text; shown untranslated", path.name, stale)
    return out


def read_rows(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name} line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not {"clause_id", "sentence", "zh", "en"} <= row.keys():
            raise ValueError(f"{path.name} line {number}: needs clause_id, sentence, zh, en")
        rows.append(row)
    return rows


def check_translation(
    expected: dict[str, list[str]], rows: list[dict], glossary: Glossary, tokenizer: Tokenizer | None = None
) -> list[str]:
    """Problems of one document's translation: coverage, alignment, numbers, glossary terms.

    The tokenizer (glossary words in its dictionary) finds word boundaries; pass one to check many documents.
    """
    tokenizer = tokenizer or Tokenizer(glossary.chinese_words())
    problems: list[str] = []
    given = {(r["clause_id"], int(r["sentence"])): r for r in rows}
    for clause_id, sentences in expected.items():
        extra = [i for (cid, i) in given if cid == clause_id and i >= len(sentences)]
        if extra:
            problems.append(f"{clause_id}: {len(sentences)} sentences in the source, rows for {sorted(extra)} too")
        for i, zh in enumerate(sentences):
            row = given.get((clause_id, i))
            where = f"{clause_id} #{i}"
            if row is None or not str(row.get("en") or "").strip():
                problems.append(f"{where}: no English")
                continue
            if row["zh"] != zh:
                problems.append(f"{where}: zh differs from the source sentence {zh!r}")
                continue
            problems += [f"{where}: {p}" for p in sentence_problems(zh, row["en"], glossary, tokenizer)]
    unknown = sorted({cid for cid, _ in given} - expected.keys())
    problems += [f"{cid}: not a clause of this document" for cid in unknown]
    return problems


def sentence_problems(zh: str, en: str, glossary: Glossary, tokenizer: Tokenizer) -> list[str]:
    problems = []
    zh_numbers, en_numbers = Counter(chinese_numbers(zh)), Counter(english_numbers(en))
    # 十万元 may be rendered "RMB 100,000" or "one hundred thousand yuan": digits must then equal its value.
    spelled = Counter(spelled_chinese_numbers(zh))
    if zh_numbers - en_numbers or en_numbers - zh_numbers - spelled:
        problems.append(f"numbers differ: zh {sorted(zh_numbers.elements())} vs en {sorted(en_numbers.elements())}")
    en_key = english_key(en)
    for term in glossary.terms_in(zh, tokenizer.boundaries(zh)):
        preferred = preferred_english(term.en)
        accepted = (preferred, *term.en_variants)  # variants cover plurals and adjective forms (consortia, ophthalmic)
        if term.category in STRICT_CATEGORIES and not any(_contains(en_key, english_key(a)) for a in accepted):
            problems.append(f"{term.zh} should be rendered as {preferred!r}")
    return problems


def preferred_english(en: str) -> str:
    """The glossary's preferred term without its explanatory brackets: 'this Municipality (Beijing)' -> 'this Municipality'."""
    return re.sub(r"\s*\([^()]*\)$", "", en.strip()).strip() or en


def chinese_numbers(text: str) -> list[float]:
    """Arabic numbers (scaled by 万/亿) plus clause numbers written in Chinese numerals."""
    ranged = re.sub(_ZH_RANGE, lambda m: f"{m.group(1)}{m.group(3)}～{m.group(2)}{m.group(3)}", text)
    values = [_amount(m.group(1), _ZH_SCALE.get(m.group(2) or "", 1.0)) for m in _ZH_AMOUNT.finditer(ranged)]
    for pattern in _ZH_LABELS:
        values += [cn_value(m.group(1)) for m in pattern.finditer(text)]
    values += [float(10 + _CN_DIGITS[m.group(1)]) for m in _ZH_FIVE_YEAR.finditer(text)]
    return values


def spelled_chinese_numbers(text: str) -> list[float]:
    """Quantities written in Chinese numerals (十万元, 十五日, 三倍, 百分之三十), scaled by 万/亿."""
    values = [cn_value(m.group(1)) * _ZH_SCALE.get(m.group(2) or "", 1.0) for m in _ZH_SPELLED.finditer(text)]
    return values + [cn_value(m.group(1)) for m in _ZH_PERCENT.finditer(text)]


def english_numbers(text: str) -> list[float]:
    text = _EN_RANGE.sub(lambda m: f"{m.group(1)} {m.group(3)} to {m.group(2)} {m.group(3)}", text)
    values = [_amount(m.group(1), _EN_SCALE.get((m.group(2) or "").lower(), 1.0)) for m in _EN_AMOUNT.finditer(text)]
    values += [float(_MONTHS.index(m.group(0)) + 1) for m in _EN_MONTH.finditer(text)]
    return values


def cn_value(numeral: str) -> float:
    """一百二十三 -> 123 (the range clause numbers use)."""
    total, current = 0, 0
    for ch in numeral:
        if ch in "千百":
            total += (current or 1) * (1000 if ch == "千" else 100)
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[ch]
    return float(total + current)


def _amount(number: str, scale: float) -> float:
    return round(float(number.replace(",", "")) * scale, 4)


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n == 0 or any(words[i : i + n] == phrase for i in range(len(words) - n + 1))
