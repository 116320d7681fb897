"""Read a file of any supported type into raw text, or raise IngestError saying why not."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from core.errors import IngestError

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_MIN_TEXT_PER_PAGE = 20  # non-space characters a text-layer page has at the very least


def load_text(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The raw text of a document file; IngestError names the file and the reason otherwise."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            path, f"unsupported file type '{suffix or '(none)'}'; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(path, f"cannot read the file ({exc.strerror or exc})") from exc
    if size == 0:
        raise IngestError(path, "the file is empty")
    if size > max_bytes:
        raise IngestError(path, f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    data = path.read_bytes()
    reader = {".pdf": _pdf_text, ".docx": _docx_text, ".html": _html_text, ".htm": _html_text}.get(suffix, _plain_text)
    text = reader(path, data)
    if not text.strip():
        raise IngestError(path, "the file contains no text")
    return text


def decode_bytes(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030; refuse binary and garbage."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise IngestError(path, "this is a binary file, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise IngestError(path, "the text encoding is not UTF-8 or GB18030 (or the file is not text)")


def _looks_like_text(text: str) -> bool:
    # GB18030 decodes almost any byte string; real text is mostly CJK, ASCII and punctuation.
    sample = text[:20000]
    good = sum(
        1
        for ch in sample
        if ch.isascii()
        or unicodedata.category(ch) in ("Cf", "Zs")
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "“”‘’—…·《》〔〕"
    )
    return good >= 0.9 * max(1, len(sample))


def _plain_text(path: Path, data: bytes) -> str:
    return decode_bytes(path, data)


def _pdf_text(path: Path, data: bytes) -> str:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise IngestError(path, "not a PDF file (no %PDF header; was another file renamed .pdf?)")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "the PDF is encrypted with a password; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, NotImplementedError) as exc:
        msg = str(exc)
        if "decrypt" in msg.lower() or "encrypt" in msg.lower():
            raise IngestError(path, "the PDF is encrypted with a password; save an unprotected copy") from exc
        raise IngestError(path, f"the PDF is damaged or unreadable ({type(exc).__name__}: {msg[:120]})") from exc
    chars = sum(len(re.sub(r"\s", "", page)) for page in pages)
    if not pages or chars < _MIN_TEXT_PER_PAGE * len(pages):
        raise IngestError(path, "the PDF has no text layer (a scan?); run OCR first and add the text version")
    return "\n".join(pages)


def _docx_text(path: Path, data: bytes) -> str:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(path, "not a Word .docx file (not a ZIP package; an old .doc or a renamed file?)")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for broken packages
        raise IngestError(path, f"the .docx file is damaged ({type(exc).__name__})") from exc
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells = [cell.text.strip() for cell in row.cells]
                lines.append(" | ".join(_dedupe_merged(cells)))
    return "\n".join(lines)


def _dedupe_merged(cells: list[str]) -> list[str]:
    # Merged cells repeat their text in every grid column they span.
    out: list[str] = []
    for cell in cells:
        if not out or cell != out[-1]:
            out.append(cell)
    return out


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "title"}
    _SKIP = {"script", "style", "noscript", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data.replace("\n", " "))


def _html_text(path: Path, data: bytes) -> str:
    extractor = _TextExtractor()
    extractor.feed(decode_bytes(path, data))
    extractor.close()
    return "".join(extractor.parts)
