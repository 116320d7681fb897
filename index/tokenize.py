"""Tokens for lexical search: jieba words (with a domain dictionary) for Chinese, stems for English."""

from __future__ import annotations

import functools
import logging
import os
import pickle
import re
import subprocess
import sys
import threading
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from subprocess import PIPE
from typing import IO, TYPE_CHECKING

import jieba
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

if TYPE_CHECKING:
    import jieba.posseg

jieba.setLogLevel(logging.WARNING)
log = logging.getLogger(__name__)

# An index build tokenises in worker processes when one process would take longer than this: each worker costs
# about 1.5 s to start (imports, jieba's dictionary). Speeds measured here: jieba ~380k Chinese characters a
# second, the English stemmer ~2M characters a second.
PARALLEL_MIN_SECONDS = 3.0
CHINESE_CHARS_PER_S = 380_000
OTHER_CHARS_PER_S = 2_000_000
_HANZI = re.compile(r"[\u3400-\u9fff]")
MAX_WORKERS = 4
_ROOT = Path(__file__).resolve().parent.parent

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


# NFKC of each full-width ASCII form (U+FF01..U+FF5E), as one table: str.translate beats a per-character loop.
_FULL_WIDTH = str.maketrans({cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF01, 0xFF5F)})


def normalise_query_text(text: str) -> str:
    """Full-width Latin letters and digits to ASCII, lower case; Hanzi and CJK punctuation untouched."""
    return text.translate(_FULL_WIDTH).lower()


class _Dictionary:
    """jieba with the domain words added, and its part-of-speech tagger: one per distinct set of user words.

    Every Tokenizer with the same user words uses the same one (see `_dictionary_for`): an index reload, or the
    clause and question indexes of one bot, would otherwise each load their own ~65 MB of word counts and
    ~43 MB of part-of-speech tags, a few hundred thousand small objects each time, and the heap they leave
    behind when the old bot is freed is fragmented (measured: +7.5 MB of RSS per reload that no Python
    object accounts for). Read-only once made, so threads and bots share it safely.
    """

    def __init__(self, user_words: tuple[str, ...]) -> None:
        frequencies, total = _base_frequencies()
        self.jieba = jieba.Tokenizer()
        # A copy of the table only: the words and counts themselves stay shared with the base dictionary.
        self.jieba.FREQ, self.jieba.total, self.jieba.initialized = dict(frequencies), total, True
        self.general_counts: dict[str, int] = {}  # jieba's own counts of the domain words, before we boost them
        for word in user_words:
            if re.fullmatch(r"[\u3400-\u9fff]+", word):
                self.general_counts[word] = self.jieba.FREQ.get(word, 0)
                self.jieba.add_word(word, freq=max(self.jieba.suggest_freq(word), 2000))
        self._tagger: jieba.posseg.POSTokenizer | None = None
        self._lock = threading.Lock()

    @property
    def tagger(self) -> jieba.posseg.POSTokenizer:
        """jieba.posseg over this dictionary, made on first use (its import loads HMM tables: ~0.25 s)."""
        with self._lock:
            if self._tagger is None:
                self._tagger = _shared_tags_tagger(self.jieba)
            return self._tagger


# The Tokenizers' dictionaries by user words, held only as long as a Tokenizer uses them: a reload of the same
# corpus finds the live bot's, a changed corpus makes a new one and the old one goes with the old bot.
_dictionaries: weakref.WeakValueDictionary[tuple[str, ...], _Dictionary] = weakref.WeakValueDictionary()
_dictionaries_lock = threading.Lock()


def _dictionary_for(user_words: tuple[str, ...]) -> _Dictionary:
    with _dictionaries_lock:  # one dictionary per set of words, even when two threads ask at once
        dictionary = _dictionaries.get(user_words)
        if dictionary is None:
            dictionary = _dictionaries[user_words] = _Dictionary(user_words)
        return dictionary


