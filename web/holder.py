"""The bot the app answers with right now; a rebuild swaps in a new one without stopping anything."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import weakref

from bot import PolicyBot

log = logging.getLogger(__name__)
FREE_DELAY_S = 0.5  # after the old bot's teardown, before its cycles are collected and the heap is trimmed
# One question per path through the bot: Chinese (jieba words and part-of-speech tables), English (stemmer,
# glossary, English index), and a decline. Asked once before the app reports ready and before a new bot goes
# live: otherwise the first questions after a start each load these themselves (twenty at once waited ~7 s
# and doubled the memory, every thread building its own part-of-speech tagger).
WARM_UP_QUESTIONS = (
    ("外资研发中心有什么资金支持？", None),
    ("Is there funding for a multinational R&D centre?", None),
    ("火星移民政策是什么？", None),
)


class BotHolder:
    """One reference to the live PolicyBot, read once per request.

    A request takes `current` once and uses that bot (and its index) to the end, so an answer and its
    clause texts always come from the same index. `swap` is a single attribute assignment: no lock, no
    pause; requests already running finish on the old bot, which is freed when they are done.
    """

    def __init__(self, bot: PolicyBot) -> None:
        self._bot = bot

    @property
    def current(self) -> PolicyBot:
        return self._bot

    def swap(self, bot: PolicyBot) -> PolicyBot:
        """Serve `bot` from now on; returns the bot it replaces (freed once its last request ends)."""
        old, self._bot = self._bot, bot
        release_when_unused(old)
        return old


def as_holder(bot: PolicyBot | BotHolder) -> BotHolder:
    """The holder itself, or a new one around a plain bot (callers may pass either)."""
    return bot if isinstance(bot, BotHolder) else BotHolder(bot)


def warm_up(bot: PolicyBot) -> None:
    """Answer the warm-up questions once (retrieval and the extractive answer; never the LLM)."""
    llm, bot.llm = getattr(bot, "llm", None), None  # an LLM call would only make the start slow
    try:
        for question, lang in WARM_UP_QUESTIONS:
            bot.ask(question, lang=lang)
    finally:
        bot.llm = llm


def release_when_unused(old: PolicyBot) -> None:
    """Give the old bot's memory back once the last request using it has ended.

    The old index (clauses, BM25 models, its tokenizers' memos of recent texts: some 25 MB) is freed, and the
    freed pages are handed back to the system (glibc would otherwise keep them in its arenas). jieba's
    dictionary is not among them: bots whose tokenizers have the same words share one (index.tokenize).
    """
    weakref.finalize(old, _free_memory_soon)


def _free_memory_soon() -> None:
    # A finalizer runs when the old bot starts to be torn down, while its index is still attached to it; each
    # tokenizer sits in a reference cycle (its memo wraps its own method) that only a full collection frees,
    # and a full collection may not come for a long time. So collect and trim a moment later, from a thread
    # of its own. Measured in one process over 8 reloads: 440 -> 668 MB collecting inside the finalizer,
    # 440 -> 508 MB with this; the rest of that growth was each reload loading jieba's dictionary afresh
    # (see index.tokenize._Dictionary).
    timer = threading.Timer(FREE_DELAY_S, _free_memory)
    timer.daemon = True
    timer.start()


def _free_memory() -> None:
    gc.collect()
    trim_heap()


def trim_heap() -> None:
    """glibc keeps freed memory in its arenas; malloc_trim returns it to the system (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        log.debug("malloc_trim is not available here")
