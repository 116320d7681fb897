"""ingest: files -> cleaned documents -> clause trees."""

from ingest.catalog import detect_info, load_catalog
from ingest.clauses import parse_clauses
from ingest.cleaning import clean_text
from ingest.corpus import Corpus, document_files, load_corpus, load_document
from ingest.loaders import SUPPORTED_SUFFIXES, load_text
from ingest.sentences import split_sentences

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Corpus",
    "clean_text",
    "detect_info",
    "document_files",
    "load_catalog",
    "load_corpus",
    "load_document",
    "load_text",
    "parse_clauses",
    "split_sentences",
]
