"""Hybrid clause retrieval: BM25 (with glossary expansion) + dense, fused by RRF; plus evidence coverage."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np
from wordfreq import zipf_frequency

from bot.documents import DocumentNames
from bot.fusion import RRF_K, reciprocal_rank_fusion
from bot.intent import ASKS_METADATA, DEFINES, QUANTITY_ASKS_BY_NAME, intent_terms
from bot.question import parse_question
from bot.ranker import CANDIDATE_FEATURES, RERANK_DEPTH, Candidate, LinearRanker
from bot.weights import WEIGHTS as W
from core.config import Settings
from core.schema import Ask, Clause, Hit, Question
from index import ClauseIndex, Glossary, SubstringCounter, top_k
from index.glossary import english_key
from index.questions import ClauseQuestion, load_unanswerable
from index.reranker import CrossEncoderReranker
from index.store import lexical_text
from index.thesaurus import THESAURUS_FILE, Thesaurus
from index.tokenize import STOPWORDS_EN, STOPWORDS_ZH, normalise_query_text

# Colloquial verbs that carry no topic ("做脑机接口的能拿多少钱" is about 脑机接口 and money).
_COLLOQUIAL = frozenset(
    "做 搞 弄 拿 领 申请 享受 办 找 去 来 给 能 想 要 有 没 多久 多长 时间 哪里 谁 多大 怎么办 可不可以 行不行 "
    "多少钱 多长时间 什么时候 啥时候 时候 哪天 哪年 一般 大概 大约 具体 到底 能不能 是不是 有没有 不能 开始 现在".split()
)
_DOCUMENT_WORDS = frozenset(
    "文件 文号 日期 机关 单位 部门 版本 原文 全文 document number date issue first came come force version".split()
)
FRAME_KINDS = frozenset({"notice", "preamble", "closing", "signature"})
RETIRED_STATUSES = frozenset({"superseded", "repealed"})
_PROPER_NAME_TAGS = frozenset({"ns", "nr", "nt", "nz", "nrt", "nrfg"})
_FUNCTION_TAGS = frozenset("mtrdpucqyefzl")  # numerals, time, pronouns, adverbs, particles, measure words...
# 给不给 / 批不批 / 谁发 / 啥样: the asking, not the topic
_INTERROGATIVE = re.compile(r"^(.{1,2})不\1$|[谁啥咋哪吗呢]")
COVERAGE_HITS = 3  # the evidence: how well the clauses an answer is drawn from cover the question
QUANTITY_HITS = 5  # where a figure the question asks for is looked for
AGREEMENT_DEPTH = 5  # a retriever agrees with the first hit when it ranks it this high


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about; covered when any alternative occurs in a clause."""

    name: str
    weight: float
    alternatives: tuple[str, ...]
    english: str = ""  # English questions: the stemmed words, looked for in a clause's translation


@dataclass(frozen=True)
class Query:
    """The question as searched: weighted token groups for BM25, the concepts an answer must cover."""

    question: Question
    groups: tuple[tuple[tuple[str, ...], float], ...]
    concepts: tuple[Concept, ...]
    expansions: tuple[str, ...]  # Chinese terms reached through the glossary (shown to staff)

    @property
    def text(self) -> str:
        return self.question.text

    @property
    def lang(self) -> str:
        return self.question.lang


@dataclass(frozen=True)
class Signals:
    """What the retrieval says about whether the corpus answers the question (read by the answerability model)."""

    asked_overlap: float = 0.0  # best share (by IDF) of the question's words in one question people ask of a top clause
    unanswerable_overlap: float = 0.0  # the same share in the nearest question the corpus does not answer
    agreement: float = 0.0  # share of the retrievers that rank the first hit in their own top 5
    absent_share: float = 0.0  # weight share of the question's concepts that the corpus never mentions
    unknown_places: tuple[str, ...] = ()  # places named that the corpus never mentions (深圳, Shenzhen)


