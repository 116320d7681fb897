"""The peer: the retrieval most LangChain policy bots ship, built with LangChain's own classes.

As in Langchain-Chatchat's defaults: recursive character splitting (750 characters, 150 overlap, Chinese
sentence separators as in its ChineseRecursiveTextSplitter), `BM25Retriever` over `jieba.lcut_for_search`
tokens, a FAISS vector store over the same sentence-transformers embedder policybot uses, and
`EnsembleRetriever` fusing the two at 0.5 / 0.5. Both retrievers return DEPTH chunks so MRR@10 can be read.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import jieba
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bench.quality import DEPTH
from index.dense import Embedder
from ingest import Corpus

with warnings.catch_warnings():  # langchain-community announces its sunset on import
    warnings.simplefilter("ignore", DeprecationWarning)
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS

jieba.setLogLevel(logging.WARNING)
CHUNK_SIZE, CHUNK_OVERLAP = 750, 150
# Langchain-Chatchat's ChineseRecursiveTextSplitter separators: paragraphs, lines, sentence ends, clauses.
SEPARATORS = ["\n\n", "\n", "。|！|？", r"\.\s|\!\s|\?\s", r"；|;\s", r"，|,\s"]
WEIGHTS = (0.5, 0.5)


class EmbedderEmbeddings(Embeddings):
    """LangChain's Embeddings interface over policybot's embedder, so both sides embed identically."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text], kind="query")[0].tolist()


@dataclass(frozen=True)
class PeerRecipe:
    chunks: tuple[LCDocument, ...]
    bm25: BaseRetriever
    ensemble: BaseRetriever | None  # None without an embedder: the BM25-only recipe


def split_corpus(corpus: Corpus) -> list[LCDocument]:
    """Every document's cleaned text, split the way the recipe splits it."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE,
        chunk_overlap=CHUNK_OVERLAP,
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
    )
    documents = [LCDocument(page_content=d.text, metadata={"doc_id": d.doc_id}) for d in corpus.documents]
    return splitter.split_documents(documents)


def build_bm25(chunks: Sequence[LCDocument]) -> BaseRetriever:
    return BM25Retriever.from_documents(chunks, preprocess_func=jieba.lcut_for_search, k=DEPTH)


def build_ensemble(bm25: BaseRetriever, chunks: Sequence[LCDocument], embedder: Embedder) -> BaseRetriever:
    store = FAISS.from_documents(list(chunks), EmbedderEmbeddings(embedder))
    dense = store.as_retriever(search_kwargs={"k": DEPTH})
    return EnsembleRetriever(retrievers=[bm25, dense], weights=list(WEIGHTS))


def ranked_texts(retriever: BaseRetriever, question: str) -> list[str]:
    """The recipe's ranked chunk texts for a question, best first."""
    return [d.page_content for d in retriever.invoke(question)][:DEPTH]
