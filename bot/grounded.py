"""LLM answers: numbered clauses in, text out (streamed or whole), then verified before anyone sees it as fact."""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass

from bot.llm import ChatLLM, LLMError
from bot.prompts import NO_ANSWER, Source, answer_prompt
from bot.verify import CITATION, check_answer
from index.translations import UNOFFICIAL_NOTE

# Reasoning models served by some endpoints (DeepSeek-R1 on Ollama) think aloud in the reply itself.
_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.S)


@dataclass(frozen=True)
class Draft:
    """A verified LLM answer, or why there is none: `failure` means use the extractive answer instead."""

    text: str = ""
    clause_ids: tuple[str, ...] = ()  # the clause behind [1], [2], ... in the text
    notes: tuple[str, ...] = ()
    no_answer: bool = False  # the LLM found no answer in the clauses
    failure: str = ""
    short: str = ""  # the reply's first sentence, the direct answer, when it is verified and short


SHORT_CHARS = 200  # a longer first sentence is the body of the answer, not a short answer


def write_answer(
    llm: ChatLLM, question: str, lang: str, sources: Sequence[Source], stream: bool = False
) -> Generator[str, None, Draft]:
    """Yields the reply so far (growing) while it streams; returns the Draft (yields nothing without stream)."""
    system, user = answer_prompt(question, lang, sources)
    try:
        raw = yield from _reply(llm, system, user, stream)
    except LLMError as exc:
        return Draft(failure=exc.reason)
    return judge(raw, lang, sources)


def judge(raw: str, lang: str, sources: Sequence[Source]) -> Draft:
    """Verify a reply; fall back when nothing, or less than half of it, stands."""
    raw = _THINKING.sub("", raw)
    if not raw.strip():
        return Draft(failure="empty reply")
    checked = check_answer(raw, sources)
    if checked.no_answer:
        return Draft(notes=checked.removed, no_answer=True)
    if not checked.kept:
        return Draft(notes=checked.removed, failure="no supported sentence")
    if len(checked.removed) > checked.kept:  # what is left of a mostly unsupported answer is not to be trusted
        return Draft(notes=checked.removed, failure="most sentences unsupported")
    # The LLM renders Chinese law in English: the same caveat as the translated extractive answers.
    text = f"{checked.text}\n({UNOFFICIAL_NOTE['en']})" if lang == "en" else checked.text
    short = checked.lead if len(checked.lead) <= SHORT_CHARS and CITATION.search(checked.lead) else ""
    return Draft(text, checked.clause_ids, checked.removed, short=short)


def _reply(llm: ChatLLM, system: str, user: str, stream: bool) -> Generator[str, None, str]:
    if not stream:
        return llm.complete(system, user)
    raw = shown = ""
    for piece in llm.stream(system, user):
        raw += piece
        if (visible := _visible(raw)) != shown:
            shown = visible
            yield visible
    return raw


def _visible(raw: str) -> str:
    """The reply as the asker may see it: no thinking aloud, no no-answer word (a signal to us, even half-written)."""
    text = _THINKING.sub("", raw).replace(NO_ANSWER, "").lstrip()
    for size in range(len(NO_ANSWER) - 1, 0, -1):
        if text.endswith(NO_ANSWER[:size]):
            return text[:-size].rstrip()
    return text.rstrip()
