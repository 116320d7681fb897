"""PolicyBot: question in, grounded Answer out (follow-up -> retrieve -> decline, LLM or extract -> cite -> warn)."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace

from bot.answerability import AnswerabilityModel
from bot.decline import IN_ANOTHER_DOCUMENT, NOT_COVERED, Decision, decide
from bot.extractive import Extract, choose_sentences
from bot.followup import FollowUps
from bot.grounded import write_answer
from bot.language import SUPPORTED, clean_question, detect_language
from bot.llm import make_llm
from bot.prompts import clause_sources
from bot.references import Reference, referenced_documents
from bot.render import citation_heading, document_facts, document_name, label_en, status_warning, with_chinese_amounts
from bot.retrieve import Retrieval, Retriever, concept_match
from bot.short import short_answer
from core.config import Settings
from core.schema import Answer, Citation, Clause, DocumentInfo, Hit, Question
from index import ClauseIndex, Glossary, load_embedder, open_index
from index.glossary import GLOSSARY_FILE
from index.reranker import CrossEncoderReranker, load_reranker
from index.tokenize import Tokenizer, normalise_query_text
from index.translations import STRICT_CATEGORIES, UNOFFICIAL_NOTE, preferred_english

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000
MAX_FACT_DOCS = 2  # a comparison names two documents; more facts lines bury the answer


@dataclass(frozen=True)
class Texts:
    """Fixed phrases of the extractive answers, per language."""

    according: str
    also: str
    decline: str
    related: str
    elsewhere: str  # a document the clauses only refer to (a decline)
    not_held: str  # the same, when the question names it (an answer)
    empty: str
    too_long: str
    unsupported: str
    unsure: str
    untranslated: str = ""


TEXTS = {
    "zh": Texts(
        according="根据{source}",
        also="另据{source}",
        decline="抱歉，现有政策文件中没有找到能回答这个问题的条款，policybot 不作推测。建议咨询{contact}。",
        related="可能相关的条款：",
        elsewhere="{sources}提到{names}：所问内容可能由该文件规定，policybot 未收录它，请查阅其原文。",
        not_held="{sources}提到的{names}本身未收录在 policybot 中，其具体内容请查阅该文件原文。",
        empty="请输入您的问题，例如：“外资研发中心有什么资金支持？”",
        too_long="问题过长，只处理了前{n}个字符。",
        unsupported="policybot 目前只支持中文和英文提问。policybot answers questions in Chinese or English only.",
        unsure="这个回答可能没有完全回答您的问题，请核对所引条款原文。",
    ),
    "en": Texts(
        according="Under {source}",
        also="Also, under {source}",
        decline="Sorry, the policy documents policybot covers do not answer this question, and it will not guess. Please contact {contact}.",
        related="Possibly related clauses:",
        elsewhere="{sources} refers to {names}, which probably sets this out; policybot does not hold that "
        "document: please read it there.",
        not_held="policybot does not hold {names} itself, which {sources} refers to: for its contents read it there.",
        empty="Please type a question, e.g. “Is there funding for a multinational R&D centre?”",
        too_long="The question was long; only its first {n} characters were used.",
        unsupported="policybot answers questions in Chinese or English only. policybot 目前只支持中文和英文提问。",
        unsure="This may not fully answer your question: please check the cited clauses.",
        untranslated="(No English translation of this clause yet: the Chinese original is quoted, key terms glossed.)",
    ),
}


def _with_english(name: str, glossary: Glossary) -> str:
    """外商投资准入负面清单 (negative list): the glossary's English for the terms in a Chinese name."""
    english = "; ".join(dict.fromkeys(en for _, en in glossary.english_for(name)))
    return f"{name} ({english})" if english else name