@functools.cache
def _base_frequencies() -> tuple[dict[str, int], int]:
    """jieba's general dictionary (word and prefix counts, total), loaded once per process and never changed:
    each _Dictionary copies the table and adds its words to the copy."""
    base = jieba.Tokenizer()
    base.initialize()
    return base.FREQ, base.total


@functools.cache
def _word_tags() -> dict[str, str]:
    """jieba's part-of-speech tag of every word of its general dictionary, read once per process.

    jieba.posseg.POSTokenizer reads the dictionary file again for every tagger it makes; our user words carry
    no tag, so every tagger's table is this same one, and no tagger writes to it.
    """
    import jieba.posseg

    return jieba.posseg.POSTokenizer(jieba.Tokenizer()).word_tag_tab


def _shared_tags_tagger(tokenizer: jieba.Tokenizer) -> jieba.posseg.POSTokenizer:
    """A jieba.posseg tagger over `tokenizer` whose tag table is the process's one (`_word_tags`)."""
    return _shared_tags_tagger_class()(tokenizer)


@functools.cache
def _shared_tags_tagger_class() -> type[jieba.posseg.POSTokenizer]:
    import jieba.posseg  # here, not at the top: its import loads HMM tables (~0.25 s) a build never needs

    class SharedTagsTagger(jieba.posseg.POSTokenizer):
        def load_word_tag(self, f: IO[bytes]) -> None:  # POSTokenizer.__init__ calls it to read the dictionary
            f.close()
            self.word_tag_tab = _word_tags()

    return SharedTagsTagger


class Tokenizer:
    """jieba search-mode words for Chinese (plus sub-words), stemmed words for English; no stop words."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self.user_words = tuple(sorted({w.strip() for w in user_words if 2 <= len(w.strip()) <= 20}))
        self._initialised = False
        self._dictionary: _Dictionary | None = None  # shared with every Tokenizer of the same words; on first use
        self._tagger: jieba.posseg.POSTokenizer | None = None  # the dictionary's, once a question needed it
        # Memo of recent questions, per tokenizer: a cache on the method (shared by the class) kept every replaced
        # index's tokenizer alive after a reload (each then with its own jieba dictionary).
        self._cached_tokens = lru_cache(maxsize=4096)(self.fresh_tokens)

    @property
    def _jieba(self) -> jieba.Tokenizer:
        self._ensure_initialised()
        assert self._dictionary is not None
        return self._dictionary.jieba

    def _ensure_initialised(self) -> None:
        if self._initialised:
            return
        with self._lock:
            if not self._initialised:
                self._dictionary = _dictionary_for(self.user_words)
                self._initialised = True

    def tokens(self, text: str) -> list[str]:
        """Search tokens of a text, in order, stop words removed."""
        return list(self._cached_tokens(text))

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]:
        """tokens() of every text (an index build): on all cores when there are enough texts to pay for it."""
        return self.tokens_many_later(texts)()

    def tokens_many_later(self, texts: Sequence[str]) -> Callable[[], list[list[str]]]:
        """Start tokens_many(); the function returned waits for the tokens, so the caller can work meanwhile."""
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        if workers < 2 or _serial_seconds(texts) < PARALLEL_MIN_SECONDS:
            return lambda: _tokens_by_line(self, texts)
        try:
            collect = _start_workers(self.user_words, texts, workers)
        except OSError as err:  # no process may be started here: one core is still right
            log.warning("tokenising in one process (worker processes failed: %s)", err)
            return lambda: _tokens_by_line(self, texts)

        def tokens() -> list[list[str]]:
            try:
                return collect()
            except OSError as err:
                log.warning("tokenising in one process (a worker process failed: %s)", err)
                return _tokens_by_line(self, texts)

        return tokens

    def tagged_words(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) of a Chinese text: whole dictionary words, no guessed ones."""
        self._ensure_initialised()
        if self._tagger is None:
            assert self._dictionary is not None
            self._tagger = self._dictionary.tagger
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
        assert self._dictionary is not None
        if word in self._dictionary.general_counts:
            return self._dictionary.general_counts[word]
        return self._jieba.FREQ.get(word, 0)

    @property
    def general_total(self) -> int:
        self._ensure_initialised()
        return self._jieba.total

    def forget(self) -> None:
        """Empty the memo of recent questions (benchmarks time every question afresh)."""
        self._cached_tokens.cache_clear()

    def fresh_tokens(self, text: str) -> tuple[str, ...]:
        """tokens(), computed (not looked up in the memo of recent questions)."""
        out: list[str] = []
        text = normalise_query_text(text).replace("r&d", " rnd ")
        for piece in _TOKEN.findall(text):
            if piece[0].isascii():
                if piece not in STOPWORDS_EN and not (len(piece) == 1 and piece.isalpha()):
                    out.append(_stem(piece) if piece.isalpha() else piece)
                continue
            if not self._initialised:  # only Chinese needs jieba's dictionary (about a second to load)
                self._ensure_initialised()
            for word in self._jieba.cut_for_search(piece, HMM=True):
                if word not in STOPWORDS_ZH and not (len(word) == 1 and word in "的了是在和与及或等"):
                    out.append(word)
        return tuple(out)


