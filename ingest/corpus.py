"""Load a data folder into documents and clauses; bad files are reported, never silently dropped."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from core.errors import IngestError
from core.schema import Clause, Document, DocumentInfo, Footnote
from ingest.catalog import detect_info, load_catalog, unpublished_files
from ingest.clauses import parse_clauses
from ingest.cleaning import clean_text
from ingest.loaders import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, load_text

IGNORED_NAMES = {"SOURCES.md", "README.md", "catalog.yaml", "glossary.tsv", "thesaurus.tsv"}
IGNORED_DIRS = {"translations", "questions", "training", "uploads", ".git"}


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    clauses: tuple[Clause, ...]
    errors: tuple[IngestError, ...] = ()
    # Documents whose catalogue entry says `published: false`: still here (the console lists and edits them),
    # but `published()` leaves them out, and the index is built from that (index/store.py).
    unpublished: frozenset[str] = frozenset()

    def published(self) -> Corpus:
        """The corpus without its unpublished documents and their clauses: what retrieval and citations see."""
        if not self.unpublished:
            return self
        documents = tuple(d for d in self.documents if d.doc_id not in self.unpublished)
        clauses = tuple(c for c in self.clauses if c.doc_id not in self.unpublished)
        return Corpus(documents, clauses, self.errors, self.unpublished)

    def document(self, doc_id: str) -> Document:
        for document in self.documents:
            if document.doc_id == doc_id:
                return document
        raise KeyError(doc_id)

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return [c for c in self.clauses if c.doc_id == doc_id]

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for document in self.documents:
            digest.update(document.content_hash.encode())
            digest.update(repr(document.info).encode())
        return digest.hexdigest()[:16]


def document_files(data_dir: Path) -> list[Path]:
    """Every document file under data_dir, in a stable order."""
    files = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if not path.is_file() or path.name in IGNORED_NAMES or path.name.startswith("."):
            continue
        if any(part in IGNORED_DIRS for part in rel.parts[:-1]):
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
    return files


def load_document(
    path: Path, data_dir: Path | None = None, info: DocumentInfo | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """One file -> a cleaned Document; catalogue facts win over those detected in the text."""
    raw = load_text(path, max_bytes=max_bytes)
    cleaned = clean_text(raw)
    if not cleaned.text.strip():
        raise IngestError(path, "no text is left after cleaning (only markup or metadata?)")
    rel = path.relative_to(data_dir).as_posix() if data_dir else path.name
    detected = detect_info(info.doc_id if info else slug(path.stem), rel, cleaned.text, cleaned.title_hint)
    footnotes = tuple(Footnote(n, t, o) for n, t, o in cleaned.footnotes)
    return Document(
        info=info or detected,
        text=cleaned.text,
        footnotes=footnotes,
        metadata_lines=cleaned.metadata_lines,
        content_hash=hashlib.sha256(cleaned.text.encode()).hexdigest()[:16],
    )


def load_corpus(data_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Corpus:
    """All documents under data_dir; a bad file becomes an entry in `errors`, not a crash."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise IngestError(data_dir, "the data folder does not exist")
    catalog = load_catalog(data_dir)
    documents: list[Document] = []
    errors: list[IngestError] = []
    seen_hashes: dict[str, str] = {}
    for path in document_files(data_dir):
        rel = path.relative_to(data_dir).as_posix()
        try:
            document = load_document(path, data_dir, catalog.get(rel), max_bytes)
        except IngestError as exc:
            errors.append(exc)
            continue
        if document.content_hash in seen_hashes:
            errors.append(IngestError(path, f"same content as {seen_hashes[document.content_hash]}; skipped"))
            continue
        seen_hashes[document.content_hash] = rel
        documents.append(document)
    documents = _unique_ids(documents)
    clauses = tuple(c for d in documents for c in parse_clauses(d))
    hidden = unpublished_files(data_dir)
    unpublished = frozenset(d.doc_id for d in documents if d.info.source_file in hidden)
    return Corpus(tuple(documents), clauses, tuple(errors), unpublished)


def _unique_ids(documents: list[Document]) -> list[Document]:
    seen: set[str] = set()
    out = []
    for document in documents:
        doc_id, n = document.doc_id, 2
        while doc_id in seen:
            doc_id, n = f"{document.doc_id}-{n}", n + 1
        seen.add(doc_id)
        out.append(
            document if doc_id == document.doc_id else replace(document, info=replace(document.info, doc_id=doc_id))
        )
    return out


def slug(stem: str) -> str:
    """A document id from a file name: lower-case ASCII words joined by dashes, else a hash."""
    ascii_slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return ascii_slug or "doc-" + hashlib.sha1(stem.encode()).hexdigest()[:8]
