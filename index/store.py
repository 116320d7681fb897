"""One index folder: manifest + clauses + documents + lexical + FAISS, switched in atomically."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from core.config import Settings
from core.errors import IndexBusyError, IndexMismatchError, IndexMissingError, ModelUnavailableError
from core.schema import Clause, DocumentInfo
from index.dense import DenseIndex, Embedder, SentenceTransformerEmbedder, single_query_threads
from index.glossary import GLOSSARY_FILE, Glossary
from index.lexical import LexicalIndex
from index.questions import ClauseQuestion, load_questions
from index.tokenize import Tokenizer
from index.translations import load_translations
from ingest import Corpus, load_corpus

log = logging.getLogger(__name__)
SCHEMA_VERSION = 4  # 2: English lexical index and translations; 3: per-clause questions; 4: expanded clauses
_KEEP_BUILDS = 3


@dataclass
class ClauseIndex:
    """Everything retrieval needs, loaded from (or just written to) one build folder."""

    clauses: tuple[Clause, ...]
    documents: dict[str, DocumentInfo]
    lexical: LexicalIndex
    dense: DenseIndex | None
    embedder: Embedder | None
    manifest: dict
    folder: Path
    dense_note: str = ""
    english: LexicalIndex | None = None  # over the unofficial English translations, where they exist
    translations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # clause_id -> English sentences
    questions: LexicalIndex | None = None  # over the questions people would ask of each clause (data/questions)
    question_rows: tuple[ClauseQuestion, ...] = ()  # row i of `questions`
    expanded: LexicalIndex | None = None  # each clause with its questions and its English (doc2query), per part

    def __post_init__(self) -> None:
        self._full: dict[str, str] = {}
        for clause in self.clauses:
            self._full[clause.clause_id] = self._full.get(clause.clause_id, "") + clause.text
        self._first: dict[str, int] = {}
        for i, clause in enumerate(self.clauses):
            self._first.setdefault(clause.clause_id, i)

    def first_position(self, clause_id: str) -> int:
        """Where a clause's first part stands in `clauses`."""
        return self._first[clause_id]

    def first_part(self, clause_id: str) -> Clause:
        return self.clauses[self._first[clause_id]]

    def full_text(self, clause_id: str) -> str:
        """A clause's whole text, its parts joined."""
        return self._full[clause_id]

    def english_sentences(self, clause_id: str) -> tuple[str, ...]:
        """The clause's unofficial English, sentence by sentence; empty when it has none."""
        return self.translations.get(clause_id, ())

    @property
    def retrievers(self) -> list[str]:
        names = ["bm25"] + (["bm25_en"] if self.english is not None else [])
        names += ["questions"] if self.questions is not None else []
        names += ["expanded"] if self.expanded is not None else []
        return names + (["dense"] if self.dense is not None and self.embedder is not None else [])


def lexical_text(clause: Clause, document: DocumentInfo | None) -> str:
    """What BM25 sees: the document's short name, the clause's parent headings, its text."""
    title = (document.short_title or document.title) if document else ""
    return "\n".join(part for part in (title, " ".join(clause.headings), clause.text) if part)


def dense_text(clause: Clause) -> str:
    return " / ".join([*clause.headings, clause.text])


def tokenizer_words(corpus: Corpus, glossary: Glossary) -> list[str]:
    """User dictionary: glossary terms, document titles, clause headings."""
    words = glossary.chinese_words()
    for document in corpus.documents:
        words += [document.info.title, document.info.short_title]
    words += [c.heading for c in corpus.clauses if c.heading and len(c.heading) <= 12]
    return words


def fingerprint(
    corpus: Corpus,
    words: list[str],
    translations: dict[str, tuple[str, ...]] | None = None,
    questions: Sequence[ClauseQuestion] = (),
) -> str:
    digest = hashlib.sha256(corpus.content_hash.encode())
    digest.update("\n".join(sorted(set(words))).encode())
    for clause_id, sentences in sorted((translations or {}).items()):
        digest.update(f"{clause_id}\t{'|'.join(sentences)}\n".encode())
    for row in questions:
        digest.update(f"{row.clause_id}\t{row.lang}\t{row.question}\n".encode())
    return digest.hexdigest()[:16]


