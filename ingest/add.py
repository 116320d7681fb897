"""Adding one document to the data folder: checks, a safe name, duplicates, new versions (ingest side only).

`plan_add` reads and parses the file and decides what would change, touching nothing; `apply_add` copies
it under data_dir and marks an older version `superseded` in catalog.yaml, and returns an `undo` for when
the index cannot be rebuilt. The rebuild itself lives in index/ (`python -m index add FILE`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from core.errors import IngestError
from core.schema import Clause, Document
from ingest.catalog import CATALOG_FILE, load_catalog, write_text_atomic
from ingest.clauses import parse_clauses
from ingest.corpus import document_files, load_corpus, load_document, slug
from ingest.loaders import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES

DEFAULT_FOLDER = "policies"
_MAX_NAME = 150


@dataclass(frozen=True)
class AddPlan:
    """What adding a file would do."""

    source: Path
    target: Path  # where the copy goes, inside data_dir
    document: Document  # as it will be indexed (source_file relative to data_dir)
    clauses: tuple[Clause, ...]
    sha256: str
    supersedes: str = ""  # doc_id of the older version with the same title, if any
    supersedes_file: str = ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def safe_target(data_dir: Path, name: str, folder: str = DEFAULT_FOLDER) -> Path:
    """data_dir/folder/name, or IngestError when the name could leave the data folder or is not a plain file name."""
    problem = ""
    if not name or name != name.strip() or len(name) > _MAX_NAME:
        problem = "an empty, padded or over-long file name"
    elif "/" in name or "\\" in name or name in (".", "..") or ".." in name or Path(name).is_absolute():
        problem = "a path, not a plain file name (path traversal is refused)"
    elif name.startswith(".") or any(unicodedata.category(ch).startswith("C") for ch in name):
        problem = "a hidden file name or one with control characters"
    elif Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        problem = f"an unsupported file type; supported: {', '.join(SUPPORTED_SUFFIXES)}"
    elif not re.fullmatch(r"[\w\-\.]+", folder) or folder.startswith("."):
        problem = f"an unsafe folder {folder!r}"
    if problem:
        raise IngestError(name, f"refused: {problem}")
    root = Path(data_dir).resolve()
    target = (root / folder / name).resolve()
    if not target.is_relative_to(root) or target.parent != (root / folder).resolve():
        raise IngestError(name, "refused: the file would land outside the data folder")
    return target


def plan_add(
    path: Path,
    data_dir: Path,
    name: str | None = None,
    folder: str = DEFAULT_FOLDER,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> AddPlan:
    """Check and parse the file and find what it duplicates or replaces; changes nothing on disk."""
    path, data_dir = Path(path), Path(data_dir)
    if not path.is_file():
        raise IngestError(path, "no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(path, f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB upload limit")
    target = safe_target(data_dir, name or path.name, folder)
    sha = file_sha256(path)
    for existing in document_files(data_dir):
        if file_sha256(existing) == sha:
            rel = existing.relative_to(data_dir).as_posix()
            raise IngestError(path, f"duplicate: the same file is already in the corpus as {rel}; nothing changed")
    if target.exists():
        raise IngestError(path, f"a different file named {target.relative_to(data_dir.resolve())} exists; rename it")
    document = load_document(path, max_bytes=max_bytes)  # IngestError for broken, encrypted, scanned, renamed files
    rel = target.relative_to(data_dir.resolve()).as_posix()
    corpus = load_corpus(data_dir, max_bytes)
    ids = {d.doc_id for d in corpus.documents}
    doc_id, n = slug(target.stem), 2
    while doc_id in ids:
        doc_id, n = f"{slug(target.stem)}-{n}", n + 1
    document = replace(document, info=replace(document.info, doc_id=doc_id, source_file=rel))
    supersedes = ""
    supersedes_file = ""
    for old in corpus.documents:
        if old.content_hash == document.content_hash:
            raise IngestError(path, f"duplicate: the same text is already in the corpus as {old.info.source_file}")
        if _same_title(old.info.title, document.info.title) and old.info.status != "superseded":
            supersedes, supersedes_file = old.doc_id, old.info.source_file
    return AddPlan(path, target, document, tuple(parse_clauses(document)), sha, supersedes, supersedes_file)


def tree_lines(plan: AddPlan) -> list[str]:
    """The clause tree for a person to confirm: one line per clause, indented by depth."""
    info = plan.document.info
    lines = [f"{info.doc_id}  {info.title}  [{info.status}]  -> {info.source_file}"]
    for clause in plan.clauses:
        if clause.part > 1:
            continue
        body = clause.text[len(clause.labels[-1]) :] if clause.text.startswith(clause.labels[-1]) else clause.text
        lines.append(
            f"{'  ' * len(clause.labels)}{clause.labels[-1]} {clause.heading or body[:36].replace(chr(10), ' ')}"
        )
    if plan.supersedes:
        lines.append(f"new version of {plan.supersedes} ({plan.supersedes_file}): that one will be marked superseded")
    return lines


def apply_add(plan: AddPlan, data_dir: Path) -> Callable[[], None]:
    """Copy the file into data_dir and mark the older version superseded; returns a function that undoes both."""
    data_dir = Path(data_dir)
    catalog = data_dir / CATALOG_FILE
    old_catalog = catalog.read_text(encoding="utf-8") if catalog.exists() else None
    plan.target.parent.mkdir(parents=True, exist_ok=True)
    partial = plan.target.with_name(f".{plan.target.name}.partial")
    shutil.copyfile(plan.source, partial)
    os.replace(partial, plan.target)

    def undo() -> None:
        plan.target.unlink(missing_ok=True)
        if old_catalog is None:
            catalog.unlink(missing_ok=True)
        else:
            _write_atomic(catalog, old_catalog)

    try:
        if plan.supersedes:
            _write_atomic(catalog, mark_superseded(old_catalog or "documents:\n", plan, data_dir))
            if load_catalog(data_dir)[plan.supersedes_file].status != "superseded":
                raise IngestError(catalog, f"could not mark {plan.supersedes} superseded")
    except BaseException:
        undo()
        raise
    return undo


def mark_superseded(catalog_text: str, plan: AddPlan, data_dir: Path) -> str:
    """The catalogue with the old version's status set to superseded (an entry is added if it had none)."""
    old_file = plan.supersedes_file
    entries = load_catalog(data_dir) if (data_dir / CATALOG_FILE).exists() else {}
    note = f"superseded by {plan.document.info.source_file}"
    if old_file not in entries:
        return catalog_text.rstrip("\n") + (
            f"\n\n  - id: {plan.supersedes}\n    file: {_quote(old_file)}\n"
            f"    title: {_quote(plan.document.info.title)}\n    status: superseded\n    note: {_quote(note)}\n"
        )
    lines = catalog_text.split("\n")
    start = next(
        i
        for i, line in enumerate(lines)
        if re.fullmatch(rf"\s*-\s+id:\s*['\"]?{re.escape(plan.supersedes)}['\"]?\s*", line)
    )
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*-\s+id:", lines[i])), len(lines))
    indent = re.match(r"\s*-\s*", lines[start]).end()  # type: ignore[union-attr]
    for i in range(start, end):
        if re.match(rf"\s{{{indent}}}status:", lines[i]):
            lines[i] = " " * indent + "status: superseded"
            return "\n".join(lines)
    lines.insert(start + 1, " " * indent + "status: superseded")
    return "\n".join(lines)


def _same_title(a: str, b: str) -> bool:
    def norm(title: str) -> str:
        return re.sub(r"[\s《》“”\"'（）()]", "", unicodedata.normalize("NFKC", title))

    return bool(a) and norm(a) == norm(b)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_atomic(path: Path, text: str) -> None:
    write_text_atomic(path, text)