class PolicyBot:
    def __init__(
        self,
        settings: Settings,
        index: ClauseIndex,
        glossary: Glossary,
        status_notes: tuple[str, ...] = (),
        reranker: CrossEncoderReranker | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.glossary = glossary
        self.retriever = Retriever(index, glossary, settings, reranker=reranker)
        self.status_notes = status_notes
        self.llm = make_llm(settings)  # None unless POLICYBOT_LLM_BASE_URL and POLICYBOT_LLM_MODEL are set
        self.followups = FollowUps(self.retriever, glossary, self.llm)
        self.answerability = AnswerabilityModel.load()
        index.lexical.tokenizer.tokens("预热")  # load jieba's dictionary now, not on the first question

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyBot:
        """Load the embedder if it can be (else say why once), then load or build the index."""
        embedder, note = load_embedder(settings)
        reranker, reranker_note = load_reranker(settings)
        notes = tuple(n for n in (note, reranker_note) if n)
        for line in notes:
            log.warning(line)
        glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
        index = open_index(settings, embedder=embedder, glossary=glossary)
        return cls(settings, index, glossary, notes, reranker)

    def ask(self, question: str, lang: str | None = None, history: Sequence[tuple[str, str]] = ()) -> Answer:
        """Answer one question; lang forces the answer language ('zh' / 'en'), else it is detected.

        history: the earlier (question, answer text) turns, oldest first; a follow-up is rewritten to stand alone.
        """
        return [item for item in self._answer(question, lang, history, stream=False) if isinstance(item, Answer)][-1]

    def ask_stream(
        self, question: str, lang: str | None = None, history: Sequence[tuple[str, str]] = ()
    ) -> Iterator[str | Answer]:
        """The answer text so far (growing) while an LLM writes it, then the final, verified Answer: once, last.

        Verification may drop streamed sentences, so the final Answer's text replaces what was streamed.
        """
        yield from self._answer(question, lang, history, stream=True)

    def _answer(
        self, question: str, lang: str | None, history: Sequence[tuple[str, str]], stream: bool
    ) -> Iterator[str | Answer]:
        started = time.perf_counter()
        question = clean_question(question)
        notes: list[str] = []
        shown: list[str] = []  # notes the asker must see (as warnings), e.g. that the question was cut
        detected = detect_language(question)
        answer_lang = lang if lang in SUPPORTED else (detected if detected in SUPPORTED else "zh")
        texts = TEXTS[answer_lang]
        if not question or detected == "unknown" and not any(ch.isalnum() for ch in question):
            yield Answer(question, answer_lang, texts.empty, True, notes=("empty question",))
            return
        if detected not in SUPPORTED and detected != "unknown":
            yield Answer(
                question,
                lang if lang in SUPPORTED else "en",
                texts.unsupported,
                True,
                notes=(f"unsupported language: {detected}",),
            )
            return
        if len(question) > MAX_QUESTION_CHARS:
            question = question[:MAX_QUESTION_CHARS]
            notes.append(texts.too_long.format(n=MAX_QUESTION_CHARS))
            shown.append(notes[-1])
        search_lang = detected if detected in SUPPORTED else answer_lang
        asked = question
        rewrite = self.followups.standalone(question, history)
        question = rewrite.question
        notes += rewrite.notes
        if question != asked and detect_language(question) in SUPPORTED:  # a rule rewrite may carry a Chinese topic
            search_lang = detect_language(question)
        retrieval = self.retriever.search(question, search_lang)
        retrieved_at = time.perf_counter()
        decision = decide(self.answerability, retrieval, self.index.full_text)
        drivers = decision.drivers(self.answerability)
        answering = [*notes, f"confidence {decision.confidence:.2f} ({drivers})"]  # the staff console shows why
        if decision.declined:
            answer = self._decline(question, answer_lang, retrieval, decision, notes)
        elif self.llm is not None and not rewrite.llm_failure:
            answer = yield from self._generate(question, answer_lang, retrieval, decision, answering, stream)
        else:  # no LLM, or it has just failed on the rewrite: do not wait for it a second time
            fallback = [f"llm fallback: {rewrite.llm_failure}"] if rewrite.llm_failure else []
            answer = self._extract(question, answer_lang, retrieval, [*answering, *fallback])
        timing = (
            ("retrieve", _ms(started, retrieved_at)),
            ("answer", _ms(retrieved_at, time.perf_counter())),
            ("total", _ms(started, time.perf_counter())),
        )
        if not answer.declined and self.answerability.unsure(search_lang, decision.confidence):
            shown.append(TEXTS[answer.lang].unsure)  # the middle band: answered, but say it may not be the answer
        asks_about_documents = retrieval.query.question.asks_for("document_facts")  # its number, issuer, dates
        if not answer.declined and not asks_about_documents and (named := self._references(retrieval, by_name=True)):
            shown.append(self._references_line(named, answer.lang, TEXTS[answer.lang].not_held))
        yield Answer(
            asked,
            answer.lang,
            answer.text,
            answer.declined,
            answer.citations,
            retrieval.hits,
            (*shown, *answer.warnings),
            timing,
            answer.notes,
            decision.confidence,
            answer.decline_reason,
            answer.short_answer,
            answer.highlights,
        )

    def _decline(
        self, question: str, lang: str, retrieval: Retrieval, decision: Decision, notes: list[str], reason: str = ""
    ) -> Answer:
        texts = TEXTS[lang]
        contact = self.settings.service_contact_en if lang == "en" else self.settings.service_contact_zh
        why = "" if reason else decision.explain(lang)  # the LLM's "no answer" has no finer reason
        lines = [f"{why}{' ' if why and lang == 'en' else ''}{texts.decline.format(contact=contact)}"]
        references = self._references(retrieval)
        if references:
            lines.append(self._references_line(references, lang))
        related = [h for h in retrieval.hits[:3] if decision.confidence > 0]
        if related:
            lines.append(texts.related)
            lines += [f"- {citation_heading(self.index.documents[h.clause.doc_id], h.clause, lang)}" for h in related]
        drivers = decision.drivers(self.answerability)
        reason = reason or f"confidence {decision.confidence:.2f} < {decision.threshold:.2f} ({drivers})"
        notes = [*notes, f"declined: {reason}"]
        code = decision.reason or NOT_COVERED
        code = IN_ANOTHER_DOCUMENT if references and code == NOT_COVERED else code
        return Answer(question, lang, "\n".join(lines), True, notes=tuple(notes), decline_reason=code)

    def _references(self, retrieval: Retrieval, by_name: bool = False) -> tuple[Reference, ...]:
        """Documents the best clauses name, in a sentence about what was asked (by_name: the question itself names
        the document, 负面清单 / negative list), that the corpus does not hold."""
        concepts = [c for c in retrieval.query.concepts if c.weight > 0]

        def about_the_question(text: str) -> bool:
            return any(concept_match(c, normalise_query_text(text)) >= 1.0 for c in concepts)

        titles = [t for d in self.index.documents.values() for t in (d.title, d.short_title)]
        found = referenced_documents(retrieval.hits, self.index.full_text, titles, about_the_question)
        return tuple(r for r in found if about_the_question(r.name)) if by_name else found

    def _references_line(self, references: tuple[Reference, ...], lang: str, template: str = "") -> str:
        clauses = [self.index.first_part(c) for c in dict.fromkeys(r.clause_id for r in references)]
        sources = "、".join(citation_heading(self.index.documents[c.doc_id], c, lang) for c in clauses)
        template = template or TEXTS[lang].elsewhere
        if lang == "zh":
            return template.format(names="、".join(r.name for r in references), sources=sources)
        names = ", ".join(_with_english(r.name, self.glossary) for r in references)
        return template.format(names=names, sources=sources.replace("、", "; "))

    def _extract(self, question: str, lang: str, retrieval: Retrieval, notes: list[str]) -> Answer:
        clauses = [hit.clause for hit in retrieval.hits]
        titles = {doc_id: doc.title for doc_id, doc in self.index.documents.items()}
        extract = choose_sentences(retrieval, self.index.full_text, clauses, self.index.english_sentences, titles)
        citations = self._citations(extract.clause_ids, clauses, lang)
        text = compose(extract, citations, lang, self.glossary, self.index)
        numbers = {c.clause.clause_id: c.number for c in citations}
        query = replace(retrieval.query, question=replace(retrieval.query.question, lang=lang))  # answer's language
        short = short_answer(query, extract, numbers, self.index.full_text, self.index.english_sentences)
        answer = self._finish(
            retrieval.query.question, lang, f"{short.text}\n{text}" if short.text else text, citations, notes
        )
        return replace(answer, short_answer=short.text, highlights=short.highlights)

    def _generate(
        self, question: str, lang: str, retrieval: Retrieval, decision: Decision, notes: list[str], stream: bool
    ) -> Generator[str, None, Answer]:
        """The LLM's answer from the retrieved clauses, verified; the extractive answer when the LLM fails."""
        assert self.llm is not None
        today, budget = self.settings.today_date(), self.settings.llm_max_context_chars
        sources = clause_sources(retrieval.hits, self.index, lang, today, budget)
        draft = yield from write_answer(self.llm, question, lang, sources, stream)
        notes = [*notes, *draft.notes]
        if draft.failure:
            return self._extract(question, lang, retrieval, [*notes, f"llm fallback: {draft.failure}"])
        notes.append(f"llm: {self.llm.model}")
        if draft.no_answer:
            return self._decline(
                question, lang, retrieval, decision, notes, reason="the LLM found no answer in the clauses"
            )
        citations = self._citations(draft.clause_ids, [hit.clause for hit in retrieval.hits], lang)
        answer = self._finish(retrieval.query.question, lang, draft.text, citations, notes)
        return replace(answer, short_answer=draft.short)

    def _fact_docs(self, question: Question, citations: tuple[Citation, ...]) -> list[DocumentInfo]:
        """The documents the question names (X or Y: which came into force first?), then the cited ones."""
        ids = [d for d in self.index.documents if d in question.named_documents] + [c.doc.doc_id for c in citations]
        return [self.index.documents[d] for d in dict.fromkeys(ids) if d in self.index.documents][:MAX_FACT_DOCS]

    def _finish(
        self, question: Question, lang: str, text: str, citations: tuple[Citation, ...], notes: list[str]
    ) -> Answer:
        today = self.settings.today_date()
        if question.asks_for("document_facts"):  # "who issued it, what number": the catalogue answers directly
            text += "".join(
                f"\n{document_facts(doc, doc.status_on(today), lang)}" for doc in self._fact_docs(question, citations)
            )
        warnings = tuple(dict.fromkeys(w for c in citations if (w := status_warning(c.doc, c.status, lang, today))))
        return Answer(
            question.text,
            lang,
            text,
            False,
            citations,
            warnings=warnings,
            notes=tuple(notes),
        )

    def _citations(self, clause_ids: Sequence[str], clauses: list[Clause], lang: str) -> tuple[Citation, ...]:
        today = self.settings.today_date()
        by_id = {c.clause_id: c for c in clauses}
        out = []
        for number, clause_id in enumerate(clause_ids, start=1):
            clause = by_id[clause_id]
            doc = self.index.documents[clause.doc_id]
            text_en = " ".join(self.index.english_sentences(clause_id))
            out.append(Citation(number, clause, doc, doc.status_on(today), label_en(clause), text_en))
        return tuple(out)

    def clause_text(self, clause: Clause) -> str:
        return self.index.full_text(clause.clause_id)

    def hits_for(self, question: str, lang: str | None = None) -> tuple[Hit, ...]:
        return self.retriever.search(question, lang or detect_language(question)).hits


def compose(
    extract: Extract, citations: tuple[Citation, ...], lang: str, glossary: Glossary, index: ClauseIndex
) -> str:
    """1-4 sentences with [n] markers, in the question's language.

    English uses the clause's unofficial translation when there is one (amounts also in Chinese form);
    otherwise it quotes the Chinese and glosses each glossary term in brackets.
    """
    texts = TEXTS[lang]
    parts = []
    quoted_chinese = translated = False
    for i, (citation, sentences, where) in enumerate(zip(citations, extract.sentences, extract.positions, strict=True)):
        source = (
            f"{document_name(citation.doc, lang)}{citation.clause.label}"
            if lang == "zh"
            else f"{document_name(citation.doc, 'en')}, {citation.label_en}"
        )
        lead = (texts.according if i == 0 else texts.also).format(source=source)
        if lang == "zh":
            parts.append(f"{lead}[{citation.number}]：{''.join(sentences)}")
            continue
        english = index.english_sentences(citation.clause.clause_id)
        if english and where and all(p < len(english) for p in where):
            rendered = " ".join(with_chinese_amounts(english[p], zh) for p, zh in zip(where, sentences, strict=True))
            parts.append(f"{lead} [{citation.number}]: {rendered}")
            translated = True
        else:
            quote = gloss_inline("".join(sentences), glossary, index.lexical.tokenizer)
            parts.append(f"{lead} [{citation.number}], the Chinese text reads: “{quote}”")
            quoted_chinese = True
    if translated:
        parts.append(f"({UNOFFICIAL_NOTE['en']})")
    if quoted_chinese:
        parts.append(texts.untranslated)
    return "\n".join(parts)


def gloss_inline(chinese: str, glossary: Glossary, tokenizer: Tokenizer) -> str:
    """外商投资企业 -> 外商投资企业 (foreign-invested enterprise), for every glossary term, once each."""
    out, cursor, seen = [], 0, set()
    for term, _start, end in glossary.spans_in(chinese, tokenizer.boundaries(chinese)):
        if term.category not in STRICT_CATEGORIES:  # "support", "fund": glossing every word hides the text
            continue
        out.append(chinese[cursor:end])
        if term.zh not in seen:
            out.append(f" ({preferred_english(term.en)})")
            seen.add(term.zh)
        cursor = end
    out.append(chinese[cursor:])
    return "".join(out)


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000, 2)
