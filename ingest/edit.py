"""Correcting a document's catalogue facts and unpublishing it: an edit of its `data/catalog.yaml` entry.

`plan_edit` checks the new values and works out the new catalogue text, touching nothing; the plan carries
the exact diff a person confirms. `apply_edit` writes it atomically (temp file + rename), only if the
catalogue is still the one the plan was made from, and returns an `undo` for when the index cannot be
rebuilt. The rebuild lives in index/ (`python -m index edit DOC --set key=value`) and in the running app
(web/updates.py); both share this module.

The entry is edited line by line, so the catalogue's comments, quoting and key order stay as people wrote
them; the result is then parsed and must equal the old catalogue with exactly these values changed, or the
edit is refused. `published: false` keeps the file and its entry (and so its history) but leaves the document
out of the index: out of retrieval and citations (ingest.Corpus.published). Publishing again removes the line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.errors import CatalogError
from core.schema import STATUSES, DocumentInfo
from ingest.catalog import CATALOG_FILE, WEB_ADDRESS, catalog_entries, catalog_from_text, write_text_atomic

# The facts a person may correct, in the catalogue's own order; `published` is the unpublish switch.
EDITABLE = (
    "title",
    "title_en",
    "short_title",
    "short_title_en",
    "issuer",
    "issuer_en",
    "doc_number",
    "date_issued",
    "effective_from",
    "valid_until",
    "url",
    "status",
    "note",
    "published",
)
DATE_KEYS = ("date_issued", "effective_from", "valid_until")
_MAX_CHARS = {"note": 2000}
_DEFAULT_MAX_CHARS = 300
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


class EditError(CatalogError):
    """A value cannot be used, or the catalogue cannot be edited safely; the message says which and why."""


@dataclass(frozen=True)
class EditPlan:
    """What an edit would do to catalog.yaml."""

    doc_id: str
    source_file: str
    changes: tuple[tuple[str, object, object], ...]  # (key, old value, new value) as the catalogue reads them
    old_text: str | None  # catalog.yaml when the plan was made; None = there was none
    new_text: str
    created: bool = False  # the document had no entry (its facts were detected in its text): one is added

    @property
    def diff(self) -> str:
        """The exact change to the catalogue, as a unified diff."""
        name = f"data/{CATALOG_FILE}"
        return "".join(
            difflib.unified_diff(
                (self.old_text or "").splitlines(keepends=True),
                _ended(self.new_text).splitlines(keepends=True),
                name,
                name,
                n=2,
            )
        )

    @property
    def key(self) -> str:
        """Names this exact change: confirming is refused when the catalogue or the values moved since."""
        digest = hashlib.sha256((self.old_text or "").encode())
        digest.update(b"\0" + self.new_text.encode())
        return digest.hexdigest()[:32]

    def summary(self) -> str:
        return "; ".join(f"{key}: {_shown(old)} -> {_shown(new)}" for key, old, new in self.changes)


def parse_assignments(items: list[str]) -> dict[str, str]:
    """`key=value` strings (the CLI's --set) as a dict; EditError for one without '='."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise EditError(f"--set wants key=value, got {item!r}")
        out[key.strip()] = value
    return out


def editable_documents(data_dir: Path, indexed: Mapping[str, DocumentInfo] = {}) -> list[tuple[str, str, bool]]:  # noqa: B006
    """(doc_id, title, published) of every document that can be edited: the catalogue's entries whose file is
    in the data folder (unpublished ones too), then indexed documents without an entry (facts detected)."""
    path = Path(data_dir) / CATALOG_FILE
    entries = catalog_entries(path, path.read_text(encoding="utf-8")) if path.exists() else []
    out = []
    files = set()
    for entry in entries:
        if isinstance(entry, dict) and (Path(data_dir) / str(entry.get("file", ""))).is_file():
            title = str(entry.get("short_title") or entry.get("title") or "")
            out.append((str(entry["id"]), title, entry.get("published", True) is not False))
            files.add(str(entry["file"]))
    for info in indexed.values():
        if info.source_file not in files and info.doc_id not in {o[0] for o in out}:
            out.append((info.doc_id, info.short_title or info.title, True))
    return out


def current_facts(data_dir: Path, doc_id: str) -> dict[str, object]:
    """The editable facts as they stand (catalogue entry, else detected in the text): str values, and published."""
    entry, _ = _find(Path(data_dir), doc_id)
    return {
        key: (entry.get(key, True) is not False) if key == "published" else _text(entry.get(key)) for key in EDITABLE
    }


def plan_edit(data_dir: Path, doc_id: str, values: Mapping[str, object]) -> EditPlan:
    """Check `values` (key -> new value; "" clears a fact) and work out the new catalogue; changes nothing.

    EditError names the field and the reason: an unknown key or status, a malformed date, an empty title,
    a line break or control character, a validity that ends before the document was issued, no change at all.
    """
    data_dir = Path(data_dir)
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise EditError(f"cannot edit {', '.join(unknown)}: editable facts are {', '.join(EDITABLE)}")
    entry, created = _find(data_dir, doc_id)
    new_values = {key: _checked(key, value) for key, value in values.items()}
    merged = {**{k: _normalised(k, entry.get(k)) for k in EDITABLE}, **new_values}
    for key in ("date_issued", "effective_from"):
        if merged[key] and merged["valid_until"] and merged["valid_until"] < merged[key]:
            raise EditError(f"valid_until {merged['valid_until']} is before {key} {merged[key]}")
    changes = tuple(
        (key, _normalised(key, entry.get(key)), new)
        for key, new in sorted(new_values.items(), key=lambda kv: EDITABLE.index(kv[0]))
        if new != _normalised(key, entry.get(key))
    )
    if not changes and not created:
        raise EditError(f"{doc_id}: the values are the ones in the catalogue already; nothing to change")
    path = data_dir / CATALOG_FILE
    old_text = path.read_text(encoding="utf-8") if path.exists() else None
    text = old_text if old_text is not None else "documents:\n"
    if created:
        text = _append_entry(text, entry)
    for key, _old, new in changes:
        text = _set_key(text, doc_id, key, new)
    _verify(path, old_text, text, doc_id, entry, dict((k, n) for k, _o, n in changes), created)
    return EditPlan(doc_id, str(entry["file"]), changes, old_text, _ended(text), created)


def apply_edit(plan: EditPlan, data_dir: Path) -> Callable[[], None]:
    """Write the planned catalogue atomically; returns a function that puts the old one back.

    Refused (EditError, nothing written) when catalog.yaml is no longer the text the plan was made from:
    someone else changed it since the change was shown.
    """
    path = Path(data_dir) / CATALOG_FILE
    now = path.read_text(encoding="utf-8") if path.exists() else None
    if now != plan.old_text:
        raise EditError(f"{CATALOG_FILE} changed since this change was shown; show the change again (nothing changed)")
    write_text_atomic(path, plan.new_text)

    def undo() -> None:
        if plan.old_text is None:
            path.unlink(missing_ok=True)
        else:
            write_text_atomic(path, plan.old_text)

    return undo


# --- checking values ------------------------------------------------------------------------------------


def _checked(key: str, value: object) -> object:
    """The value as it will stand in the catalogue: str, None (cleared) or, for published, a bool."""
    if key == "published":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise EditError(f"published must be true or false, not {value!r}")
    text = "" if value is None else str(value).strip()
    bad = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")), None)
    if bad is not None:
        raise EditError(f"{key}: line breaks and control characters are not allowed (found U+{ord(bad):04X})")
    limit = _MAX_CHARS.get(key, _DEFAULT_MAX_CHARS)
    if len(text) > limit:
        raise EditError(f"{key}: {len(text)} characters, at most {limit}")
    if key == "title" and not text:
        raise EditError("title must not be empty")
    if key == "url" and text and not WEB_ADDRESS.fullmatch(text):  # cards link it: no javascript: or file:
        raise EditError(f"url must be an http:// or https:// address, not {text!r}")
    if key == "status" and text not in STATUSES:
        raise EditError(f"unknown status {text!r}: one of {', '.join(STATUSES)}")
    if key in DATE_KEYS and text:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise EditError(f"{key}: {text!r} is not a date written YYYY-MM-DD")
        try:
            dt.date.fromisoformat(text)
        except ValueError as exc:
            raise EditError(f"{key}: {text!r} is not a date ({exc})") from None
    return text or None


def _normalised(key: str, value: object) -> object:
    """An existing catalogue value in the form `_checked` gives (YAML reads unquoted dates as dates)."""
    if key == "published":
        return value is not False
    if key == "status":
        return str(value or "in_force")
    if isinstance(value, dt.date):
        return value.isoformat()
    return None if value is None or str(value) == "" else str(value)


def _text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _shown(value: object) -> str:
    return "(none)" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


# --- finding and editing the entry ----------------------------------------------------------------------


def _find(data_dir: Path, doc_id: str) -> tuple[dict, bool]:
    """The document's catalogue entry, or (not in the catalogue) a new one from the facts in its text."""
    path = data_dir / CATALOG_FILE
    entries = catalog_entries(path, path.read_text(encoding="utf-8")) if path.exists() else []
    for entry in entries:
        if isinstance(entry, dict) and str(entry.get("id")) == doc_id:
            return entry, False
    from ingest.corpus import load_corpus  # only for a document without an entry: parses the whole folder

    corpus = load_corpus(data_dir)
    try:
        info = corpus.document(doc_id).info
    except KeyError:
        known = ", ".join(d.doc_id for d in corpus.documents)
        raise EditError(f"no document {doc_id!r}; known: {known}") from None
    entry = {"id": info.doc_id, "file": info.source_file, "title": info.title}
    for key in ("title_en", "issuer", "doc_number", "date_issued", "effective_from", "valid_until", "status"):
        if getattr(info, key):
            entry[key] = getattr(info, key)
    if info.repeals:
        entry["repeals"] = list(info.repeals)
    return entry, True


_ENTRY = re.compile(r"^(\s*-\s+)id\s*:\s*(.*?)\s*$")


def _render(key: str, value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "status":
        return str(value)  # a plain word, as the catalogue writes statuses
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _entry_lines(lines: list[str], doc_id: str) -> tuple[int, int, int]:
    """(first line, end of its content, indent of its keys) of the `- id: DOC` entry."""
    for start, line in enumerate(lines):
        match = _ENTRY.match(line)
        if not match:
            continue
        try:
            value = _yaml_scalar(match.group(2))
        except EditError:
            continue
        if value != doc_id:
            continue
        indent = len(match.group(1))
        end = start + 1
        while end < len(lines) and not (_content(lines[end]) and _indent(lines[end]) < indent):
            end += 1
        while end > start + 1 and not _content(lines[end - 1]):
            end -= 1  # blank lines and comments before the next entry stay where they are
        return start, end, indent
    raise EditError(f"the entry of {doc_id} in {CATALOG_FILE} is not written as '- id: {doc_id}'; edit it by hand")


def _yaml_scalar(text: str) -> object:
    import yaml

    try:
        return yaml.safe_load(re.sub(r"\s+#.*$", "", text) or "null")
    except yaml.YAMLError:
        raise EditError(f"cannot read {text!r}") from None


def _set_key(text: str, doc_id: str, key: str, value: object) -> str:
    """`key: value` in the entry (replacing the key's line and any continuation lines); published=True removes it."""
    lines = text.split("\n")
    start, end, indent = _entry_lines(lines, doc_id)
    remove = key == "published" and value is True
    new_line = " " * indent + f"{key}: {_render(key, value)}"
    pattern = re.compile(rf"^ {{{indent}}}{re.escape(key)}\s*:")
    for i in range(start + 1, end):
        if pattern.match(lines[i]):
            stop = i + 1
            while stop < end and (not lines[stop].strip() or _indent(lines[stop]) > indent):
                stop += 1  # a folded or multi-line value
            while stop > i + 1 and not lines[stop - 1].strip():
                stop -= 1
            lines[i:stop] = [] if remove else [new_line]
            return "\n".join(lines)
    if remove:
        return text
    where = end
    if key == "published":  # beside the status, where a reader looks for it
        status = re.compile(rf"^ {{{indent}}}status\s*:")
        where = next((i + 1 for i in range(start + 1, end) if status.match(lines[i])), end)
    lines.insert(where, new_line)
    return "\n".join(lines)


def _append_entry(text: str, entry: dict) -> str:
    """A new entry at the end, indented like the catalogue's first one."""
    first = next((m for m in map(_ENTRY.match, text.split("\n")) if m), None)
    dash = first.group(1) if first else "  - "
    indent = " " * len(dash)
    body = []
    for key, value in entry.items():
        if isinstance(value, list):
            body.append(f"{indent}{key}:")
            body += [f"{indent}  - {_render(key, v)}" for v in value]
        else:
            body.append(f"{indent}{key}: {_render(key, value)}")
    body[0] = dash + body[0][len(indent) :]
    return text.rstrip("\n") + "\n\n" + "\n".join(body) + "\n"


def _verify(
    path: Path, old_text: str | None, new_text: str, doc_id: str, entry: dict, changed: dict, created: bool
) -> None:
    """The new text must parse to the old catalogue with exactly these values changed, and load as a catalogue."""
    old = catalog_entries(path, old_text) if old_text is not None else []
    expected = [dict(e) if isinstance(e, dict) else e for e in old]
    if created:
        expected.append(dict(entry))
    target = next(e for e in expected if isinstance(e, dict) and str(e.get("id")) == doc_id)
    for key, value in changed.items():
        if key == "published" and value is True:
            target.pop("published", None)
        else:
            target[key] = value
    try:
        got = catalog_entries(path, new_text)
        catalog_from_text(path, new_text)
    except CatalogError as exc:
        raise EditError(f"the edited catalogue would not load ({exc}); nothing changed") from exc
    if got != expected:
        raise EditError(
            f"the entry of {doc_id} in {CATALOG_FILE} has a layout this editor cannot change safely; edit it by hand"
        )


def _ended(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
