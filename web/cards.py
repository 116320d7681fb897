"""Answers as HTML for the chat: text with [n] markers, warnings, one card per citation.

Everything taken from a question, an answer or a clause is escaped here: texts may contain `<script>`.
The HTML is one line with no blank lines, so the chat's Markdown renderer keeps it as a single HTML block.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from bot.render import citation_heading, document_name, status_text
from core.schema import Answer, Citation, Highlight
from web.i18n import badge, t

FullText = Callable[[str], str]
_MARKER = re.compile(r"\[(\d{1,2})\]")


def esc(text: str) -> str:
    """Escaped text with line breaks kept as <br>."""
    return html.escape(text or "", quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def with_markers(escaped: str) -> str:
    """[1] -> a small numbered marker that matches the card number."""
    return _MARKER.sub(r'<span class="pb-ref" title="[\1]">\1</span>', escaped)


def answer_html(answer: Answer, full_text: FullText) -> str:
    """The whole assistant message: answer, warnings, citation cards (or the plain decline)."""
    lang = answer.lang
    warnings = "".join(f'<div class="pb-warning" role="note">⚠️ {esc(w)}</div>' for w in answer.warnings)
    if answer.declined:
        return (
            f'<div class="pb-answer pb-declined" lang="{lang}">'
            f'<div class="pb-declined-title">{esc(t("declined_title", lang))}</div>'
            f'<div class="pb-text">{esc(answer.text)}</div>{warnings}</div>'
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
        f'<div class="pb-answer" lang="{lang}">{short}{warnings}'
        f'<div class="pb-text">{with_markers(esc(rest))}</div>'
        f'<div class="pb-cards">{cards}</div></div>'
    )


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
        f"{''.join(f'<span>{esc(f)}</span>' for f in facts if f)}</div>"
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
