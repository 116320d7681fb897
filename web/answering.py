"""The one place the web app calls the bot: streaming when it can, history when it takes it, logged."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from bot import PolicyBot, detect_language
from core.schema import Answer
from web.querylog import QueryLog, new_token

log = logging.getLogger(__name__)
History = Sequence[tuple[str, str]]  # (question, answer text) pairs, oldest first


def _takes_history(method: Callable) -> bool:
    # The conversational bot takes `history`; an older one does not, and still answers single questions.
    parameters = inspect.signature(method).parameters.values()
    return any(p.name == "history" or p.kind is p.VAR_KEYWORD for p in parameters)


def answer_lang(question: str, ui_lang: str) -> str | None:
    """None lets the bot answer in the question's language; the interface language is the fallback."""
    return None if detect_language(question) in ("zh", "en") else ui_lang


def answer_events(bot: PolicyBot, question: str, lang: str | None, history: History = ()) -> Iterator[str | Answer]:
    """Growing answer text while an LLM streams, then the Answer (always last)."""
    stream = getattr(bot, "ask_stream", None)
    if callable(stream):
        kwargs = {"history": tuple(history)} if _takes_history(stream) else {}
        yield from stream(question, lang=lang, **kwargs)
        return
    yield ask(bot, question, lang, history)


def ask(bot: PolicyBot, question: str, lang: str | None, history: History = ()) -> Answer:
    kwargs = {"history": tuple(history)} if _takes_history(bot.ask) else {}
    return bot.ask(question, lang=lang, **kwargs)


class Logged(NamedTuple):
    """A logged answer: its id and the token its feedback must bring (given only to whoever asked)."""

    id: int
    token: str


def record(querylog: QueryLog, answer: Answer, started: float, channel: str) -> Logged:
    """Log an answer; returns its log id and a fresh feedback token."""
    token = new_token()
    entry = querylog.record(
        answer.question,
        answer.lang,
        "declined" if answer.declined else "answered",
        [c.clause.clause_id for c in answer.citations],
        _ms_since(started),
        channel,
        token=token,
    )
    return Logged(entry, token)


def record_error(querylog: QueryLog, question: str, lang: str, started: float, channel: str) -> int:
    log.exception("answering failed")
    return querylog.record(question, lang, "error", (), _ms_since(started), channel)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
