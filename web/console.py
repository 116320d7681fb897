"""The staff console (Gradio Blocks at "/staff", behind a login): what the hotline needs, fast.

Retrieval details per question, the answer in both languages, document facts, clause lookup by
document and label, each document's clause tree, the content gaps from the query log, adding a
document (web/upload.py) and correcting or unpublishing one (web/editing.py), each with a rebuild that goes
live without a restart.
"""

from __future__ import annotations

import gradio as gr

from bot import PolicyBot
from bot.render import citation_heading, label_en, status_text
from core.config import Settings
from core.schema import Answer, DocumentInfo
from web.answering import ask
from web.cards import answer_html, esc
from web.editing import edit_tab
from web.holder import BotHolder, as_holder
from web.i18n import badge
from web.lookup import Lookup, ReferenceNotFound, catalogue_numbers, find_clause, outline, paragraph_text
from web.querylog import LogEntry, QueryLog
from web.updates import Updater
from web.upload import upload_tab

LOOKUP_EXAMPLES = (
    "003 四、（十二）",
    "药品管理法 第三十条",
    "外商投资法 Article 16",
    "京政办发〔2024〕14号 二、（二）6.",
)


def build_console(
    bot: PolicyBot | BotHolder,
    querylog: QueryLog,
    numbers: dict[str, str],
    settings: Settings,
    updater: Updater | None = None,
) -> gr.Blocks:
    """The console; every handler reads the live bot per request, so it follows index updates at once."""
    holder = as_holder(bot)
    updater = updater or Updater(holder, settings)
    today = settings.today_date()
    catalogue = [(holder.current, numbers)]  # numbers for the live bot; recomputed after an update

    def live() -> tuple[PolicyBot, dict[str, str]]:
        current = holder.current
        if catalogue[0][0] is not current:
            catalogue[0] = (current, catalogue_numbers(settings.data_dir))
        return catalogue[0]

    def facts(doc: DocumentInfo, numbers: dict[str, str]) -> str:
        return facts_html(doc, doc.status_on(today), numbers.get(doc.doc_id, ""))

    def on_ask(question: str) -> list[str]:
        question = (question or "").strip()
        if not question:
            return ["", "", "", ""]
        bot, numbers = live()
        answers = [ask(bot, question, lang) for lang in ("zh", "en")]
        cited = {c.doc.doc_id: c.doc for a in answers for c in a.citations}
        return [
            answer_html(answers[0], bot.index.full_text),
            answer_html(answers[1], bot.index.full_text),
            retrieved_html(answers[0], bot.index.retrievers, numbers) + notes_html(answers),
            "".join(facts(doc, numbers) for doc in cited.values()),
        ]

    def on_lookup(reference: str) -> str:
        bot, numbers = live()
        try:
            found = find_clause(reference, bot.index.documents, bot.index.clauses, numbers)
        except ReferenceNotFound as exc:
            return f'<p class="pb-note">{esc(str(exc))}</p>'
        return lookup_html(found, bot, facts(found.doc, numbers), found.doc.status_on(today))

    def on_document(doc_id: str) -> str:
        bot, numbers = live()
        if doc_id not in bot.index.documents:
            return ""
        return facts(bot.index.documents[doc_id], numbers) + tree_html(bot, doc_id)

    def on_gaps() -> str:
        return gaps_html(querylog.gaps(100), querylog.counts())

    def on_refresh() -> list:
        bot, numbers = live()
        return [status_html(bot, settings), gr.update(choices=document_choices(bot, numbers))]

    choices = document_choices(holder.current, numbers)
    # Uploaded files are copied into data/ on confirm; Gradio's temporary copies go after a day.
    with gr.Blocks(
        title="policybot · 坐席控制台 Staff console", analytics_enabled=False, delete_cache=(3600, 86400)
    ) as console:
        header = gr.HTML(status_html(holder.current, settings))
        with gr.Tabs():
            with gr.Tab("问答分析 · Ask", id="ask"):
                question = gr.Textbox(label="问题 · Question", elem_id="pb-staff-question", max_length=2000)
                ask_button = gr.Button("分析 · Analyse", variant="primary", elem_id="pb-staff-ask")
                with gr.Row():
                    zh = gr.HTML(elem_id="pb-staff-zh")
                    en = gr.HTML(elem_id="pb-staff-en")
                retrieved = gr.HTML(elem_id="pb-staff-retrieved")
                cited_facts = gr.HTML(elem_id="pb-staff-facts")
            with gr.Tab("条款查询 · Clause lookup", id="lookup"):
                reference = gr.Textbox(
                    label="文件 + 条款 · Document + clause",
                    placeholder="003 四、（十二） · 药品管理法 第三十条 · fil 第三条",
                    info="文件可写编号（000–014）、文件ID、文号、标题或标题中的唯一片段。"
                    " Name the document by catalogue number, id, document number or a unique part of its title.",
                    elem_id="pb-lookup",
                )
                lookup_button = gr.Button("查询 · Look up", variant="primary", elem_id="pb-lookup-go")
                gr.Examples([[x] for x in LOOKUP_EXAMPLES], inputs=[reference], label="示例 · Examples")
                lookup_result = gr.HTML(elem_id="pb-lookup-result")
            with gr.Tab("文件 · Documents", id="documents"):
                document = gr.Dropdown(choices, value=choices[0][1] if choices else None, label="文件 · Document")
                document_view = gr.HTML(elem_id="pb-document")
            with gr.Tab("内容缺口 · Content gaps", id="gaps") as gaps_tab:
                refresh = gr.Button("刷新 · Refresh", size="sm")
                gaps = gr.HTML(elem_id="pb-gaps")
            upload_tab(updater, on_refresh, [header, document])
            edit_tab(updater, lambda: holder.current.index.documents, on_refresh, [header, document])

        hidden = {"api_visibility": "undocumented"}
        for trigger in (question.submit, ask_button.click):
            trigger(on_ask, [question], [zh, en, retrieved, cited_facts], **hidden)
        for trigger in (reference.submit, lookup_button.click):
            trigger(on_lookup, [reference], [lookup_result], **hidden)
        document.change(on_document, [document], [document_view], **hidden)
        for trigger in (refresh.click, gaps_tab.select):
            trigger(on_gaps, None, [gaps], **hidden)
        # A page opened after an update was built with the old choices: refresh them from the live bot.
        console.load(on_refresh, None, [header, document], **hidden).then(
            on_document, [document], [document_view], **hidden
        ).then(on_gaps, None, [gaps], **hidden)
    return console