def _serial_seconds(texts: Sequence[str], sample_every: int = 10) -> float:
    """About how long one process would take to tokenise the texts (from every tenth text)."""
    sample = texts[::sample_every]
    hanzi = sum(len(_HANZI.findall(text)) for text in sample)
    other = sum(len(text) for text in sample) - hanzi
    return (hanzi / CHINESE_CHARS_PER_S + other / OTHER_CHARS_PER_S) * len(texts) / max(1, len(sample))


def _tokens_by_line(tokenizer: Tokenizer, texts: Sequence[str]) -> list[list[str]]:
    """Tokens line by line (no token spans a line), each distinct line once: a clause repeats its document's
    title and headings on lines of their own."""
    memo: dict[str, tuple[str, ...]] = {}
    out = []
    for text in texts:
        tokens: list[str] = []
        for line in text.split("\n"):
            if line not in memo:
                memo[line] = tokenizer.fresh_tokens(line)
            tokens.extend(memo[line])
        out.append(tokens)
    return out


def _start_workers(user_words: tuple[str, ...], texts: Sequence[str], workers: int) -> Callable[[], list[list[str]]]:
    """Each worker a fresh `python -m index.tokenize_worker`: no fork of a server's threads, no re-run of __main__.

    A thread feeds the workers their texts, so the caller goes on at once; the function returned collects.
    """
    share = -(-len(texts) // workers)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "index.tokenize_worker"]
    procs = [subprocess.Popen(command, stdin=PIPE, stdout=PIPE, env=env, cwd=_ROOT) for _ in range(workers)]

    def feed() -> None:
        for number, proc in enumerate(procs):  # a worker reads all it is given before it answers: no deadlock
            try:
                pickle.dump((user_words, list(texts[number * share : (number + 1) * share])), proc.stdin)
                proc.stdin.close()
            except OSError:  # the worker died; collect() notices
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()

    def collect() -> list[list[str]]:
        try:
            out = [tokens for proc in procs for tokens in pickle.load(proc.stdout)]
            feeder.join()
            if any(proc.wait() for proc in procs) or len(out) != len(texts):
                raise OSError("a tokeniser worker failed")
            return out
        except (pickle.UnpicklingError, EOFError) as err:
            raise OSError(f"a tokeniser worker failed: {err}") from err
        finally:
            for proc in procs:
                proc.kill() if proc.poll() is None else None

    return collect


def serve_worker() -> None:
    """The worker side: (user words, texts) pickled on stdin, their tokens pickled on stdout."""
    user_words, texts = pickle.load(sys.stdin.buffer)
    tokenizer = Tokenizer(user_words)
    pickle.dump(_tokens_by_line(tokenizer, texts), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
