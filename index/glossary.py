"""The bilingual glossary (data/glossary.tsv): zh <-> en policy terms for expansion and rendering."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import Stemmer

GLOSSARY_FILE = "glossary.tsv"
_MAX_PHRASE = 7  # English words in the longest glossary phrase we try to match
_stemmer = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    en_variants: tuple[str, ...] = ()
    zh_variants: tuple[str, ...] = ()
    category: str = ""


def english_key(text: str) -> tuple[str, ...]:
    """Stemmed lower-case words: 'R&D Centres' and 'r&d centre' give the same key."""
    text = text.lower().replace("r&d", " rnd ").replace("’", "'")
    return tuple(_stemmer.stemWord(w) for w in re.findall(r"[a-z0-9]+(?:'s)?", text) if w != "'s")


class Glossary:
    def __init__(self, terms: list[Term]) -> None:
        self.terms = tuple(terms)
        self._by_english: dict[tuple[str, ...], list[Term]] = {}
        for term in self.terms:
            for phrase in (term.en, *term.en_variants):
                key = english_key(phrase)
                if key and len(key) <= _MAX_PHRASE:
                    self._by_english.setdefault(key, []).append(term)
        self._zh_sorted = sorted(self.terms, key=lambda t: -len(t.zh))
        self._zh_forms = sorted(
            ((form, term) for term in self.terms for form in (term.zh, *term.zh_variants)), key=lambda p: -len(p[0])
        )

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """The glossary file, or an empty glossary when there is none."""
        if not path.exists():
            return cls([])
        rows = [
            line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")
        ]
        reader = csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
        terms = []
        for row in reader:
            zh, en = (row.get("zh") or "").strip(), (row.get("en") or "").strip()
            if zh and en:
                terms.append(
                    Term(
                        zh,
                        en,
                        _split(row.get("en_variants")),
                        _split(row.get("zh_variants")),
                        (row.get("category") or "").strip(),
                    )
                )
        return cls(terms)

    def chinese_words(self) -> list[str]:
        """Every Chinese form, for the tokenizer's user dictionary."""
        return [w for term in self.terms for w in (term.zh, *term.zh_variants)]

    def match_english(self, text: str) -> list[tuple[str, Term]]:
        """Glossary terms named in English text, longest phrases first, without overlaps."""
        words = english_key(text)
        used = [False] * len(words)
        found: list[tuple[str, Term]] = []
        for size in range(min(_MAX_PHRASE, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(used[start : start + size]):
                    continue
                key = words[start : start + size]
                for term in self._by_english.get(key, ()):
                    found.append((" ".join(key), term))
                if key in self._by_english:
                    used[start : start + size] = [True] * size
        return found

    def match_chinese(self, text: str) -> list[Term]:
        """Terms whose Chinese form or colloquial variant occurs in the text, longest first."""
        return [t for t in self._zh_sorted if t.zh in text or any(v in text for v in t.zh_variants)]

    def english_for(self, text: str, boundaries: set[int] | None = None) -> list[tuple[str, str]]:
        """(zh, en) for glossary terms in a Chinese text, longest match wins, in text order."""
        return [(t.zh, t.en) for t in self.terms_in(text, boundaries)]

    def terms_in(self, text: str, boundaries: set[int] | None = None) -> list[Term]:
        """Glossary terms written in a Chinese text, longest match wins, in text order (see spans_in)."""
        return [term for term, _, _ in self.spans_in(text, boundaries)]

    def spans_in(self, text: str, boundaries: set[int] | None = None) -> list[tuple[Term, int, int]]:
        """Glossary terms written in a Chinese text, longest match wins, in text order.

        With word boundaries (Tokenizer.boundaries), a term inside a longer word is not a match:
        调解 is not in 协调解决, 外商 is not in 涉外商事.
        """
        taken: list[tuple[int, int, Term]] = []
        for form, term in self._zh_forms:
            if form not in text:  # cheap test first: most of the glossary is absent from any one text
                continue
            for m in re.finditer(re.escape(form), text):
                if boundaries is not None and not (m.start() in boundaries and m.end() in boundaries):
                    continue
                if not any(s < m.end() and m.start() < e for s, e, _ in taken):
                    taken.append((m.start(), m.end(), term))
        return [(t, start, end) for start, end, t in sorted(taken, key=lambda x: x[0])]


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split("|") if v.strip())
