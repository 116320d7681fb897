"""Prompt files (prompts/*.txt) rendered with checked variables, and the numbered clauses the LLM is shown."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.render import document_name, label_en, status_text
from core.errors import PolicybotError
from core.schema import Hit
from index import ClauseIndex

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
NO_ANSWER = "NOT_IN_CLAUSES"  # what the system prompts tell the LLM to reply when the clauses do not answer
MIN_CLAUSE_CHARS = 200  # with less room than this left, a clause is left out rather than cut to a stub
HEADER_CHARS = 200  # room for a clause's header lines (number, title, document number, status)
HISTORY_TURNS = 3  # the follow-up rewrite sees this many earlier turns
HISTORY_ANSWER_CHARS = 300  # and this much of each earlier answer


class PromptError(PolicybotError):
    """A prompt file is missing, or a variable it uses was not given (or one given is not used)."""


@dataclass(frozen=True)
class Source:
    """One clause as the LLM saw it: its number [n] and everything shown with it, which a citation may rest on."""

    number: int
    clause_id: str
    shown: str


@cache
def load_prompt(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise PromptError(f"prompt file {path} cannot be read ({exc.strerror})") from exc


def render(name: str, **values: object) -> str:
    """prompts/<name>.txt with ${var} filled in; a missing or an unused variable is an error, not a silent gap."""
    template = string.Template(load_prompt(name))
    if not template.is_valid():
        raise PromptError(f"prompts/{name}.txt: a '$' that is not ${{variable}} (write $$ for a dollar sign)")
    wanted = set(template.get_identifiers())
    if missing := wanted - values.keys():
        raise PromptError(f"prompts/{name}.txt needs {', '.join(sorted(missing))}")
    if unused := values.keys() - wanted:
        raise PromptError(f"prompts/{name}.txt does not use {', '.join(sorted(unused))}")
    return template.substitute({k: str(v) for k, v in values.items()})


def as_data(text: str) -> str:
    """User text inside <question>/<history>: angle brackets become full-width so it cannot close the tag."""
    return text.replace("<", "＜").replace(">", "＞")


def clause_sources(
    hits: Sequence[Hit], index: ClauseIndex, lang: str, today: dt.date, budget: int
) -> tuple[Source, ...]:
    """The retrieved clauses, numbered [1].. in rank order, within a character budget (best first)."""
    sources: list[Source] = []
    left = budget
    for hit in hits:
        clause_id = hit.clause.clause_id
        if any(s.clause_id == clause_id for s in sources):
            continue
        text = index.full_text(clause_id)
        room = left - HEADER_CHARS
        if sources and room < MIN_CLAUSE_CHARS:
            break
        if len(text) > room:  # only the best clause is ever cut: the others would be left out
            text = text[: max(room, MIN_CLAUSE_CHARS)] + "…"
        shown = _clause_block(len(sources) + 1, clause_id, index, lang, today, text)
        sources.append(Source(len(sources) + 1, clause_id, shown))
        left -= len(shown)
    return tuple(sources)


def _clause_block(number: int, clause_id: str, index: ClauseIndex, lang: str, today: dt.date, text: str) -> str:
    clause = index.first_part(clause_id)
    doc = index.documents[clause.doc_id]
    status = status_text(doc.status_on(today), lang)
    if doc.valid_until:
        status += f" (valid until {doc.valid_until})" if lang == "en" else f"（有效期至{doc.valid_until}）"
    none = "none" if lang == "en" else "无"
    common = {"n": number, "doc_number": doc.doc_number or none, "date_issued": doc.date_issued or none}
    if lang == "zh":
        return render("clause_zh", **common, title=doc.title, label=clause.label, status=status, text=text)
    english = " ".join(index.english_sentences(clause.clause_id)) or "(none: rely on the Chinese original)"
    return render(
        "clause_en",
        **common,
        title=document_name(doc, "en"),
        label=label_en(clause),
        title_zh=doc.title,
        label_zh=clause.label,
        status=status,
        text=text,
        text_en=english,
    )


def answer_prompt(question: str, lang: str, sources: Sequence[Source]) -> tuple[str, str]:
    """(system, user) messages: the rules, then the numbered clauses and the question."""
    system = render(f"system_{lang}", no_answer=NO_ANSWER)
    clauses = "\n\n".join(s.shown for s in sources)
    return system, render(f"context_{lang}", clauses=clauses, question=as_data(question))


def followup_prompt(question: str, history: Sequence[tuple[str, str]], lang: str) -> tuple[str, str]:
    """(system, user) messages asking for the follow-up question rewritten to stand alone."""
    turns = [
        render("turn", question=as_data(asked), answer=as_data(_shorten(answered, HISTORY_ANSWER_CHARS)))
        for asked, answered in history[-HISTORY_TURNS:]
    ]
    user = render("followup_input", history="\n\n".join(turns), question=as_data(question))
    return render(f"followup_{lang}"), user


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