@dataclass(frozen=True)
class CandidatePool:
    """What the retrievers found for one question, before the re-ranker orders it."""

    query: Query
    rankings: dict[str, list[str]]  # retriever name -> clause ids, best first
    best_part: dict[str, Clause]  # the best-matching part of each long clause
    fused: list[tuple[str, float]]  # reciprocal-rank fusion of the rankings
    items: tuple[Candidate, ...]  # the first RERANK_DEPTH fused clauses, described for the re-ranker


@dataclass(frozen=True)
class Retrieval:
    query: Query
    hits: tuple[Hit, ...]
    coverage: float  # share of the question's concepts found in the best clause, 0..1
    notes: tuple[str, ...] = ()
    hit_coverage: tuple[float, ...] = ()  # the same share for each of the first hits
    signals: Signals = Signals()


class Retriever:
    def __init__(
        self,
        index: ClauseIndex,
        glossary: Glossary,
        settings: Settings,
        ranker: LinearRanker | None = None,
        unanswerable: tuple[ClauseQuestion, ...] | None = None,
        reranker: CrossEncoderReranker | None = None,
    ) -> None:
        self.index = index
        self.glossary = glossary
        self.settings = settings
        self._haystack: dict[str, str] = {}
        for clause in index.clauses:  # parts of one clause are searched together
            doc = index.documents.get(clause.doc_id)
            if clause.clause_id not in self._haystack and doc:  # a clause speaks for its document's full title
                self._haystack[clause.clause_id] = normalise_query_text(doc.title) + "\n"
            text = normalise_query_text(lexical_text(clause, doc))
            self._haystack[clause.clause_id] = self._haystack.get(clause.clause_id, "") + text
        self.clause_ids = tuple(self._haystack)
        frame = [c.kind in FRAME_KINDS for c in index.clauses]
        self._content_prior = np.array([W.frame_content if f else 1.0 for f in frame], dtype=np.float32)
        self._metadata_prior = np.array([W.frame_metadata if f else 1.0 for f in frame], dtype=np.float32)
        self._df_cache: dict[str, int] = {}
        self._english_cache: dict[str, str] = {}
        # Counting by scanning every clause cost ~20 ms per new word at 100k clauses (bench/results.json).
        self._substrings = SubstringCounter(self._haystack.values())
        self.document_names = DocumentNames(index.documents, glossary)
        self._clause_docs = np.array([c.doc_id for c in index.clauses])
        self._headings = {_parent(c): c.headings[-1] for c in index.clauses if _parent(c)}  # a list's own heading
        # A superseded or repealed version is searched only by a question about history (beside its replacement
        # it was cited with the old figures).
        self.retired_docs = frozenset(d for d, info in index.documents.items() if info.status in RETIRED_STATUSES)
        self._current_only = np.where(np.isin(self._clause_docs, list(self.retired_docs)), 0.0, 1.0).astype(np.float32)
        self.thesaurus = Thesaurus.load(settings.data_dir / THESAURUS_FILE)
        # Row i of the questions index asks about the clause at position _question_clause[i].
        self._question_clause = np.array(
            [index.first_position(q.clause_id) for q in index.question_rows], dtype=np.int64
        )
        self._asked = _asked_haystacks(index)
        self.ranker = ranker or LinearRanker.load()
        self.reranker = reranker  # a cross-encoder, when the deployment has one: it orders the first candidates
        examples = load_unanswerable(settings.data_dir) if unanswerable is None else unanswerable
        self._unanswerable = [set(index.lexical.tokenizer.tokens(q.question)) for q in examples]
        self._asked_words: dict[str, list[set[str]]] = {}
        if index.questions is not None:
            for row in index.question_rows:
                words = set(index.questions.tokenizer.tokens(row.question))
                self._asked_words.setdefault(row.clause_id, []).append(words)

    def document_frequency(self, word: str) -> int:
        """In how many clauses a word occurs (as a substring: segmentation does not hide it)."""
        if word not in self._df_cache:
            if len(self._df_cache) > 50_000:
                self._df_cache.clear()
            self._df_cache[word] = self._substrings.count(word)
        return self._df_cache[word]

    def parse(self, text: str, lang: str) -> Question:
        """The question parsed once; every later stage reads it."""
        return parse_question(text, lang, self.document_names, self.index.lexical.tokenizer)

    def search(self, text: str, lang: str, k: int | None = None) -> Retrieval:
        """Parse and retrieve: for callers that hold only the text."""
        return self.retrieve(self.parse(text, lang), k)

    def build_query(self, question: Question) -> Query:
        """Search words and concepts; inside a named document only the rest of the question ranks."""
        build = _english_query if question.lang == "en" else _chinese_query
        query = build(self, question, question.text)
        if question.ranking_text != question.text:  # the name still counts for the evidence
            query = replace(query, groups=build(self, question, question.ranking_text).groups)
        return query

    def retrieve(self, question: Question, k: int | None = None) -> Retrieval:
        """Candidates from every retriever -> RRF -> the learned re-ranker -> hits, coverage and signals."""
        k = k or self.settings.top_k
        pool = self.candidates(question)
        ranked = self.ranker.rank(list(pool.items))
        if self.reranker is not None:
            ranked = self._cross_encode(question, ranked)
        floor = min((score for _, score in ranked), default=0.0)
        ranked += [(cid, floor - 1 - i) for i, (cid, _) in enumerate(pool.fused[RERANK_DEPTH:])]
        coverage = {c.clause_id: c.named()["coverage"] for c in pool.items}
        hits = []
        for clause_id, score in ranked[:k]:
            ranks = tuple(
                (name, ranking.index(clause_id) + 1) for name, ranking in pool.rankings.items() if clause_id in ranking
            )
            clause = pool.best_part.get(clause_id) or self.index.first_part(clause_id)
            hits.append(Hit(clause, float(score), "ranked", ranks))
        first = hits[: max(COVERAGE_HITS, QUANTITY_HITS)]
        shares = tuple(
            coverage.get(h.clause.clause_id) or self.coverage_of(pool.query, h.clause.clause_id) for h in first
        )
        signals = self._signals(question, pool.query, hits, pool.rankings)
        return Retrieval(pool.query, tuple(hits), max(shares[:COVERAGE_HITS], default=0.0), (), shares, signals)

    def _cross_encode(self, question: Question, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """The cross-encoder's order of the re-ranked candidates (it reads question and clause together); the
        linear score only breaks its ties."""
        assert self.reranker is not None
        scores = self.reranker.scores(question.text, [self.index.full_text(cid) for cid, _ in ranked])
        order = sorted(range(len(ranked)), key=lambda i: (-scores[i], -ranked[i][1]))
        return [(ranked[i][0], float(scores[i])) for i in order]

    def candidates(self, question: Question) -> CandidatePool:
        """Every retriever's ranking, their fusion, and the first RERANK_DEPTH fused clauses described for the
        re-ranker."""
        query = self.build_query(question)
        rankings, best_part = self._rankings(question, query, self._prior(question))
        fused = reciprocal_rank_fusion(rankings)
        head = fused[:RERANK_DEPTH]
        parents = [_parent(self.index.first_part(cid)) for cid, _ in head]
        listed = {p for p in parents if p and parents.count(p) > 1 and self._names_heading(query, p)}
        listed = listed if question.asks_for("list") else set()
        items = tuple(
            self._candidate(question, query, cid, score, rankings, parent in listed)
            for (cid, score), parent in zip(head, parents, strict=True)
        )
        return CandidatePool(query, rankings, best_part, fused, items)

    def _rankings(
        self, question: Question, query: Query, prior: np.ndarray
    ) -> tuple[dict[str, list[str]], dict[str, Clause]]:
        """Each retriever's ranked clause ids; and the best-matching part of each long clause."""
        rankings: dict[str, list[str]] = {}
        depth = self.settings.candidates
        groups = [(list(t), w) for t, w in query.groups]
        lexical = top_k(self.index.lexical.scores(groups) * prior, depth)
        rankings["bm25"] = _dedupe([self.index.clauses[i] for i, _ in lexical])
        if question.lang == "en" and self.index.english is not None:
            tokens = self.index.english.tokenizer.tokens(question.ranking_text)
            ranked = top_k(self.index.english.scores([(tokens, 1.0)]) * prior, self.settings.candidates)
            rankings["bm25_en"] = self._impute_untranslated(
                _dedupe([self.index.clauses[i] for i, _ in ranked]), rankings["bm25"]
            )
        if self.index.questions is not None:
            rankings["questions"] = self._question_ranking(question.ranking_text, prior)
        if self.index.expanded is not None:
            expanded = top_k(self.index.expanded.scores(groups) * prior, depth)
            rankings["expanded"] = _dedupe([self.index.clauses[i] for i, _ in expanded])
        if self.index.dense is not None and self.index.embedder is not None:
            vector = self.index.embedder.embed([question.text], kind="query")[0]
            dense = [i for i, _ in self.index.dense.search(vector, depth) if prior[i] > 0]
            rankings["dense"] = _dedupe([self.index.clauses[i] for i in dense])  # the prior's exclusions hold here too
        return rankings, self._best_parts(lexical)

    def _candidate(
        self,
        question: Question,
        query: Query,
        clause_id: str,
        fused: float,
        rankings: dict[str, list[str]],
        list_item: bool,
    ) -> Candidate:
        """What the re-ranker reads about one candidate clause (CANDIDATE_FEATURES, in order)."""
        text = self.index.full_text(clause_id)
        clause = self.index.first_part(clause_id)
        asked = [QUANTITY_ASKS_BY_NAME[name] for name in question.quantities]
        frame = clause.kind in FRAME_KINDS
        values = {
            "fused": fused * (RRF_K + 1) / max(1, len(rankings)),
            "coverage": self.coverage_of(query, clause_id),
            "states_figure": float(any(a.stated_in(question.text, text) for a in asked)),
            "defines": float(question.asks_for("definition") and bool(DEFINES.search(text))),
            "frame": (1.0 if question.asks_for("document_facts") else -1.0) if frame else 0.0,
            "named_document": float(clause.doc_id in question.named_documents),
            "list_item": float(list_item),
        }
        return Candidate(clause_id, tuple(values[name] for name in CANDIDATE_FEATURES))

    def _names_heading(self, query: Query, parent: str) -> bool:
        """Whether the question names the heading a list's items sit under (二、（二）3个优势产业)."""
        heading = normalise_query_text(self._headings.get(parent, ""))
        return any(concept_match(c, heading) >= 1.0 for c in query.concepts if c.weight > 0)

    def _question_ranking(self, text: str, prior: np.ndarray) -> list[str]:
        """Clauses ranked by their best-matching question (what people would ask of them)."""
        questions = self.index.questions
        scores = questions.scores([(questions.tokenizer.tokens(text), 1.0)])
        per_clause = np.zeros(len(self.index.clauses), dtype=np.float32)
        np.maximum.at(per_clause, self._question_clause, scores)
        return _dedupe([self.index.clauses[i] for i, _ in top_k(per_clause * prior, self.settings.candidates)])

    def _signals(self, question: Question, query: Query, hits: list[Hit], rankings: dict[str, list[str]]) -> Signals:
        if not hits:
            return Signals(absent_share=1.0)
        top = hits[0].clause.clause_id
        agreement = sum(top in ranking[:AGREEMENT_DEPTH] for ranking in rankings.values()) / len(rankings)
        total = sum(c.weight for c in query.concepts) or 1.0
        absent = sum(c.weight for c in query.concepts if not self._mentioned(c)) / total
        overlap = self._asked_overlap(question.ranking_text, [h.clause.clause_id for h in hits[:COVERAGE_HITS]])
        near_miss = self._overlap(question.text, self._unanswerable)
        return Signals(overlap, near_miss, agreement, absent, self._unknown_places(question))

    def _mentioned(self, concept: Concept) -> bool:
        """Whether the corpus (its text, translations or the questions people ask of it) mentions a concept."""
        if any(self.document_frequency(alt) for alt in concept.alternatives if alt):
            return True
        english = self.index.english
        stems = concept.english.split()
        return bool(stems) and english is not None and all(english.known(stem) for stem in stems)

    def _asked_overlap(self, question: str, clause_ids: list[str]) -> float:
        """How much of the question (IDF-weighted words) one question people ask of these clauses says too."""
        return self._overlap(question, [words for cid in clause_ids for words in self._asked_words.get(cid, ())])

    def _overlap(self, question: str, others: list[set[str]]) -> float:
        """The largest IDF-weighted share of the question's words that one of the other questions contains."""
        lexical = self.index.lexical
        words = set(lexical.tokenizer.tokens(question))
        total = sum(lexical.idf(w) for w in words)
        if not total or not others:
            return 0.0
        return max(sum(lexical.idf(w) for w in words & other) for other in others) / total

    def _unknown_places(self, question: Question) -> tuple[str, ...]:
        """Places the question names that no clause mentions: the question is probably about somewhere else."""
        if question.lang == "en":
            return tuple(p for p in question.places if not self._known_english(p))
        return tuple(p for p in question.places if not self.document_frequency(p))

    def _known_english(self, word: str) -> bool:
        english = self.index.english
        return english is not None and all(english.known(s) for s in english.tokenizer.tokens(word))

    def _impute_untranslated(self, english: list[str], chinese: list[str]) -> list[str]:
        """The English ranking cannot see untranslated clauses: give them their Chinese rank there too.

        Otherwise fusion would push every law without a translation below the translated documents.
        """
        untranslated = [(rank, cid) for rank, cid in enumerate(chinese) if cid not in self.index.translations]
        merged = sorted([(rank, 0, cid) for rank, cid in enumerate(english)] + [(r, 1, c) for r, c in untranslated])
        return list(dict.fromkeys(cid for _, _, cid in merged))

    def _prior(self, question: Question) -> np.ndarray:
        """Clause weights before ranking: frame clauses by question type, and the documents the question names."""
        prior = self._metadata_prior if question.asks_for("document_facts") else self._content_prior
        if question.named_documents:
            named = list(question.named_documents)
            prior = prior * np.where(np.isin(self._clause_docs, named), W.named_document, 1.0)
        if self.retired_docs and not question.asks_for("history"):
            prior = prior * self._current_only
        return prior

    def clause_coverage(self, query: Query, hit: Hit) -> float:
        """The share (by weight) of the question's concepts that this clause contains."""
        return self.coverage_of(query, hit.clause.clause_id)

    def coverage_of(self, query: Query, clause_id: str) -> float:
        total = sum(c.weight for c in query.concepts)
        if total <= 0:
            return 0.0
        text = self._clause_haystack(clause_id)
        english = self._english_stems(clause_id) if query.lang == "en" else ""
        asked = self._asked.get(clause_id, "")
        return sum(c.weight * concept_match(c, text, english, asked) for c in query.concepts) / total

    def _english_stems(self, clause_id: str) -> str:
        """The stemmed words of a clause's English translation (and its document's English title), padded."""
        if clause_id not in self._english_cache:
            if len(self._english_cache) > 50_000:
                self._english_cache.clear()
            sentences = self.index.translations.get(clause_id, ())
            doc = self.index.documents.get(clause_id.split("#")[0])
            title = doc.title_en if doc and sentences else ""
            self._english_cache[clause_id] = f" {' '.join(english_key(title + ' ' + ' '.join(sentences)))} "
        return self._english_cache[clause_id]

    def _clause_haystack(self, clause_id: str) -> str:
        return self._haystack.get(clause_id, "")

    def _best_parts(self, lexical: list[tuple[int, float]]) -> dict[str, Clause]:
        best: dict[str, Clause] = {}
        for i, _ in lexical:
            best.setdefault(self.index.clauses[i].clause_id, self.index.clauses[i])
        return best


def _asked_haystacks(index: ClauseIndex) -> dict[str, str]:
    """clause_id -> its questions as concepts are matched: Chinese normalised, English as padded stems."""
    parts: dict[str, list[str]] = {}
    for row in index.question_rows:
        text = normalise_query_text(row.question) if row.lang == "zh" else " ".join(english_key(row.question))
        parts.setdefault(row.clause_id, []).append(text)
    return {cid: f" {' | '.join(texts)} " for cid, texts in parts.items()}


def _concept(name: str, weight: float, alternatives: tuple[str, ...], stems: tuple[str, ...] = ()) -> Concept:
    """Alternatives are written the way clause haystacks are (half-width, lower case): 'AI' must find 'ai'."""
    english = f" {' '.join(stems)} " if stems else ""
    return Concept(name, weight, tuple(dict.fromkeys(normalise_query_text(a) for a in alternatives)), english)


def concept_match(concept: Concept, text: str, english_stems: str = "", asked: str = "") -> float:
    """1 when an alternative occurs (or the concept's stems in the clause's translation, or in the questions
    people would ask of it); for longer Chinese words, the share of their character pairs that do."""
    if any(alt in text for alt in concept.alternatives):
        return 1.0
    if concept.english and english_stems and concept.english in english_stems:
        return W.translation_credit
    if asked and (any(alt in asked for alt in concept.alternatives) or concept.english and concept.english in asked):
        return W.question_credit
    word = concept.name
    if len(word) < 3 or not re.fullmatch(r"[\u3400-\u9fff]+", word):
        return 0.0
    pairs = [word[i : i + 2] for i in range(len(word) - 1)]
    return W.bigram_credit * sum(p in text for p in pairs) / len(pairs)


def part_concepts(query: Query, part: Ask) -> tuple[Concept, ...]:
    """The question's concepts a sub-question names (all of them for a one-part question)."""
    text = normalise_query_text(part.text)
    stems = f" {' '.join(english_key(part.text))} "  # English concepts are named by their stems (life scienc park)
    named = tuple(
        c
        for c in query.concepts
        if c.name.lower() in text or any(a in text for a in c.alternatives) or (c.english and c.english in stems)
    )
    return named or query.concepts


def _parent(clause: Clause) -> str:
    """The numbered heading a clause sits under (cp-meddevice-plan#二.(二) for …#二.(二).1), if it has one."""
    head, dot, _ = clause.clause_id.partition("#")[2].rpartition(".")
    return f"{clause.doc_id}#{head}" if dot and clause.headings else ""


def _dedupe(clauses: list[Clause]) -> list[str]:
    return list(dict.fromkeys(c.clause_id for c in clauses))


def _chinese_query(retriever: Retriever, parsed: Question, question: str) -> Query:
    tokenizer = retriever.index.lexical.tokenizer
    tokens = tuple(t for t in tokenizer.tokens(question) if t not in _COLLOQUIAL)
    groups: list[tuple[tuple[str, ...], float]] = [(tokens, 1.0)]
    if asked := intent_terms(question):
        groups.append((tuple(asked), W.intent))
    expansions: list[str] = []
    concepts: list[Concept] = []
    terms = retriever.glossary.match_chinese(question)
    for term in terms:  # a colloquial variant also searches for the canonical term
        if term.zh not in question:
            groups.append((tuple(tokenizer.tokens(term.zh)), W.expansion))
            expansions.append(term.zh)
    people_words = retriever.thesaurus.match_chinese(question)
    for match in people_words:  # 人遗 also searches 人类遗传资源, at how surely it means that
        groups.append((tuple(tokenizer.tokens(match.concept.term)), W.expansion * match.concept.weight))
        expansions.append(match.concept.term)
    asks_metadata = parsed.asks_for("document_facts")
    for word, tag in _content_words(retriever, question):
        variants = [t for t in terms if word in (t.zh, *t.zh_variants) or word in t.zh]
        meant = [m.concept.term for m in people_words if word in m.variant or m.variant in word]
        alternatives = (word, *(t.zh for t in variants), *meant)
        weight = _concept_weight(retriever, word, tag) * _metadata_factor(asks_metadata, word)
        concepts.append(_concept(word, weight, alternatives))
    for token in re.findall(r"[A-Za-z]{2,}", question):  # CDMO, CRO, AI inside a Chinese question
        if token.lower() not in STOPWORDS_EN:
            concepts.append(Concept(token, 1.0, (token.lower(),)))
    return Query(parsed, tuple(groups), tuple(concepts), tuple(expansions))


def _content_words(retriever: Retriever, question: str) -> list[tuple[str, str]]:
    words: dict[str, str] = {}
    for word, tag in _merge_single_characters(retriever.index.lexical.tokenizer.tagged_words(question)):
        if not re.fullmatch(r"[\u3400-\u9fff]+", word) or word in STOPWORDS_ZH or word in _COLLOQUIAL:
            continue
        words.setdefault(word, tag)
    return list(words.items())


def _merge_single_characters(tagged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Runs of lone characters outside the dictionary (摇 号) are one unknown word (摇号), not noise."""
    out: list[tuple[str, str]] = []
    run: list[str] = []
    for word, tag in [*tagged, ("", "x")]:
        lone = len(word) == 1 and "\u3400" <= word <= "\u9fff" and word not in STOPWORDS_ZH and tag[:1] not in "pucy"
        if lone:
            run.append(word)
            continue
        if len(run) > 1:
            out.append(("".join(run), "nz"))
        elif run:
            out.append((run[0], "x"))
        run = []
        if word:
            out.append((word, tag))
    return out


def _concept_weight(retriever: Retriever, word: str, tag: str = "n") -> float:
    """Specific words weigh more: rare in the corpus, or (when absent from it) rare in general Chinese.

    Numerals, time words, pronouns and particles say little about the topic; a proper name the corpus never
    mentions (深圳, 百济) says the question is about something else.
    """
    df = retriever.document_frequency(word)
    size = len(retriever.clause_ids)
    if df:
        weight = math.log(1 + (size - df + 0.5) / (df + 0.5))
    elif tag in _PROPER_NAME_TAGS:
        weight = math.log(1 + size)
    else:
        weight = math.log(1 + size) * _general_specificity(retriever, word)
    if tag[:1] in _FUNCTION_TAGS or _INTERROGATIVE.search(word):
        weight *= W.function_word
    return weight * (W.single_character if len(word) == 1 else 1.0)


def _general_specificity(retriever: Retriever, word: str) -> float:
    """0.1 for everyday words (打算, 孩子) .. 1.0 for rare or unknown ones (摇号, 个人所得税)."""
    tokenizer = retriever.index.lexical.tokenizer
    freq = tokenizer.general_frequency(word)
    if not freq:
        return 1.0
    surprise = math.log(tokenizer.general_total / freq)
    return min(1.0, max(0.1, (surprise - W.general_common) / (W.general_rare - W.general_common)))


def _term_weight(retriever: Retriever, zh: str) -> float:
    """How specific a Chinese term is: the mean IDF of its tokens."""
    tokens = retriever.index.lexical.tokenizer.tokens(zh) or [zh]
    return sum(_concept_weight(retriever, t) for t in tokens) / len(tokens)


def _metadata_factor(asks_metadata: bool, word: str) -> float:
    """In a question about a document itself, its number / dates / status words are answered by the catalogue
    facts, so only the words naming the document must be found in a clause."""
    if asks_metadata and (ASKS_METADATA.search(word) or word in _DOCUMENT_WORDS):
        return W.document_fact_word
    return 1.0


def _in_english_corpus(retriever: Retriever, word: str) -> bool:
    """Whether the translations use the word; one they never use (restaurant, wage) points outside the corpus."""
    english = retriever.index.english
    return english is not None and all(english.known(stem) for stem in english.tokenizer.tokens(word))


def _english_specificity(word: str, question: str) -> float:
    """0.1 for everyday English (like, must, work) .. 1.0 for rare words and names written capitalised."""
    if re.search(rf"(?<![.?!]\s)(?<!^)\b{re.escape(word)}\b", question, re.I) and re.search(
        rf"\b{re.escape(word.capitalize())}\b", question
    ):
        return 1.0  # Shanghai, Zhangjiang: a name the question is about
    zipf = zipf_frequency(word, "en")
    share = (W.english_common_zipf - zipf) / (W.english_common_zipf - W.english_rare_zipf)
    return min(1.0, max(0.1, share))


def _only_grammar(phrase: str, spelled: dict[str, str]) -> bool:
    """A glossary match made of stop words ("under", "up to" -> 以下) is the question's grammar, not its topic."""
    return all(spelled.get(stem, stem).lower() in STOPWORDS_EN for stem in phrase.split())


def _everyday_word(phrase: str, spelled: dict[str, str], question: str) -> float:
    """A glossary match on one everyday word ("take" -> 征收, "help" -> 支持) may be another sense of it: it
    weighs by its English specificity. Phrases ("clinical trial") and rarer words keep full weight."""
    words = phrase.split()
    word = spelled.get(words[0], words[0])
    if len(words) > 1 or zipf_frequency(word, "en") < W.everyday_zipf:
        return 1.0
    return _english_specificity(word, question)


def _english_query(retriever: Retriever, parsed: Question, question: str) -> Query:
    tokenizer = retriever.index.lexical.tokenizer
    groups: list[tuple[tuple[str, ...], float]] = [(tuple(tokenizer.tokens(question)), 1.0)]
    if asked := intent_terms(question):
        groups.append((tuple(asked), W.intent))
    concepts: list[Concept] = []
    expansions: list[str] = []
    matched_words: set[str] = set()
    asks_metadata = parsed.asks_for("document_facts")
    by_phrase: dict[str, list] = {}
    spelled = {english_key(w)[0]: w for w in re.findall(r"[A-Za-z]+", question) if english_key(w)}
    for phrase, term in retriever.glossary.match_english(question):
        if term not in by_phrase.setdefault(phrase, []):
            by_phrase[phrase].append(term)
    for match in retriever.thesaurus.match_english(question):  # WFOE, "send profits home": the law's own term
        matched_words.update(match.variant.split())
        groups.append((tuple(tokenizer.tokens(match.concept.term)), match.concept.weight))
        expansions.append(match.concept.term)
        weight = match.concept.weight * _term_weight(retriever, match.concept.term)
        alternatives = (match.concept.term, *match.concept.zh_variants)
        concepts.append(_concept(match.variant, weight, alternatives, tuple(match.variant.split())))
    for phrase, terms in by_phrase.items():
        if set(phrase.split()) <= matched_words:
            continue  # the thesaurus already read these words
        matched_words.update(phrase.split())
        if _only_grammar(phrase, spelled):
            continue
        everyday = _everyday_word(phrase, spelled, question)
        weight = everyday / math.sqrt(len(terms))
        for term in terms:
            groups.append((tuple(tokenizer.tokens(term.zh)), weight))
            expansions.append(term.zh)
        alternatives = tuple(dict.fromkeys(a for t in terms for a in (t.zh, *t.zh_variants, t.en.lower())))
        weight = everyday * max(_term_weight(retriever, t.zh) for t in terms)
        concepts.append(
            _concept(phrase, weight * _metadata_factor(asks_metadata, phrase), alternatives, tuple(phrase.split()))
        )
    for word in re.findall(r"[a-z0-9]+", normalise_query_text(question).replace("r&d", "rnd")):
        if word in STOPWORDS_EN or len(word) < 3 or english_key(word) and english_key(word)[0] in matched_words:
            continue
        weight = W.unknown_english * math.log(1 + retriever.index.lexical.size)
        if _in_english_corpus(retriever, word):  # a word the translations use but we cannot check: by specificity
            weight *= _english_specificity(word, question)
        weight *= _metadata_factor(asks_metadata, word)
        concepts.append(_concept(word, weight, (word,), english_key(word)))
    return Query(parsed, tuple(groups), tuple(concepts), tuple(dict.fromkeys(expansions)))
