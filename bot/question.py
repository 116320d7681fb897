"""Parse a question once: language, documents named, what it asks for, places and organisations named."""

from __future__ import annotations

import re

from bot.documents import DocumentNames
from bot.intent import (
    ASKS_AMOUNT,
    ASKS_CONSEQUENCE,
    ASKS_COUNT,
    ASKS_DEFINITION,
    ASKS_HISTORY,
    ASKS_LIST,
    ASKS_METADATA,
    ASKS_TIME,
    ASKS_WHO,
    ASKS_YES_NO,
    asked_unit,
    quantities_asked,
)
from bot.language import simplified
from bot.scope import JURISDICTION_ABBREVIATIONS, PLACE_NAMES
from core.schema import Ask, Question
from index.tokenize import Tokenizer

# What a question asks for, by the words people use to ask it.
ASKS = (
    ("amount", ASKS_AMOUNT),
    ("duration", ASKS_TIME),
    ("body", ASKS_WHO),
    ("list", ASKS_LIST),
    ("count", ASKS_COUNT),
    ("definition", ASKS_DEFINITION),
    ("yes_no", ASKS_YES_NO),
    ("document_facts", ASKS_METADATA),
    ("history", ASKS_HISTORY),
    ("consequence", ASKS_CONSEQUENCE),
)
_SUB_QUESTION = re.compile(r"[^？?；;]+[？?；;]?")
# "How long is it valid, and when must we renew?": an English question joining a second question with "and".
_SECOND_QUESTION = re.compile(
    r",?\s+and (?=(?:when|what|how|who|which|where|whether|is|are|do|does|can|must|should|will)\b)", re.I
)
_ABBREVIATION = re.compile(r"\b[A-Z]{2,3}\b")  # US, EU: too short for a capitalised name
_ENGLISH_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b[A-Z][A-Za-z]{2,}\b")


def parse_question(text: str, lang: str, names: DocumentNames, tokenizer: Tokenizer) -> Question:
    text = simplified(text)  # traditional characters are searched as the corpus writes them
    named, without_names = names.find(text)
    ranking_text = without_names if named and re.search(r"[\w\u3400-\u9fff]{2}", without_names) else text
    places, organisations = _names(text, lang, tokenizer)
    return Question(
        text=text,
        lang=lang,
        named_documents=named,
        ranking_text=ranking_text,
        asks=_asks(text),
        quantities=tuple(ask.name for ask in quantities_asked(text)),
        places=places,
        organisations=organisations,
        parts=_parts(text),
    )


def _asks(text: str) -> frozenset[str]:
    return frozenset(kind for kind, pattern in ASKS if pattern.search(text))


def _parts(text: str) -> tuple[Ask, ...]:
    """The sub-questions that ask something ("有效期几年？到期前多久申请延续？" asks two things)."""
    pieces = [p.strip() for p in _SUB_QUESTION.findall(_SECOND_QUESTION.sub("? ", text))]
    pieces = [p for p in pieces if re.search(r"[\w\u3400-\u9fff]{2}", p)]
    parts = [Ask(p, _asks(p), asked_unit(p)) for p in pieces]
    asking = [p for p in parts if p.asks]
    return tuple(asking) if len(asking) > 1 else (Ask(text, _asks(text), asked_unit(text)),)


def _names(text: str, lang: str, tokenizer: Tokenizer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Places and organisations: jieba's parts of speech in Chinese (ns, nt), capitalised names in English."""
    if lang == "en":
        words = list(dict.fromkeys(_ENGLISH_NAME.findall(text) + _ABBREVIATION.findall(text)))
        places = tuple(w for w in words if w.lower() in PLACE_NAMES or w in JURISDICTION_ABBREVIATIONS)
        return places, tuple(w for w in words if w not in places)
    tagged = tokenizer.tagged_words(text) if re.search(r"[\u3400-\u9fff]", text) else []
    places = tuple(dict.fromkeys(w for w, tag in tagged if tag == "ns"))
    organisations = tuple(dict.fromkeys(w for w, tag in tagged if tag == "nt"))
    return places, organisations
