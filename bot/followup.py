"""Follow-up questions ("那医疗器械呢", "what about medical devices?") rewritten to stand alone before retrieval.

With an LLM, it rewrites from the conversation (prompts/followup_*.txt). Without one, or when it fails, a
rule carries the previous question's topic: a short follow-up that only names a new topic of the same kind
swaps it in (创新药有什么资金支持？ + 那医疗器械呢 -> 医疗器械有什么资金支持？); any other follow-up is
searched together with the previous question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.language import detect_language
from bot.llm import ChatLLM, LLMError
from bot.prompts import followup_prompt
from bot.retrieve import Retriever
from index import Glossary, Term
from index.glossary import english_key
from index.translations import preferred_english

_MARKER = re.compile(
    r"^(?:那么|那如果|那|还有|另外|如果是|要是|and what about|what about|how about|what if|and|also)(?:\s+|(?=[\u3400-\u9fff])|$)",
    re.I,
)
_TRAILING = re.compile(r"[\s呢吗吧啊呀]*[?？。.!！]*\s*$")
_PRONOUN = re.compile(r"它|其|这个|那个|这些|那些|这项|该|上述|\b(?:it|its|this|that|these|those|they|them)\b", re.I)
SHORT_ZH_CHARS, SHORT_EN_WORDS = 20, 10  # longer questions are taken to say what they are about
TOPIC_WEIGHT = 1.0  # a question concept at least this heavy (see retrieve.Concept) names a topic
LEFTOVER_ZH_CHARS, LEFTOVER_EN_WORDS = 2, 1  # "的", "the": what a pure "that other topic" follow-up may add
# Glossary categories that name what a question is about; a follow-up swaps one for another of the same kind.
TOPICAL = frozenset("industry technology place institution programme instrument document_title".split())
MAX_REWRITE_CHARS = 300  # a longer LLM "rewrite" is an answer or a ramble, not a question


@dataclass(frozen=True)
class Rewrite:
    """The question to search with; notes say how it was made; llm_failure says the endpoint just failed."""

    question: str
    notes: tuple[str, ...] = ()
    llm_failure: str = ""


class FollowUps:
    def __init__(self, retriever: Retriever, glossary: Glossary, llm: ChatLLM | None = None) -> None:
        self.retriever = retriever
        self.glossary = glossary
        self.llm = llm

    def standalone(self, question: str, history: Sequence[tuple[str, str]]) -> Rewrite:
        """The question rewritten to stand alone, given the earlier (question, answer) turns, oldest first."""
        turns = [(str(q or ""), str(a or "")) for q, a in history if str(q or "").strip()]
        if not turns:
            return Rewrite(question)
        if self.llm is None:
            return self._rule_rewrite(question, turns)
        try:
            rewritten = _clean(self.llm.complete(*followup_prompt(question, turns, _lang(question))))
        except LLMError as exc:
            return self._rule_rewrite(question, turns, f"llm rewrite failed: {exc.reason}; rule used", exc.reason)
        if not rewritten:
            return self._rule_rewrite(question, turns, "llm rewrite unusable; rule used")
        return Rewrite(rewritten, _rewritten(question, rewritten))

    def _rule_rewrite(self, question: str, turns: list[tuple[str, str]], note: str = "", failure: str = "") -> Rewrite:
        rewritten = self.by_rule(question, [q for q, _ in turns])
        notes = ((note,) if note else ()) + _rewritten(question, rewritten)
        return Rewrite(rewritten, notes, failure)

    def by_rule(self, question: str, previous: Sequence[str]) -> str:
        """Carry the topic of the earlier questions (each made standalone in turn) into a follow-up."""
        context = ""
        for asked in [*previous, question]:
            context = self._carry(asked, context) if context and self.is_follow_up(asked) else asked
        return context

    def is_follow_up(self, question: str) -> bool:
        """Short, and opens like a follow-up, points back (它, this) or names no topic of its own."""
        text = question.strip()
        short = len(text.split()) <= SHORT_EN_WORDS if _lang(text) == "en" else len(text) <= SHORT_ZH_CHARS
        if not short:
            return False
        if _MARKER.match(text) or _PRONOUN.search(text) or text.rstrip("？?。！! ").endswith("呢"):
            return True
        return not self._has_topic(text)

    def _has_topic(self, text: str) -> bool:
        query = self.retriever.build_query(self.retriever.parse(text, _lang(text)))
        return any(c.weight >= TOPIC_WEIGHT for c in query.concepts)

    def _carry(self, question: str, previous: str) -> str:
        core = _TRAILING.sub("", _MARKER.sub("", question.strip())).strip()
        swapped = self._swap_topic(core, previous)
        return swapped or f"{previous} {core}".strip()

    def _swap_topic(self, core: str, previous: str) -> str:
        """previous with its topic of the same kind replaced, when core is nothing but a new topic; else ''."""
        terms, leftover = self._topic_terms(core)
        if not terms or leftover:
            return ""
        out = previous
        for term in terms:
            for old, start, end in self._spans(out):
                if old.category == term.category and old.zh != term.zh:
                    new = term.zh if _lang(out) == "zh" else preferred_english(term.en)
                    out = out[:start] + new + out[end:]
                    break
        return out if out != previous else ""

    def _topic_terms(self, core: str) -> tuple[list[Term], bool]:
        """The topical glossary terms a follow-up names, and whether it says anything besides them."""
        if _lang(core) == "zh":
            spans = [(t, s, e) for t, s, e in self._spans(core) if t.category in TOPICAL]
            rest = core
            for _, start, end in sorted(spans, key=lambda x: -x[1]):
                rest = rest[:start] + rest[end:]
            return [t for t, _, _ in spans], len(rest.strip()) > LEFTOVER_ZH_CHARS
        matched = [(phrase, t) for phrase, t in self.glossary.match_english(core) if t.category in TOPICAL]
        phrases = {phrase for phrase, _ in matched}
        words = len(english_key(core)) - sum(len(p.split()) for p in phrases)
        return list(dict.fromkeys(t for _, t in matched)), words > LEFTOVER_EN_WORDS

    def _spans(self, text: str) -> list[tuple[Term, int, int]]:
        """Glossary terms in a question with where they are written (Chinese or English)."""
        if _lang(text) == "zh":
            return self.glossary.spans_in(text, self.retriever.index.lexical.tokenizer.boundaries(text))
        spans = []
        for _, term in self.glossary.match_english(text):
            forms = sorted((term.en, *term.en_variants), key=len, reverse=True)
            for form in forms:
                if m := re.search(rf"\b{re.escape(form)}\b", text, re.I):
                    spans.append((term, m.start(), m.end()))
                    break
        return sorted(spans, key=lambda s: s[1])


def _lang(text: str) -> str:
    return "en" if detect_language(text) == "en" else "zh"


def _clean(reply: str) -> str:
    """The first line of the LLM's reply without quotes or a 'Standalone question:' label; '' if unusable."""
    line = next((x.strip() for x in reply.splitlines() if x.strip()), "")
    line = re.sub(
        r"^(?:standalone question|rewritten question|question|改写后的问题|改写后|问题)\s*[:：]\s*",
        "",
        line,
        flags=re.I,
    )
    line = line.strip("\"'“”‘’「」 ")
    return line if 0 < len(line) <= MAX_REWRITE_CHARS else ""


def _rewritten(question: str, rewritten: str) -> tuple[str, ...]:
    return (f"rewritten: {rewritten}",) if rewritten != question else ()
