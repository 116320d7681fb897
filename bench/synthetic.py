"""Synthetic corpora of any size, made by recombining the bundled corpus's real clause sentences.

The real clauses stay in (so the golden questions keep their answers); every synthetic clause copies a real
clause's shape (kind, headings, sentence count) and fills it with real sentences drawn at random, so token
statistics and lengths are realistic. Sentences that contain golden evidence are left out of the pool: only
the real clauses can be right answers, and quality at scale measures how well they survive distractors.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

from core.schema import Clause, Document, DocumentInfo
from eval.golden import GoldenQuestion, squash
from ingest import Corpus, split_sentences

CLAUSES_PER_DOCUMENT = 60  # about the size of a real park policy
SEED = 20240601


def sentence_pool(corpus: Corpus, golden: list[GoldenQuestion]) -> list[str]:
    """Every real sentence of a searchable clause, except those that would answer a golden question."""
    evidence = [squash(e) for q in golden for e in q.evidence]
    pool = []
    for clause in corpus.clauses:
        if not clause.searchable:
            continue
        for sentence in split_sentences(clause.text):
            flat = squash(sentence)
            if not any(e in flat or flat in e for e in evidence):
                pool.append(sentence)
    return pool


def synthetic_corpus(corpus: Corpus, golden: list[GoldenQuestion], size: int, seed: int = SEED) -> Corpus:
    """The real corpus plus synthetic clauses up to `size` searchable clauses in all (deterministic per seed)."""
    real = [c for c in corpus.clauses if c.searchable]
    extra = max(0, size - len(real))
    rng = random.Random(seed)
    pool = sentence_pool(corpus, golden)
    documents = list(corpus.documents)
    clauses = list(corpus.clauses)
    for start in range(0, extra, CLAUSES_PER_DOCUMENT):
        count = min(CLAUSES_PER_DOCUMENT, extra - start)
        document, made = _synthetic_document(start // CLAUSES_PER_DOCUMENT, count, real, pool, rng)
        documents.append(document)
        clauses.extend(made)
    return Corpus(tuple(documents), tuple(clauses))


def _synthetic_document(
    number: int, count: int, templates: list[Clause], pool: list[str], rng: random.Random
) -> tuple[Document, list[Clause]]:
    doc_id = f"syn-{number:05d}"
    made, offset = [], 0
    for i in range(count):
        template = rng.choice(templates)
        n = max(1, len(split_sentences(template.text)))
        text = "".join(rng.choice(pool) for _ in range(n))
        made.append(
            replace(
                template,
                doc_id=doc_id,
                clause_id=f"{doc_id}#{i + 1}",
                text=text,
                start=offset,
                end=offset + len(text),
                part=1,
                parts=1,
                notes=(),
            )
        )
        offset += len(text) + 1
    full_text = "\n".join(c.text for c in made)
    title = f"合成文档{number:05d}"  # a title no question asks about, so it neither helps nor hurts retrieval
    info = DocumentInfo(doc_id=doc_id, title=title, source_file=f"synthetic/{doc_id}.txt", short_title=title)
    digest = hashlib.sha256(full_text.encode()).hexdigest()[:16]
    return Document(info=info, text=full_text, content_hash=digest), made
