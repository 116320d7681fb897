"""The frozen types that flow ingest -> index -> bot -> app/eval."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

STATUSES = ("in_force", "draft_for_comments", "informational", "expired", "repealed", "superseded")


@dataclass(frozen=True)
class DocumentInfo:
    """Catalogue facts about one document (from data/catalog.yaml or detected in its text)."""

    doc_id: str
    title: str
    source_file: str
    title_en: str = ""
    short_title: str = ""
    short_title_en: str = ""
    issuer: str = ""
    issuer_en: str = ""
    doc_number: str = ""
    date_issued: str = ""
    effective_from: str = ""
    valid_until: str = ""
    status: str = "in_force"
    repeals: tuple[str, ...] = ()
    kind: str = ""
    note: str = ""
    url: str = ""  # the official text's address (http/https), when the catalogue knows it
    detected: bool = False  # True when the facts come from the text, not the catalogue

    def status_on(self, today: dt.date) -> str:
        """The status on a given day: a plan past its valid-until date has expired."""
        if self.status == "in_force" and self.valid_until:
            try:
                if dt.date.fromisoformat(self.valid_until) < today:
                    return "expired"
            except ValueError:
                pass
        return self.status


@dataclass(frozen=True)
class Footnote:
    """A footnote lifted out of the running text; `offset` is where its reference stood."""

    number: str
    text: str
    offset: int


@dataclass(frozen=True)
class Document:
    """A cleaned document: `text` is exact wording, one paragraph per line."""

    info: DocumentInfo
    text: str
    footnotes: tuple[Footnote, ...] = ()
    metadata_lines: tuple[str, ...] = ()  # header lines that are not clauses (e.g. adoption dates)
    content_hash: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.info.doc_id


@dataclass(frozen=True)
class Clause:
    """One citable unit: a numbered item's own text, or a part of a long one."""

    doc_id: str
    clause_id: str  # stable: doc id + numbering path, e.g. "cp-measures-draft#四.(十二)"
    labels: tuple[str, ...]  # e.g. ("四、", "（十二）")
    headings: tuple[str, ...]  # ancestors' heading texts, outermost first
    heading: str  # this clause's own heading ("汇聚全球创新资源"), may be empty
    text: str  # exact cleaned text, == document.text[start:end]
    start: int
    end: int
    part: int = 1
    parts: int = 1
    kind: str = "item"  # item | heading | preamble | notice | closing | signature
    notes: tuple[str, ...] = ()  # footnotes cited in this clause

    @property
    def uid(self) -> str:
        """Unique key of this part (clause_id is shared by the parts of a long clause)."""
        return self.clause_id if self.parts == 1 else f"{self.clause_id}~{self.part}"

    @property
    def label(self) -> str:
        """The path as people write it: 一、（五）, 第三条, 一、——2."""
        return "".join(label for label in self.labels if not _is_container_label(label, self.labels))

    @property
    def searchable(self) -> bool:
        """Heading-only clauses carry no content of their own worth retrieving."""
        return self.kind != "heading"


def _is_container_label(label: str, labels: tuple[str, ...]) -> bool:
    # A law's chapter/section labels are dropped from the short form: "第三条" says it all.
    return any(x.startswith("第") and x.endswith("条") for x in labels) and label.endswith(("章", "节", "编"))


@dataclass(frozen=True)
class Hit:
    """A retrieved clause with its score; `scores` keeps each retriever's rank for the console."""

    clause: Clause
    score: float
    source: str  # "bm25" | "dense" | "fused" | ...
    ranks: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Citation:
    """A numbered reference [n] in an answer, renderable from the clause and its document alone."""

    number: int
    clause: Clause
    doc: DocumentInfo
    status: str
    label_en: str = ""
    text_en: str = ""


@dataclass(frozen=True)
class Highlight:
    """The span of a cited clause that states the asked fact: offsets in the clause's whole text."""

    clause_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    question: str
    lang: str
    text: str
    declined: bool
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Hit, ...] = ()
    warnings: tuple[str, ...] = ()
    timing_ms: tuple[tuple[str, float], ...] = field(default=())
    notes: tuple[str, ...] = ()  # how the answer was made (e.g. "llm fallback: timeout")
    confidence: float | None = None  # calibrated probability that the cited clauses answer it (None: nothing searched)
    decline_reason: str = ""  # out_of_scope | figure_not_stated | not_covered; empty when answered
    short_answer: str = ""  # the asked fact in one cited sentence, first in `text`; empty when none can be given
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True)
class Ask:
    """One sub-question ("有效期几年？" of "有效期几年？到期前多久申请延续？"): what it asks for, and the unit of
    the figure when it names one (多少家 -> 家; how many years -> 年), as a regex alternation."""

    text: str
    asks: frozenset[str] = frozenset()
    unit: str = ""


@dataclass(frozen=True)
class Question:
    """A question parsed once (bot.question.parse_question); every later stage reads this, not the text."""

    text: str  # as searched: simplified Chinese, a follow-up made to stand alone
    lang: str  # "zh" | "en"
    named_documents: frozenset[str] = frozenset()  # documents the question names by title or short name
    ranking_text: str = ""  # the text without those names: inside a named document they match every clause
    asks: frozenset[str] = (
        frozenset()
    )  # amount, duration, body, list, count, definition, yes_no, document_facts, history, consequence
    quantities: tuple[str, ...] = ()  # the kinds of figure it asks for that a clause must state (bot.intent)
    places: tuple[str, ...] = ()  # places it names (深圳, Shenzhen)
    organisations: tuple[str, ...] = ()  # organisations it names (国家药监局, BeiGene)
    parts: tuple[Ask, ...] = ()  # its sub-questions, in order (one when it asks one thing)

    def asks_for(self, *kinds: str) -> bool:
        return any(kind in self.asks for kind in kinds)
