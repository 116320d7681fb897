"""Which documents a question names ("北京市外商投资条例从什么时候开始施行", "the Drug Administration Law")."""

from __future__ import annotations

import re

from core.schema import DocumentInfo
from index.glossary import Glossary, english_key

_BRACKETS = re.compile(r"[（(][^（）()]*[）)]")
_INSTRUMENTS = frozenset(english_key("regulations measures provisions law rules"))
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’]s)?")


class DocumentNames:
    """Every name a document goes by, in Chinese and English, from the catalogue and the glossary's titles."""

    def __init__(self, documents: dict[str, DocumentInfo], glossary: Glossary) -> None:
        zh: dict[str, set[str]] = {}
        en: dict[tuple[str, ...], set[str]] = {}
        for doc_id, info in documents.items():
            for name in _chinese_names(info):
                zh.setdefault(name, set()).add(doc_id)
            for name in (info.title_en, info.short_title_en):
                if key := english_key(_BRACKETS.sub(" ", name)):
                    en.setdefault(key, set()).add(doc_id)
        for term in glossary.terms:  # glossary titles add the short and colloquial names (药品管理法, DAL)
            if term.category != "document_title":
                continue
            owners = {d for name in (term.zh, *term.zh_variants) for d in _owners(name, zh)}
            if len(owners) != 1:
                continue  # a title of a document outside the corpus, or an ambiguous one
            for name in (term.zh, *term.zh_variants):
                zh.setdefault(_plain(name), set()).update(owners)
            for name in (term.en, *term.en_variants):
                if len(key := english_key(name)) >= 2 or re.fullmatch(r"[A-Z]{3,}", name):  # or FIL, DAL
                    en.setdefault(key, set()).update(owners)
        for key, docs in list(en.items()):  # "Regulations on the X Zone" is also asked as "the X Zone regulation"
            if len(key) > 3 and key[0] in _INSTRUMENTS and key[1] in ("on", "of", "for"):
                rest = key[3:] if key[2] == "the" else key[2:]
                en.setdefault((*rest, key[0]), set()).update(docs)
        self._zh = sorted(((n, frozenset(d)) for n, d in zh.items() if len(n) >= 4), key=lambda x: -len(x[0]))
        self._en = sorted(((k, frozenset(d)) for k, d in en.items()), key=lambda x: -len(x[0]))

    def named_in(self, question: str) -> frozenset[str]:
        """The ids of the documents the question names; a name inside a longer name does not count."""
        return self.find(question)[0]

    def find(self, question: str) -> tuple[frozenset[str], str]:
        """The documents named, and the question with their names taken out (a name selects, it does not rank)."""
        named: set[str] = set()
        text = re.sub(r"[《》〈〉“”\"]", "", question or "")
        for name, docs in self._zh:
            if name in text:
                named |= docs
                text = text.replace(name, " ")
        words = [(key[0], m.start(), m.end()) for m in _WORD.finditer(text) if (key := english_key(m.group()))]
        stems = [w[0] for w in words]
        for key, docs in self._en:
            at = _find(stems, key)
            if at >= 0:
                named |= docs
                start, end = words[at][1], words[at + len(key) - 1][2]
                text = text[:start] + " " * (end - start) + text[end:]
                stems[at : at + len(key)] = ["|"] * len(key)
        return frozenset(named), " ".join(text.split())


def _chinese_names(info: DocumentInfo) -> set[str]:
    names = {_plain(info.title), _plain(info.short_title)}
    names |= {_plain(_BRACKETS.sub("", n)) for n in (info.title, info.short_title)}
    names |= {n.removeprefix("中华人民共和国") for n in names}
    return {n for n in names if n}


def _owners(name: str, names: dict[str, set[str]]) -> set[str]:
    plain = _plain(name)
    return names.get(plain, set()) | names.get(_plain(_BRACKETS.sub("", name)), set())


def _plain(text: str) -> str:
    return re.sub(r"[\s《》〈〉<>“”\"]", "", text or "")


def _find(words: list[str], key: tuple[str, ...]) -> int:
    for i in range(len(words) - len(key) + 1):
        if tuple(words[i : i + len(key)]) == key:
            return i
    return -1