def document_choices(bot: PolicyBot, numbers: dict[str, str]) -> list[tuple[str, str]]:
    """Dropdown entries "000 · short title", in catalogue order (documents without a number last)."""
    ordered = sorted(bot.index.documents.values(), key=lambda d: (numbers.get(d.doc_id, "999"), d.doc_id))
    return [(f"{numbers.get(d.doc_id, '—')} · {d.short_title or d.title}", d.doc_id) for d in ordered]


def status_html(bot: PolicyBot, settings: Settings) -> str:
    index = bot.index
    manifest = index.manifest
    parts = [
        f"{len(index.documents)} documents",
        f"{len({c.clause_id for c in index.clauses})} clauses",
        f"retrievers: {', '.join(index.retrievers)}",
        f"index built {manifest.get('built_at', '?')}",
        f"LLM: {settings.llm_model if settings.llm_enabled else 'off (extractive answers)'}",
    ]
    return (
        '<div class="pb-header"><div class="pb-mark">ZLSP</div><div>'
        '<h1 class="pb-app-title">坐席控制台 · Staff console</h1>'
        f'<p class="pb-subtitle-line">{esc(" · ".join(parts))} · <a href="/staff/logout">退出 · Log out</a></p>'
        "</div></div>"
    )


def facts_html(doc: DocumentInfo, status: str, number: str) -> str:
    """Everything the hotline reads out about a document (values escaped here)."""
    rows = [
        ("编号 · No.", esc(f"{number} · {doc.doc_id}" if number else doc.doc_id)),
        ("标题 · Title", esc(f"《{doc.title}》") + (f"<br>{esc(doc.title_en)}" if doc.title_en else "")),
        ("文号 · Document number", esc(doc.doc_number or "无 · none")),
        ("发文机关 · Issuer", esc(" / ".join(x for x in (doc.issuer, doc.issuer_en) if x) or "未写明 · not stated")),
        ("印发日期 · Issued", esc(doc.date_issued or "—")),
        ("施行日期 · In force from", esc(doc.effective_from or "—")),
        ("有效期至 · Valid until", esc(doc.valid_until or "—")),
        ("状态 · Status", esc(f"{status_text(status, 'zh')} · {status_text(status, 'en')}")),
        ("同时废止 · Repeals", "<br>".join(esc(r) for r in doc.repeals) or "—"),
        ("备注 · Note", esc(doc.note)),
    ]
    body = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows if value)
    return f'<dl class="pb-facts pb-doc-facts" data-doc="{esc(doc.doc_id)}">{body}</dl>'