def english_text(clause: Clause, document: DocumentInfo | None, translations: dict[str, tuple[str, ...]]) -> str:
    """What the English BM25 sees: the document's English name and the clause's English, if translated."""
    sentences = translations.get(clause.clause_id)
    if not sentences:
        return ""
    title = (document.short_title_en or document.title_en) if document else ""
    return "\n".join(part for part in (title, " ".join(sentences)) if part)


def build_index(
    corpus: Corpus,
    index_dir: Path,
    glossary: Glossary,
    embedder: Embedder | None = None,
    hnsw_threshold: int = 50_000,
    translations: dict[str, tuple[str, ...]] | None = None,
    questions: Sequence[ClauseQuestion] = (),
) -> ClauseIndex:
    """Write a new build beside the live one and switch `current` to it; a failure leaves the old one."""
    started = time.perf_counter()
    corpus = corpus.published()  # `published: false` in the catalogue: not searchable, never cited
    words = tokenizer_words(corpus, glossary)
    clauses = tuple(c for c in corpus.clauses if c.searchable)
    known = {c.clause_id for c in corpus.clauses}
    translations = {cid: s for cid, s in (translations or {}).items() if cid in known}
    infos = {d.doc_id: d.info for d in corpus.documents}
    chinese = Tokenizer(words)
    # Big builds tokenise the Chinese in worker processes; the English is done here meanwhile.
    chinese_tokens = chinese.tokens_many_later([lexical_text(c, infos.get(c.doc_id)) for c in clauses])
    english = None
    if translations:
        english = LexicalIndex.build([english_text(c, infos.get(c.doc_id), translations) for c in clauses], Tokenizer())
    clause_tokens = chinese_tokens()
    lexical = LexicalIndex.from_tokens(clause_tokens, chinese)
    searchable = {c.clause_id for c in clauses}
    questions = tuple(q for q in questions if q.clause_id in searchable)
    question_index = LexicalIndex.build([q.question for q in questions], chinese) if questions else None
    expanded = _expanded_index(clauses, clause_tokens, chinese, questions, translations) if questions else None
    dense = None
    if embedder is not None:
        dense = DenseIndex.build(embedder.embed([dense_text(c) for c in clauses]), hnsw_threshold)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "fingerprint": fingerprint(corpus, words, translations, questions),
        "translated_clauses": len(translations),
        "clause_questions": len(questions),
        "corpus_hash": corpus.content_hash,
        "clause_count": len(clauses),
        "document_count": len(corpus.documents),
        "embed_model": embedder.name if embedder else "",
        "dimension": embedder.dimension if embedder else 0,
        "dense_index": type(dense.index).__name__ if dense else "",
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": 0.0,
        "versions": _versions(),
    }
    index_dir.mkdir(parents=True, exist_ok=True)
    builds = index_dir / "builds"
    builds.mkdir(exist_ok=True)
    tmp = builds / f".tmp-{os.getpid()}-{time.time_ns()}"
    try:
        tmp.mkdir()
        _write_jsonl(tmp / "clauses.jsonl", (dict(vars(c)) for c in clauses))  # flat: asdict's deep copy cost ~0.1 ms
        _write_jsonl(tmp / "documents.jsonl", (asdict(d) for d in infos.values()))
        lexical.save(tmp / "lexical")
        if english is not None:
            english.save(tmp / "lexical_en")
            _write_jsonl(tmp / "translations.jsonl", ({"clause_id": k, "en": list(v)} for k, v in translations.items()))
        if question_index is not None:
            question_index.save(tmp / "lexical_questions")
            _write_jsonl(tmp / "questions.jsonl", (asdict(q) for q in questions))
        if expanded is not None:
            expanded.save(tmp / "lexical_expanded")
        if dense is not None:
            dense.save(tmp)
        manifest["build_seconds"] = round(time.perf_counter() - started, 3)
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        final = (
            builds
            / f"b-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}-{manifest['fingerprint'][:8]}-{time.time_ns() % 10**6}"
        )
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _switch(index_dir, final)
    log.info(
        "index built: %d clauses, %s, in %.1fs",
        len(clauses),
        manifest["dense_index"] or "lexical only",
        manifest["build_seconds"],
    )
    return ClauseIndex(
        clauses,
        infos,
        lexical,
        dense,
        embedder,
        manifest,
        final,
        "",
        english,
        translations,
        question_index,
        questions,
        expanded,
    )


