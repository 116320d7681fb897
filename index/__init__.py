"""index: clauses -> lexical (jieba + BM25) and dense (sentence-transformers + FAISS) indexes on disk."""

from index.dense import DenseIndex, Embedder, SentenceTransformerEmbedder
from index.glossary import GLOSSARY_FILE, Glossary, Term
from index.lexical import LexicalIndex, SubstringCounter, top_k
from index.questions import questions_file
from index.store import ClauseIndex, build_index, load_embedder, load_index, open_index, rebuild, rollback, update_lock
from index.tokenize import Tokenizer

__all__ = [
    "GLOSSARY_FILE",
    "ClauseIndex",
    "DenseIndex",
    "Embedder",
    "Glossary",
    "LexicalIndex",
    "SentenceTransformerEmbedder",
    "SubstringCounter",
    "Term",
    "Tokenizer",
    "build_index",
    "load_embedder",
    "load_index",
    "open_index",
    "questions_file",
    "rebuild",
    "rollback",
    "top_k",
    "update_lock",
]
