"""The concept thesaurus (data/thesaurus.tsv): the words people use for the documents' own terms.

The glossary says how a document term is rendered in English; the thesaurus says what people type when they
mean it: abbreviations (人遗 = 人类遗传资源), colloquial words (批文), old names (新药证书), English usage (WFOE,
"send profits home"). Columns: term (verbatim in the corpus), zh_variants, en_variants (| separated), weight
(1.0 same meaning, 0.7 usually means it, 0.4 related), note. A question naming a variant also searches the term,
at the variant's weight.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from index.glossary import english_key

THESAURUS_FILE = "thesaurus.tsv"
WEIGHTS = (1.0, 0.7, 0.4)
_COLUMNS = ("term", "zh_variants", "en_variants", "weight", "note")
_MAX_PHRASE = 6


@dataclass(frozen=True)
class Concept:
    term: str  # as the documents write it
    zh_variants: tuple[str, ...]
    en_variants: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Match:
    """A variant found in a question, and the document term it stands for."""

    variant: str
    concept: Concept


class Thesaurus:
    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = tuple(concepts)
        self._zh = sorted(((v, c) for c in self.concepts for v in c.zh_variants), key=lambda p: -len(p[0]))
        self._en: dict[tuple[str, ...], list[Concept]] = {}
        for concept in self.concepts:
            for phrase in concept.en_variants:
                key = english_key(phrase)
                if key and len(key) <= _MAX_PHRASE:
                    self._en.setdefault(key, []).append(concept)

    @classmethod
    def load(cls, path: Path) -> Thesaurus:
        """The thesaurus file, or an empty one when there is none (bad rows are left out: see check_thesaurus)."""
        if not path.exists():
            return cls([])
        concepts = []
        for row in _rows(path):
            try:
                weight = float(row["weight"])
            except (TypeError, ValueError):
                continue
            term = (row.get("term") or "").strip()
            if term:
                concepts.append(Concept(term, _split(row["zh_variants"]), _split(row["en_variants"]), weight))
        return cls(concepts)

    def chinese_words(self) -> list[str]:
        """Variants for the tokenizer's user dictionary (人遗 must stay one word)."""
        return [v for c in self.concepts for v in c.zh_variants]

    def match_chinese(self, text: str) -> list[Match]:
        """Variants written in a Chinese question, longest first, without overlaps; a term already written is no match."""
        taken: list[tuple[int, int]] = []
        found: list[Match] = []
        for variant, concept in self._zh:
            start = text.find(variant)
            if start < 0 or concept.term in text:
                continue
            end = start + len(variant)
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            found.append(Match(variant, concept))
        return found

    def match_english(self, text: str) -> list[Match]:
        """English variants (stemmed phrases) in a question, longest phrases first, without overlaps."""
        words = english_key(text)
        used = [False] * len(words)
        found: list[Match] = []
        for size in range(min(_MAX_PHRASE, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                key = words[start : start + size]
                if any(used[start : start + size]) or key not in self._en:
                    continue
                found += [Match(" ".join(key), concept) for concept in self._en[key]]
                used[start : start + size] = [True] * size
        return found


def check_thesaurus(path: Path, corpus) -> list[str]:
    """Problems: a term the corpus never writes, a bad weight, no variant, a variant equal to its term, a repeat."""
    if not path.exists():
        return [f"{path}: missing"]
    text = "".join("".join(d.text.split()) for d in corpus.documents)
    problems: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(_rows(path), start=2):
        where = f"{path.name}:{number}"
        if None in row or any(row.get(c) is None for c in _COLUMNS):
            problems.append(f"{where}: needs exactly {len(_COLUMNS)} tab-separated columns {_COLUMNS}")
            continue
        term = row["term"].strip()
        zh, en = _split(row["zh_variants"]), _split(row["en_variants"])
        if term not in text:
            problems.append(f"{where}: term {term!r} does not occur in the corpus")
        if term in seen:
            problems.append(f"{where}: term {term!r} repeats an earlier row")
        seen.add(term)
        if not zh and not en:
            problems.append(f"{where}: {term!r} has no variant")
        if term in zh:
            problems.append(f"{where}: {term!r} lists itself as a variant")
        try:
            if float(row["weight"]) not in WEIGHTS:
                raise ValueError
        except ValueError:
            problems.append(f"{where}: weight {row['weight']!r} is not one of {WEIGHTS}")
    return problems


def _rows(path: Path) -> list[dict]:
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")
    ]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split("|") if v.strip())
