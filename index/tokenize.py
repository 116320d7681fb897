"""Tokens for lexical search: jieba words (with a domain dictionary) for Chinese, stems for English."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jieba
import jieba.posseg
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

jieba.setLogLevel(logging.WARNING)

# Question words and particles: they say what is asked, not what it is about.
STOPWORDS_ZH = frozenset(
    "的 了 和 与 及 或 等 是 在 对 为 把 被 有 没有 吗 呢 吧 啊 呀 嘛 么 哦 哪 哪些 哪个 什么 啥 多少 几 怎么 怎样 如何 "
    "为什么 是否 能否 可以 能 会 要 需要 我 我们 你 你们 他们 它 这 那 这个 那个 这些 那些 请问 一下 一些 之 其 以 于 "
    "并 从 到 给 让 就 都 也 还 又 而 但 如果 还是 或者 以及 关于 有关 相关 方面 情况 问题 请 想 知道 告诉 现在 目前 "
    "里 中 上 下 个 位 条 项 家 吗？ 呢？ 嗯 哈".split()
)
STOPWORDS_EN = frozenset(STOPWORDS_EN_PLUS) | frozenset(
    "what which who whom whose when where why how is are was were be been being do does did can could may might "
    "shall should will would there here this that these those any some much many get got i we you they it its our "
    "your my me us please tell know about regarding there's what's whats anything something".split()
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[.%][0-9]+)?%?|[\u3400-\u9fff]+")
_stemmer_local = threading.local()


def _stem(word: str) -> str:
    if not hasattr(_stemmer_local, "stemmer"):
        _stemmer_local.stemmer = Stemmer.Stemmer("english")
    return _stemmer_local.stemmer.stemWord(word)


def normalise_query_text(text: str) -> str:
    """Full-width Latin letters and digits to ASCII, lower case; Hanzi and CJK punctuation untouched."""
    return "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text).lower()


class Tokenizer:
    """jieba search-mode words for Chinese (plus sub-words), stemmed words for English; no stop words."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        self._lock = threading.Lock()
        self.user_words = tuple(sorted({w.strip() for w in user_words if 2 <= len(w.strip()) <= 20}))
        self._initialised = False
        self._tagger: jieba.posseg.POSTokenizer | None = None
        self._general_counts: dict[str, int] = {}  # jieba's own counts of the domain words, before we boost them

    def _ensure_initialised(self) -> None:
        with self._lock:
            if self._initialised:
                return
            self._jieba.initialize()
            for word in self.user_words:
                if re.fullmatch(r"[\u3400-\u9fff]+", word):
                    self._general_counts[word] = self._jieba.FREQ.get(word, 0)
                    self._jieba.add_word(word, freq=max(self._jieba.suggest_freq(word), 2000))
            self._initialised = True

    def tokens(self, text: str) -> list[str]:
        """Search tokens of a text, in order, stop words removed."""
        return list(self._cached_tokens(text))

    def tagged_words(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) of a Chinese text: whole dictionary words, no guessed ones."""
        self._ensure_initialised()
        if self._tagger is None:
            self._tagger = jieba.posseg.POSTokenizer(self._jieba)
        pairs = self._tagger.lcut(normalise_query_text(text), HMM=False)
        return [(p.word.strip(), p.flag) for p in pairs if p.word.strip()]

    def boundaries(self, text: str) -> set[int]:
        """Offsets where a dictionary word starts or ends: a term is only matched on these."""
        self._ensure_initialised()
        edges, offset = {0}, 0
        for word in self._jieba.cut(text, HMM=False):
            offset += len(word)
            edges.add(offset)
        return edges

    def general_frequency(self, word: str) -> int:
        """How often a word occurs in general Chinese (jieba's dictionary counts; 0 when unknown)."""
        self._ensure_initialised()
        if word in self._general_counts:
            return self._general_counts[word]
        return self._jieba.FREQ.get(word, 0)

    @property
    def general_total(self) -> int:
        self._ensure_initialised()
        return self._jieba.total

    @lru_cache(maxsize=4096)  # noqa: B019 - one tokenizer per index; caching repeated questions is the point
    def _cached_tokens(self, text: str) -> tuple[str, ...]:
        self._ensure_initialised()
        out: list[str] = []
        text = normalise_query_text(text).replace("r&d", " rnd ")
        for piece in _TOKEN.findall(text):
            if piece[0].isascii():
                if piece not in STOPWORDS_EN and not (len(piece) == 1 and piece.isalpha()):
                    out.append(_stem(piece) if piece.isalpha() else piece)
                continue
            for word in self._jieba.cut_for_search(piece, HMM=True):
                if word not in STOPWORDS_ZH and not (len(word) == 1 and word in "的了是在和与及或等"):
                    out.append(word)
        return tuple(out)