def _expanded_index(
    clauses: Sequence[Clause],
    clause_tokens: list[list[str]],
    tokenizer: Tokenizer,
    questions: Sequence[ClauseQuestion],
    translations: dict[str, tuple[str, ...]],
) -> LexicalIndex:
    """BM25 over each clause part plus the questions people ask of its clause and its English: words a question
    shares with several of them add up (the questions index ranks a clause by its one best question)."""
    asked: dict[str, list[str]] = {}
    for row in questions:
        asked.setdefault(row.clause_id, []).append(row.question)
    extra = ["\n".join([*asked.get(c.clause_id, ()), *translations.get(c.clause_id, ())]) for c in clauses]
    extra_tokens = tokenizer.tokens_many(extra)
    return LexicalIndex.from_tokens([[*a, *b] for a, b in zip(clause_tokens, extra_tokens, strict=True)], tokenizer)


def _switch(index_dir: Path, build: Path) -> None:
    """Point `current` at the new build (atomic rename of a symlink); keep the old one as `previous`."""
    current = index_dir / "current"
    if current.is_symlink():
        _point(index_dir / "previous", current.resolve())
    _point(current, build)
    _prune(index_dir)


def _point(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.{time.time_ns()}")
    tmp.symlink_to(os.path.relpath(target, link.parent))
    os.replace(tmp, link)


def _prune(index_dir: Path) -> None:
    keep = {p.resolve() for p in (index_dir / "current", index_dir / "previous") if p.is_symlink()}
    builds = sorted(
        (p for p in (index_dir / "builds").iterdir() if p.name.startswith("b-")), key=lambda p: p.stat().st_mtime
    )
    for old in builds[:-_KEEP_BUILDS]:
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def rollback(index_dir: Path) -> Path:
    """Switch back to the previous build; returns the build now live."""
    previous = index_dir / "previous"
    if not previous.is_symlink() or not previous.resolve().exists():
        raise IndexMissingError(f"{index_dir}: there is no previous index to roll back to")
    target, current = previous.resolve(), (index_dir / "current").resolve()
    _point(index_dir / "current", target)
    _point(previous, current)
    return target


def load_index(index_dir: Path, embedder: Embedder | None = None) -> ClauseIndex:
    """The live build; IndexMissingError / IndexMismatchError say why it cannot be used."""
    folder = (index_dir / "current").resolve() if (index_dir / "current").is_symlink() else index_dir
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise IndexMissingError(f"no index at {index_dir}; build one with: python -m index build")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatchError(f"index schema {manifest.get('schema_version')} != {SCHEMA_VERSION}")
    clauses = tuple(_clause(row) for row in _read_jsonl(folder / "clauses.jsonl"))
    documents = {row["doc_id"]: _info(row) for row in _read_jsonl(folder / "documents.jsonl")}
    lexical = LexicalIndex.load(folder / "lexical")
    english, translations = None, {}
    if (folder / "lexical_en").exists():
        english = LexicalIndex.load(folder / "lexical_en")
        translations = {row["clause_id"]: tuple(row["en"]) for row in _read_jsonl(folder / "translations.jsonl")}
    question_index, questions = None, ()
    if (folder / "lexical_questions").exists():
        question_index = LexicalIndex.load(folder / "lexical_questions")
        questions = tuple(ClauseQuestion(**row) for row in _read_jsonl(folder / "questions.jsonl"))
    expanded = LexicalIndex.load(folder / "lexical_expanded") if (folder / "lexical_expanded").exists() else None
    dense, note = None, ""
    if (folder / DenseIndex.FILE).exists():
        if embedder is not None and embedder.name == manifest.get("embed_model"):
            dense = DenseIndex.load(folder)
            single_query_threads()
        else:
            note = f"index has {manifest.get('embed_model')} vectors but that model is not loaded"
    return ClauseIndex(
        clauses,
        documents,
        lexical,
        dense,
        embedder if dense else None,
        manifest,
        folder,
        note,
        english,
        translations,
        question_index,
        questions,
        expanded,
    )


def open_index(
    settings: Settings, corpus: Corpus | None = None, embedder: Embedder | None = None, glossary: Glossary | None = None
) -> ClauseIndex:
    """Load the live index, or (re)build it when it is missing or stale for this corpus and model."""
    corpus = (corpus or load_corpus(settings.data_dir)).published()  # as build_index sees it: same fingerprint
    glossary = glossary or Glossary.load(settings.data_dir / GLOSSARY_FILE)
    translations = load_translations(settings.data_dir, corpus.clauses)
    questions = load_questions(settings.data_dir, corpus.clauses)
    expected = fingerprint(corpus, tokenizer_words(corpus, glossary), translations, questions)
    model = embedder.name if embedder else ""
    try:
        index = load_index(settings.index_dir, embedder)
        if index.manifest.get("fingerprint") == expected and index.manifest.get("embed_model", "") == model:
            return index
        log.warning("index at %s is stale (corpus, glossary or model changed): rebuilding", settings.index_dir)
    except (IndexMissingError, IndexMismatchError) as exc:
        log.warning("%s: building the index", exc)
    return build_index(corpus, settings.index_dir, glossary, embedder, settings.hnsw_threshold, translations, questions)


@contextmanager
def update_lock(index_dir: Path) -> Iterator[None]:
    """One index update at a time across processes (the CLI and the running app): IndexBusyError otherwise.

    An advisory lock on a file in the index folder; the system releases it when the holder exits or is killed.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".update.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(f"another index update is running on {index_dir}; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild(settings: Settings, embedder: Embedder | None = None, reuse_embedder: bool = False) -> ClauseIndex:
    """Build a new index from the data folder beside the live one and switch to it (the old one stays on failure).

    A running app passes its embedder (reuse_embedder=True): a second copy of the model would double its memory.
    """
    if not reuse_embedder:
        embedder, note = load_embedder(settings)
        if note:
            log.warning(note)
    corpus = load_corpus(settings.data_dir).published()
    for error in corpus.errors:
        log.warning("skipped %s", error)
    glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
    translations = load_translations(settings.data_dir, corpus.clauses)
    questions = load_questions(settings.data_dir, corpus.clauses)
    return build_index(corpus, settings.index_dir, glossary, embedder, settings.hnsw_threshold, translations, questions)


def load_embedder(settings: Settings) -> tuple[Embedder | None, str]:
    """The configured embedder, or None and a one-line reason (lexical-only mode)."""
    if not settings.dense_enabled:
        return None, "dense retrieval is off (POLICYBOT_EMBED_MODEL=none): lexical only"
    try:
        return SentenceTransformerEmbedder(settings.embed_model, settings.embed_batch_size), ""
    except ModelUnavailableError as exc:
        return None, f"{exc}. Running lexical-only."


def _versions() -> dict[str, str]:
    out = {}
    for package in ("bm25s", "jieba", "faiss-cpu", "sentence-transformers", "numpy"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = ""
    return out


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _clause(row: dict) -> Clause:
    for key in ("labels", "headings", "notes"):
        row[key] = tuple(row[key])
    return Clause(**row)


def _info(row: dict) -> DocumentInfo:
    row["repeals"] = tuple(row["repeals"])
    return DocumentInfo(**row)
