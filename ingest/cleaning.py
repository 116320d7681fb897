"""Turn raw extracted text into exact, clean paragraphs (one per line) without rewording it."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from ingest.numbering import starts_with_marker

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = dict.fromkeys(
    map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\x0b\x0c"),
    " ",
)
# CJK Radicals Supplement look-alikes that NFKC leaves alone but PDFs still emit.
_RADICAL_SUPPLEMENT = dict(
    zip("⺠⻓⻔⻋⻅⻩⻉⻢⻜⻛⻥⻬⻙⻚⺟⺫⻆⻝⻄⻘⻨⻳", "民长门车见黄贝马飞风鱼齐韦页母目角食西青麦龟", strict=True)
)
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
_FOOTNOTE_BODY = re.compile(r"\[(\d{1,3}):\s*([^\]]*)\]", re.S)
_FOOTNOTE_REF = re.compile(r"\[footnoteRef:(\d{1,3})\]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|\d{1,3}|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)
_SENTENCE_END = tuple("。！？；：!?;:")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef“”‘’—…《》〔〕"
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}]) +(?=[0-9A-Za-z%.+\-(])")
_SPACE_BEFORE_CJK = re.compile(rf"(?<=[0-9A-Za-z%.)]) +(?=[{_CJK}{_CJK_PUNCT}])")
_SPACE_AROUND_PUNCT = re.compile(rf" +(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}]) +")
_SPACE_BETWEEN_HANZI = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_LEADING_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇]+[条章节] ")
FOOTNOTE_SENTINEL = "\ue000"  # private-use placeholder where a footnote reference stood


@dataclass(frozen=True)
class CleanResult:
    text: str
    footnotes: tuple[tuple[str, str, int], ...]  # (number, text, offset in text)
    metadata_lines: tuple[str, ...]
    title_hint: str


def clean_text(raw: str) -> CleanResult:
    """Exact wording, artefacts removed, hard line breaks inside sentences joined."""
    text = normalise_characters(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BOOKMARK.sub("", text)
    text, metadata, title = _split_markdown_header(text)
    text, notes = _lift_footnotes(text)
    lines = [_tidy_line(line) for line in text.split("\n")]
    lines = [line for line in lines if line and not _PAGE_NUMBER.match(line)]
    paragraphs = [_remove_layout_spaces(p) for p in join_wrapped_lines(lines)]
    body = "\n".join(p for p in paragraphs if p)
    body, footnotes = _place_footnotes(body, notes)
    return CleanResult(body, footnotes, tuple(metadata), title)


def normalise_characters(text: str) -> str:
    """Zero-width characters out, odd spaces to plain ones, radical look-alikes to ordinary Hanzi."""
    text = text.translate(_ZERO_WIDTH).translate(_ODD_SPACES)
    return "".join(_ordinary_hanzi(ch) for ch in text)


def _ordinary_hanzi(ch: str) -> str:
    if "\u2f00" <= ch <= "\u2fdf":  # Kangxi radicals: NFKC maps each to its ordinary character
        return unicodedata.normalize("NFKC", ch)
    return _RADICAL_SUPPLEMENT.get(ch, ch)


def _split_markdown_header(text: str) -> tuple[str, list[str], str]:
    """Markdown title, header block and marker comments are metadata, not clauses."""
    lines = text.split("\n")
    title = ""
    metadata: list[str] = []
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].startswith("# "):
        title = lines[first][2:].strip()
        metadata.append(lines[first].strip())
        start = first + 1
        has_marker = "<!-- INFO END -->" in text
        body_start = _first_body_line(lines, start, has_marker)
        metadata += [
            line.strip() for line in lines[start:body_start] if line.strip() and not line.strip().startswith("<!--")
        ]
        lines = lines[body_start:]
    body = "\n".join(_MD_HEADING.sub("", line) for line in lines)
    return _HTML_COMMENT.sub("", body), metadata, title


def _first_body_line(lines: list[str], start: int, has_marker: bool) -> int:
    # With the marker, the header may run past it (the source split a sentence across it):
    # the body begins at the first chapter heading or article.
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if stripped.startswith("## ") or re.match(r"^第[一二三四五六七八九十百零〇]+[章条]", stripped):
            return i
        if not has_marker and stripped and not re.match(r"^\d{4}年", stripped):
            return i
    return start


def _lift_footnotes(text: str) -> tuple[str, dict[str, str]]:
    notes = {m.group(1): " ".join(m.group(2).split()) for m in _FOOTNOTE_BODY.finditer(text)}
    text = _FOOTNOTE_BODY.sub("", text)
    text = _FOOTNOTE_REF.sub(lambda m: FOOTNOTE_SENTINEL + m.group(1) + FOOTNOTE_SENTINEL, text)
    return text, notes


def _place_footnotes(body: str, notes: dict[str, str]) -> tuple[str, tuple[tuple[str, str, int], ...]]:
    placed: list[tuple[str, str, int]] = []
    pattern = re.compile(FOOTNOTE_SENTINEL + r"(\d{1,3})" + FOOTNOTE_SENTINEL)
    while match := pattern.search(body):
        number = match.group(1)
        placed.append((number, notes.get(number, ""), match.start()))
        body = body[: match.start()] + body[match.end() :]
    return body, tuple(placed)


def _tidy_line(line: str) -> str:
    return re.sub(r" {2,}", " ", line).strip()


def _remove_layout_spaces(paragraph: str) -> str:
    # Spaces between Hanzi and digits/Latin are PDF layout, not wording ("到 2026 年").
    paragraph = _SPACE_AFTER_CJK.sub("", paragraph)
    paragraph = _SPACE_BEFORE_CJK.sub("", paragraph)
    paragraph = _SPACE_AROUND_PUNCT.sub("", paragraph)
    if re.search(r"[。，；]", paragraph):  # in prose a space between Hanzi is layout; in a heading it parts phrases
        marker = _LEADING_ARTICLE.match(paragraph)
        keep = marker.end() if marker else 0
        paragraph = paragraph[:keep] + _SPACE_BETWEEN_HANZI.sub("", paragraph[keep:])
    return paragraph


def visual_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def wrap_width(lines: list[str]) -> int | None:
    """The line width a hard-wrapped text was laid out at, or None when lines are paragraphs."""
    widths = [visual_width(line) for line in lines if visual_width(line) >= 20]
    if len(widths) < 8:
        return None
    mode, _ = Counter(w // 4 for w in widths).most_common(1)[0]
    typical = max(w for w in widths if w // 4 == mode)
    near = sum(1 for w in widths if typical - 10 <= w <= typical + 6)
    return typical if near >= 0.4 * len(widths) else None


def join_wrapped_lines(lines: list[str]) -> list[str]:
    """Rejoin lines that a PDF or Word export broke inside a sentence."""
    width = wrap_width(lines)
    groups: list[list[str]] = []
    for line in lines:
        if groups and _continues(groups[-1], line, width):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [_glue(group) for group in groups]


def _continues(group: list[str], line: str, width: int | None) -> bool:
    last = group[-1]
    if starts_with_marker(line) or last.endswith(_SENTENCE_END) or last.endswith(("。”", "。）")):
        return False
    text = "".join(group)
    if visual_width(text) < 100 and (_unclosed(text, "《", "》") or _unclosed(text, "（", "）")):
        return True  # a title broken inside its brackets
    return width is not None and visual_width(last) >= width - 10


def _glue(group: list[str]) -> str:
    out = group[0]
    for line in group[1:]:
        out += (" " if re.search(r"[A-Za-z,]$", out) and re.match(r"^[A-Za-z]", line) else "") + line
    return out


def _unclosed(text: str, opening: str, closing: str) -> bool:
    return text.count(opening) > text.count(closing)
