"""The document catalogue (data/catalog.yaml) and the facts detected in texts it does not cover."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from core.errors import CatalogError
from core.schema import STATUSES, DocumentInfo

CATALOG_FILE = "catalog.yaml"
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[（(［]\d{4}[〕\]）)］]\s*第?\d{1,4}\s*号")
_DECREE_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}令第[一二三四五六七八九十百零〇\d]+号")
_VALID_UNTIL = re.compile(r"有效期(?:至|到)(\d{4})年(\d{1,2})月(\d{1,2})日")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_REPEAL = re.compile(r"(《[^》]{2,80}》(?:[（(][^）)]{2,30}[）)])?)[^。《]{0,20}(?:同步|同时|自[^。]{0,20})?废止")
_TITLE_IN_NOTICE = re.compile(r"关于印发\s*《(.+?)》\s*的通知")


def load_catalog(data_dir: Path) -> dict[str, DocumentInfo]:
    """Catalogue entries keyed by source file (relative to data_dir, POSIX style)."""
    path = data_dir / CATALOG_FILE
    if not path.exists():
        return {}
    return catalog_from_text(path, path.read_text(encoding="utf-8"))


def catalog_from_text(path: Path, text: str) -> dict[str, DocumentInfo]:
    """The catalogue in `text` (the contents of `path`), checked as load_catalog checks the file."""
    catalog: dict[str, DocumentInfo] = {}
    for entry in catalog_entries(path, text):
        info = _entry_to_info(path, entry)
        if info.source_file in catalog:
            raise CatalogError(f"{path}: file {info.source_file} is listed twice")
        catalog[info.source_file] = info
    ids = [info.doc_id for info in catalog.values()]
    if len(ids) != len(set(ids)):
        raise CatalogError(f"{path}: duplicate document ids")
    return catalog


def catalog_entries(path: Path, text: str) -> list[dict]:
    """The raw `documents:` entries of a catalogue text (dicts as YAML parsed them)."""
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML ({exc})") from exc
    entries = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a 'documents:' list")
    return entries


def unpublished_files(data_dir: Path) -> frozenset[str]:
    """Source files whose entry says `published: false`: kept in data/ and the catalogue, left out of the index."""
    path = data_dir / CATALOG_FILE
    if not path.exists():
        return frozenset()
    entries = catalog_entries(path, path.read_text(encoding="utf-8"))
    return frozenset(str(e["file"]) for e in entries if isinstance(e, dict) and e.get("published") is False)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a temp file beside `path`, flush it to disk, then rename it over `path`.

    A reader (another worker, the CLI) sees the old file or the new one, never half of one; a crash or a full
    disk while writing leaves the old file as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)  # keep the catalogue's permissions
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _entry_to_info(path: Path, entry: object) -> DocumentInfo:
    if not isinstance(entry, dict) or not entry.get("id") or not entry.get("file") or not entry.get("title"):
        raise CatalogError(f"{path}: every document needs id, file and title: {entry!r}")
    status = entry.get("status") or "in_force"
    if status not in STATUSES:
        raise CatalogError(f"{path}: {entry['id']}: unknown status {status!r} (one of {', '.join(STATUSES)})")
    if entry.get("published", True) not in (True, False):  # "no" or "0" would read as published by mistake
        raise CatalogError(f"{path}: {entry['id']}: published must be true or false, not {entry['published']!r}")

    def text(key: str) -> str:
        value = entry.get(key)
        return "" if value is None else str(value)

    return DocumentInfo(
        doc_id=text("id"),
        title=text("title"),
        source_file=text("file"),
        title_en=text("title_en"),
        short_title=text("short_title"),
        short_title_en=text("short_title_en"),
        issuer=text("issuer"),
        issuer_en=text("issuer_en"),
        doc_number=text("doc_number"),
        date_issued=text("date_issued"),
        effective_from=text("effective_from"),
        valid_until=text("valid_until"),
        status=status,
        repeals=tuple(str(r) for r in entry.get("repeals") or ()),
        kind=text("kind"),
        note=text("note"),
        url=_url(path, text("id"), text("url")),
    )


WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+")


def _url(path: Path, doc_id: str, url: str) -> str:
    # Only web addresses: a card turns it into a link, and a javascript: or file: link must never reach a page.
    url = url.strip()
    if url and not WEB_ADDRESS.fullmatch(url):
        raise CatalogError(f"{path}: {doc_id}: url must be an http:// or https:// address, not {url!r}")
    return url


def detect_info(doc_id: str, source_file: str, text: str, title_hint: str = "") -> DocumentInfo:
    """What a text states about itself: title, number, date, validity, draft status, repeals."""
    head = text[:1500]
    number = _DOC_NUMBER.search(head) or _DECREE_NUMBER.search(head)
    valid = _VALID_UNTIL.search(text)
    return DocumentInfo(
        doc_id=doc_id,
        title=title_hint or _detect_title(text) or doc_id,
        source_file=source_file,
        doc_number=number.group(0).replace(" ", "") if number else "",
        date_issued=_detect_date(text),
        valid_until=_iso(*valid.groups()) if valid else "",
        status="draft_for_comments" if "征求意见稿" in head else "in_force",
        repeals=tuple(dict.fromkeys(m.group(1) for m in _REPEAL.finditer(text))),
        detected=True,
    )


# Lines that end a title broken over several lines: the document number, a date, or the first numbered
# heading (第一章 总则, 一、, （一）, 1.). Without this "…（试行）昌园委发〔2026〕9号第一章总则" became the title.
_NOT_TITLE = re.compile(
    rf"^(?:{_DOC_NUMBER.pattern}|{_DECREE_NUMBER.pattern}|\(?\d{{4}}\s*年.*日\)?|（\d{{4}}\s*年.*日.*）"
    r"|第[一二三四五六七八九十百零〇\d]+[章节条编]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])"
)


def _detect_title(text: str) -> str:
    notice = _TITLE_IN_NOTICE.search(text[:800].replace("\n", ""))
    if notice:
        return notice.group(1)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    while lines and _NOT_TITLE.match(lines[0]) and not re.match(r"第.+[章节条]", lines[0]):
        lines = lines[1:]  # a document number (or date) printed above the title
    title = ""
    for line in lines[:4]:  # a title may be broken over a few short lines
        if re.search(r"[。；：，]", line) or len(title) + len(line) > 80 or (title and _NOT_TITLE.match(line)):
            break
        title += line
    return title


def _detect_date(text: str) -> str:
    # The signing date stands on a line of its own near the top (notice) or at the end.
    for line in [*text[:1500].split("\n"), *text[-400:].split("\n")]:
        m = _DATE.fullmatch(line.strip()) or re.search(
            r"\s(\d{4})年(\d{1,2})月(\d{1,2})日(?:印发|发布)?$", line.strip()
        )
        if m:
            return _iso(*m.groups())
    return ""


def _iso(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