def retrieved_html(answer: Answer, retrievers: list[str], numbers: dict[str, str]) -> str:
    """Retrieved clauses: fused rank, score, each retriever's rank, and which were cited."""
    cited = {c.clause.clause_id: c.number for c in answer.citations}
    head = "".join(f"<th>{esc(r)}</th>" for r in retrievers)
    rows = []
    for rank, hit in enumerate(answer.retrieved, start=1):
        ranks = dict(hit.ranks)
        marker = f"[{cited[hit.clause.clause_id]}]" if hit.clause.clause_id in cited else ""
        rows.append(
            f'<tr class="{"pb-cited" if marker else ""}"><td>{rank}</td><td>{hit.score:.4f}</td>'
            + "".join(f"<td>{ranks.get(r, '—')}</td>" for r in retrievers)
            + f"<td>{esc(numbers.get(hit.clause.doc_id, ''))} {esc(hit.clause.doc_id)}</td>"
            f"<td>{esc(hit.clause.label)}</td><td>{marker}</td><td>{esc(hit.clause.text[:90])}…</td></tr>"
        )
    return (
        '<table class="pb-console-table pb-retrieved"><thead><tr><th>fused rank</th><th>score</th>'
        f"{head}<th>document</th><th>clause</th><th>cited</th><th>text</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def notes_html(answers: list[Answer]) -> str:
    lines = []
    for answer in answers:
        timing = ", ".join(f"{k} {v:.0f} ms" for k, v in answer.timing_ms)
        lines.append(f"{answer.lang}: {'; '.join(answer.notes) or '—'} · {timing}")
    return '<p class="pb-subtitle-line">' + "<br>".join(esc(line) for line in lines) + "</p>"


def lookup_html(found: Lookup, bot: PolicyBot, facts: str, status: str) -> str:
    if found.clause is None:
        return facts + tree_html(bot, found.doc.doc_id)
    clause = found.clause
    english = " ".join(bot.index.english_sentences(clause.clause_id))
    path = " › ".join(x for x in (*clause.headings, clause.heading) if x)
    full = bot.index.full_text(clause.clause_id)
    paragraph = (
        f'<p class="pb-clause-label">第{found.paragraph}款 · Paragraph {found.paragraph}</p>'
        f'<div class="pb-lookup-text pb-paragraph" lang="zh">{esc(paragraph_text(full, found.paragraph))}</div>'
        '<p class="pb-clause-label">全条 · Whole article</p>'
        if found.paragraph
        else ""
    )
    return (
        f'<div class="pb-lookup" data-clause="{esc(clause.clause_id)}">'
        f"<h3>{esc(citation_heading(found.doc, clause, 'zh'))} {_badge(status)}</h3>"
        f'<p class="pb-subtitle-line">{esc(citation_heading(found.doc, clause, "en"))}'
        f"{' · ' + esc(path) if path else ''} · <code>{esc(clause.clause_id)}</code></p>"
        f'{paragraph}<div class="pb-lookup-text" lang="zh">{esc(full)}</div>'
        + (
            f'<p class="pb-clause-label">English ({esc(label_en(clause))}), unofficial; the Chinese original prevails</p>'
            f'<div class="pb-lookup-text" lang="en">{esc(english)}</div>'
            if english
            else ""
        )
        + f"</div>{facts}"
    )


def tree_html(bot: PolicyBot, doc_id: str) -> str:
    """The document's clause tree; each clause opens to its full text."""
    rows = []
    for row in outline(c for c in bot.index.clauses if c.doc_id == doc_id):
        title = esc(" ".join(x for x in (row.label, row.heading) if x))
        if not row.clause_id:
            rows.append(f'<div class="pb-group" style="--depth:{row.depth}">{title}</div>')
            continue
        text = bot.index.full_text(row.clause_id)
        rows.append(
            f'<details style="--depth:{row.depth}" data-clause="{esc(row.clause_id)}"><summary>{title} '
            f'<span class="pb-muted">{esc(" ".join(text.split())[:40])}…</span></summary>'
            f'<div class="pb-lookup-text">{esc(text)}</div></details>'
        )
    return f'<div class="pb-tree">{"".join(rows)}</div>'


def gaps_html(entries: list[LogEntry], counts: dict[str, int]) -> str:
    """Recent declined or down-voted questions: what the documents (or the bot) do not cover yet."""
    summary = (
        f"answered {counts['answered']} · declined {counts['declined']} · errors {counts['error']} · "
        f"👍 {counts['helpful']} · 👎 {counts['not_helpful']}"
    )
    rows = "".join(
        f"<tr><td>{esc(e.asked_at.replace('T', ' ')[:16])}</td><td>{esc(e.question)}</td><td>{esc(e.lang)}</td>"
        f"<td>{esc(e.status)}</td><td>{_rating(e.feedback)}</td><td>{esc(e.comment)}</td>"
        f"<td>{esc(', '.join(e.clause_ids))}</td></tr>"
        for e in entries
    )
    return (
        f'<p class="pb-subtitle-line">{esc(summary)}</p>'
        '<table class="pb-console-table pb-gaps"><thead><tr><th>time (UTC)</th><th>question</th><th>lang</th>'
        "<th>status</th><th>feedback</th><th>comment</th><th>cited</th></tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=7>—</td></tr>'}</tbody></table>"
    )


def _badge(status: str) -> str:
    return (
        f'<span class="pb-badge pb-badge-{esc(status)}">{esc(badge(status, "zh"))} · {esc(badge(status, "en"))}</span>'
    )


def _rating(feedback: int | None) -> str:
    return {1: "👍", -1: "👎"}.get(feedback, "") if feedback is not None else ""
