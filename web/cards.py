"""Answers as HTML for the chat: text with [n] markers, warnings, one card per citation.

Everything taken from a question, an answer or a clause is escaped here: texts may contain `<script>`.
The HTML is one line with no blank lines, so the chat's Markdown renderer keeps it as a single HTML block.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from bot.render import citation_heading, document_name, status_text
from bot.service import TEXTS
from core.schema import Answer, Citation, Highlight, Hit
from web.i18n import badge, t

FullText = Callable[[str], str]
English = Callable[[str], Sequence[str]]  # clause id -> its unofficial English sentences (may be none)
_MARKER = re.compile(r"\[(\d{1,2})\]")
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+")


def esc(text: str) -> str:
    """Escaped text with line breaks kept as <br>."""
    return html.escape(text or "", quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def with_markers(escaped: str) -> str:
    """[1] -> a small numbered marker that matches the card number."""
    return _MARKER.sub(r'<span class="pb-ref" title="[\1]">\1</span>', escaped)


def source_text(text: str) -> str:
    """Escaped text whose line breaks survive as characters (&#10;) in a one-line HTML block, for textContent."""
    return html.escape(text or "", quote=True).replace("\r\n", "\n").replace("\n", "&#10;")


def answer_html(answer: Answer, full_text: FullText, english: English | None = None) -> str:
    """The whole assistant message: answer, warnings, citation cards (or the plain decline), and its actions."""
    lang = answer.lang
    warnings = "".join(f'<div class="pb-warning" role="note">⚠️ {esc(w)}</div>' for w in answer.warnings)
    if answer.declined:
        text, related = split_related(answer)
        return (
            f'<div class="pb-answer pb-declined" lang="{lang}">{asked_html(answer)}'
            f'<div class="pb-declined-title">{esc(t("declined_title", lang))}</div>'
            f'<div class="pb-text">{esc(text)}</div>{warnings}'
            f"{related_html(related, full_text, english, lang)}{actions_html(answer, full_text)}</div>"
        )
    cards = "".join(
        card_html(
            c, full_text(c.clause.clause_id), lang, [h for h in answer.highlights if h.clause_id == c.clause.clause_id]
        )
        for c in answer.citations
    )
    # The short answer and the warnings first: on a phone they are what the asker sees without scrolling.
    rest = answer.text.removeprefix(answer.short_answer).lstrip("\n") if answer.short_answer else answer.text
    short = (
        f'<div class="pb-short"><strong>{with_markers(esc(answer.short_answer))}</strong></div>'
        if answer.short_answer
        else ""
    )
    return (
        f'<div class="pb-answer" lang="{lang}">{asked_html(answer)}{short}{warnings}'
        f'<div class="pb-text">{with_markers(esc(rest))}</div>'
        f'<div class="pb-cards">{cards}</div>{actions_html(answer, full_text)}</div>'
    )


def asked_html(answer: Answer) -> str:
    """The question, hidden in the chat (it stands above the answer) and shown when the answer is printed."""
    return f'<div class="pb-asked">{esc(t("asked", answer.lang))}{esc(answer.question)}</div>'


def actions_html(answer: Answer, full_text: FullText) -> str:
    """Copy, print and save this answer; the texts they use travel hidden in the message itself.

    The chat's HTML sanitiser drops data-* attributes, so the page script finds the texts by class.
    """
    lang = answer.lang
    buttons = "".join(
        f'<button type="button" class="pb-act pb-act-{name}" title="{esc(t(key, lang))}">{esc(t(key, lang))}</button>'
        for name, key in (("copy", "copy_one"), ("print", "print"), ("save", "save"))
    )
    return (
        f'<div class="pb-actions">{buttons}</div>'
        f'<div class="pb-src pb-src-plain">{source_text(plain_answer(answer))}</div>'
        f'<div class="pb-src pb-src-record">{source_text(answer_record(answer, full_text))}</div>'
    )


def split_related(answer: Answer) -> tuple[str, list[tuple[str, Hit]]]:
    """A decline's text without its "possibly related clauses" lines, and those clauses (heading line, hit).

    bot.service lists the first retrieved clauses under that line, one "- heading" each, in retrieval order.
    """
    lines = answer.text.split("\n")
    marker = TEXTS[answer.lang if answer.lang in TEXTS else "zh"].related
    if marker not in lines:
        return answer.text, []
    at = lines.index(marker)
    headings = [line.removeprefix("- ") for line in lines[at + 1 :] if line.startswith("- ")]
    related = list(zip(headings, answer.retrieved, strict=False))
    if not related:
        return answer.text, []
    return "\n".join(lines[:at]), related


def related_html(related: Sequence[tuple[str, Hit]], full_text: FullText, english: English | None, lang: str) -> str:
    """The possibly related clauses, each opening in place to its text (no page to leave the chat for)."""
    if not related:
        return ""
    items = []
    for heading, hit in related:
        clause_id = hit.clause.clause_id
        en = " ".join(english(clause_id)) if english and lang == "en" else ""
        en_html = f'<div class="pb-clause-en" lang="en">{esc(en)}</div>' if en else ""
        items.append(
            f'<details class="pb-related-item"><summary>{esc(heading)}</summary>'
            f'<div class="pb-clause-zh" lang="zh">{esc(_safe_text(full_text, clause_id))}</div>{en_html}</details>'
        )
    return (
        f'<div class="pb-related"><div class="pb-related-title">{esc(t("related", lang))}</div>{"".join(items)}</div>'
    )


def _safe_text(full_text: FullText, clause_id: str) -> str:
    # A decline may name a clause of an index build replaced since: show the heading only, never fail.
    try:
        return full_text(clause_id)
    except KeyError:
        return ""


def marked(text: str, highlights: Sequence[Highlight]) -> str:
    """The clause text escaped, the spans stating the asked fact in <mark>."""
    out, cursor = [], 0
    for h in sorted(highlights, key=lambda h: h.start):
        if cursor <= h.start < h.end <= len(text):
            out += [esc(text[cursor : h.start]), f"<mark>{esc(text[h.start : h.end])}</mark>"]
            cursor = h.end
    return "".join(out) + esc(text[cursor:])


def card_html(citation: Citation, clause_text: str, lang: str, highlights: Sequence[Highlight] = ()) -> str:
    """Title, number, date, status badge and clause label; the clause text expands in place."""
    doc, clause = citation.doc, citation.clause
    title = document_name(doc, lang)
    subtitle = f"《{doc.title}》" if lang == "en" and doc.title_en else ""
    label = clause.label + (f" · {citation.label_en}" if citation.label_en else "")
    facts = [
        f"{t('doc_number', lang)} {doc.doc_number}" if doc.doc_number else t("no_number", lang),
        f"{t('issued', lang)} {doc.date_issued}" if doc.date_issued else "",
        f"{t('valid_until', lang)} {doc.valid_until}" if doc.valid_until else "",
    ]
    official = ""
    if _WEB_ADDRESS.fullmatch(doc.url or ""):
        official = (
            f'<a class="pb-official" href="{esc(doc.url)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(t('official_text', lang))} ↗</a>"
        )
    english = ""
    if citation.text_en:
        english = (
            f'<div class="pb-clause-label">{esc(t("english_rendering", lang))}</div>'
            f'<div class="pb-clause-en" lang="en">{esc(citation.text_en)}</div>'
            f'<div class="pb-prevails">{esc(t("prevails", lang))}</div>'
        )
    return (
        f'<div class="pb-card pb-status-{esc(citation.status)}" data-clause="{esc(clause.clause_id)}">'
        f'<div class="pb-card-head"><span class="pb-num">{citation.number}</span>'
        f'<span class="pb-title">{esc(title)}</span>'
        f'<span class="pb-badge pb-badge-{esc(citation.status)}" title="{esc(status_text(citation.status, lang))}">'
        f"{esc(badge(citation.status, lang))}</span></div>"
        + (f'<div class="pb-subtitle" lang="zh">{esc(subtitle)}</div>' if subtitle else "")
        + f'<div class="pb-meta"><span class="pb-label">{esc(t("clause", lang))} {esc(label)}</span>'
        f"{''.join(f'<span>{esc(f)}</span>' for f in facts if f)}{official}</div>"
        f'<details class="pb-details"><summary>{esc(t("show_clause", lang))}</summary>'
        f'<div class="pb-clause-label">{esc(t("chinese_original", lang))}</div>'
        f'<div class="pb-clause-zh" lang="zh">{marked(clause_text, highlights)}</div>{english}</details></div>'
    )


def partial_html(text: str, lang: str) -> str:
    """A streaming answer so far (or the 'looking up' line before the first words)."""
    body = with_markers(esc(text)) if text else f'<span class="pb-muted">{esc(t("thinking", lang))}</span>'
    return f'<div class="pb-answer pb-streaming" lang="{lang}"><div class="pb-text">{body}▍</div></div>'


def error_html(lang: str) -> str:
    return f'<div class="pb-answer pb-error"><div class="pb-text">{esc(t("error", lang))}</div></div>'


def user_html(question: str) -> str:
    return f'<div class="pb-question">{esc(question)}</div>'


def plain_answer(answer: Answer) -> str:
    """What 'copy answer' puts on the clipboard: the answer, its warnings and the sources, as plain text."""
    lines = [answer.text, *answer.warnings]
    for citation in answer.citations:
        heading = citation_heading(citation.doc, citation.clause, answer.lang)
        lines.append(f"[{citation.number}] {heading} · {status_text(citation.status, answer.lang)}")
    return "\n".join(line for line in lines if line)


def answer_record(answer: Answer, full_text: FullText) -> str:
    """What 'save' writes and a printout holds: question, answer, warnings, each source with its clause text."""
    lang = answer.lang
    lines = [f"{t('asked', lang)}{answer.question}", "", plain_answer(answer)]
    for citation in answer.citations:
        doc = citation.doc
        lines += ["", f"[{citation.number}] {citation_heading(doc, citation.clause, lang)}"]
        lines.append(f"{t('status', lang)}{status_text(citation.status, lang)}")
        lines.append(_safe_text(full_text, citation.clause.clause_id))
        if citation.text_en and lang == "en":
            lines += [citation.text_en, t("prevails", lang)]
        if _WEB_ADDRESS.fullmatch(doc.url or ""):
            lines.append(f"{t('official_text', lang)}: {doc.url}")
    lines += ["", t("disclaimer", lang)]
    return "\n".join(lines)
