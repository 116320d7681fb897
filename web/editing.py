"""The console's "Edit facts" tab: correct a document's catalogue facts, unpublish it or publish it again.

The handlers are plain functions (the tests call them directly): `preview_edit` checks the values and shows
the exact change to `data/catalog.yaml` (escaped), changing nothing; `confirm_edit` works the change out
again, refuses it unless it is exactly the one shown (same values, same catalogue), and starts the
background update (web/updates.py: atomic write under the cross-process update lock, rebuild, swap). An
unpublished document keeps its file and its entry; it is left out of the index, so out of retrieval and
citations, until it is published again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import gradio as gr

from bot.render import status_text
from core.config import Settings
from core.errors import PolicybotError
from core.schema import STATUSES, DocumentInfo
from ingest.edit import EDITABLE, EditPlan, current_facts, editable_documents, plan_edit
from web.cards import esc
from web.lookup import catalogue_numbers
from web.updates import Updater
from web.upload import BUSY, progress_html

log = logging.getLogger(__name__)
UNCHANGED = "目录文件和在用索引均未改动。 · Nothing was changed: catalog.yaml and the live index are as they were."
LABELS = {
    "title": "标题 · Title",
    "title_en": "英文标题 · English title",
    "short_title": "简称 · Short title",
    "short_title_en": "英文简称 · English short title",
    "issuer": "发文机关 · Issuer",
    "issuer_en": "发文机关（英文） · Issuer (English)",
    "doc_number": "文号 · Document number",
    "date_issued": "印发日期 · Issued (YYYY-MM-DD)",
    "effective_from": "施行日期 · In force from (YYYY-MM-DD)",
    "valid_until": "有效期至 · Valid until (YYYY-MM-DD)",
    "url": "官方原文网址 · Official text address (https://…)",
    "status": "状态 · Status",
    "note": "备注 · Note",
    "published": "已发布：参与检索和引用（取消勾选即下架，文件与记录保留） · Published: in retrieval and citations"
    " (untick to unpublish; the file and its entry stay)",
}
TEXT_KEYS = tuple(k for k in EDITABLE if k not in ("status", "published"))


def document_options(settings: Settings, indexed: Mapping[str, DocumentInfo]) -> list[tuple[str, str]]:
    """Dropdown entries "003 · short title", unpublished ones marked; catalogue order, then uncatalogued ones."""
    numbers = catalogue_numbers(settings.data_dir)
    return [
        (f"{numbers.get(doc_id, '—')} · {title}" + ("" if published else " · 已下架 unpublished"), doc_id)
        for doc_id, title, published in editable_documents(settings.data_dir, indexed)
    ]


def form_values(settings: Settings, doc_id: str | None) -> list:
    """The form's fields (EDITABLE order) for a document: its facts as they stand."""
    if not doc_id:
        return ["" for _ in TEXT_KEYS] + [None, True]
    facts = current_facts(settings.data_dir, doc_id)
    return [facts[key] for key in EDITABLE]


def preview_edit(settings: Settings, doc_id: str | None, values: Mapping[str, object]) -> tuple[str, str]:
    """HTML with the exact catalogue change (or why it is refused) and the key to confirm it with."""
    if not doc_id:
        return _note("请先选择文件。 · Choose a document first."), ""
    try:
        plan = _plan(settings, doc_id, values)
    except PolicybotError as exc:
        return refusal_html(doc_id, exc), ""
    return plan_html(plan), plan.key


def confirm_edit(updater: Updater, doc_id: str | None, values: Mapping[str, object], key: str) -> tuple[str, bool]:
    """Start saving the shown change and rebuilding: HTML saying so (or why not; then nothing changes), started?"""
    if updater.running:
        return _note(BUSY), False
    if not doc_id or not key:
        return _note("请先点“显示改动”。 · Press Show the change first."), False
    try:
        plan = _plan(updater.settings, doc_id, values)
    except PolicybotError as exc:
        return refusal_html(doc_id, exc), False
    if plan.key != key:  # other values, or catalog.yaml changed (CLI, another worker) since the diff was shown
        return _note(
            "改动与显示的不一致（值或目录文件已变），请重新显示改动。"
            " · The values or catalog.yaml changed since the change was shown: press Show the change again."
        ), False
    if not updater.start_edit(plan):
        return _note(BUSY), False
    return progress_html(updater.progress), True


def _plan(settings: Settings, doc_id: str, values: Mapping[str, object]) -> EditPlan:
    try:
        return plan_edit(settings.data_dir, doc_id, values)
    except PolicybotError:
        raise
    except Exception as exc:  # a bug must not look like a crash to the staff member
        log.exception("planning an edit of %s failed", doc_id)
        raise PolicybotError(f"the change could not be worked out ({type(exc).__name__})") from exc


def plan_html(plan: EditPlan) -> str:
    """What changes, and the catalogue diff line by line (escaped; + lines and - lines marked)."""
    rows = []
    for line in plan.diff.splitlines():
        kind = "add" if line.startswith("+") and not line.startswith("+++") else ""
        kind = "del" if line.startswith("-") and not line.startswith("---") else kind
        rows.append(f'<span class="pb-diff-{kind}">{esc(line)}</span>' if kind else esc(line))
    created = (
        " · 新建目录条目 · a catalogue entry is added (its facts were detected in the text)" if plan.created else ""
    )
    changes = "".join(
        f"<li><code>{esc(key)}</code>: {esc(_shown(key, old))} → <strong>{esc(_shown(key, new))}</strong></li>"
        for key, old, new in plan.changes
    )
    return (
        f'<div class="pb-edit-plan"><p><strong>{esc(plan.doc_id)}</strong> (data/{esc(plan.source_file)}){created}</p>'
        f"<ul>{changes}</ul>"
        f'<pre class="pb-edit-diff">{chr(10).join(rows)}</pre>'
        '<p class="pb-subtitle-line">核对改动后点“确认保存并重建”。 · Check the change, then press Confirm, save and rebuild.'
        "</p></div>"
    )


def refusal_html(doc_id: str, exc: PolicybotError) -> str:
    return (
        f'<div class="pb-answer pb-error pb-edit-refused"><p><strong>{esc(doc_id)}</strong>: {esc(str(exc))}</p>'
        f"<p>{esc(UNCHANGED)}</p></div>"
    )


def _shown(key: str, value: object) -> str:
    if value is None:
        return "（空 · none）"
    if key == "published":
        return "已发布 · published" if value else "已下架 · unpublished"
    if key == "status":
        return f"{status_text(str(value), 'zh')} · {value}"
    return str(value)


def _note(text: str) -> str:
    return f'<p class="pb-note">{esc(text)}</p>'


def edit_tab(
    updater: Updater,
    indexed: Callable[[], Mapping[str, DocumentInfo]],
    refresh: Callable[[], list],
    refreshed: list[gr.components.Component],
) -> None:
    """The tab's components and events (inside the console's Tabs); `refresh` updates `refreshed` once live."""
    settings = updater.settings
    with gr.Tab("更正与下架 · Edit facts", id="edit") as tab:
        gr.Markdown(
            "更正文件的目录信息或将其下架。先显示对 `data/catalog.yaml` 的改动，确认后写入并在现有索引旁重建；"
            "下架的文件不再被检索和引用，文件和目录条目保留，可重新发布。"
            " Correct a document's catalogue facts, or unpublish it: the change to `data/catalog.yaml` is shown"
            " first; confirming saves it and rebuilds beside the live index. An unpublished document is left out of"
            " retrieval and citations; its file and entry stay, and it can be published again."
        )
        choice = gr.Dropdown([], label="文件 · Document", elem_id="pb-edit-doc")
        fields: dict[str, gr.components.Component] = {}
        with gr.Row():
            for key in ("title", "title_en"):
                fields[key] = gr.Textbox(label=LABELS[key], max_length=300, elem_id=f"pb-edit-{key}")
        with gr.Row():
            for key in ("short_title", "short_title_en", "doc_number"):
                fields[key] = gr.Textbox(label=LABELS[key], max_length=300, elem_id=f"pb-edit-{key}")
        with gr.Row():
            for key in ("issuer", "issuer_en"):
                fields[key] = gr.Textbox(label=LABELS[key], max_length=300, elem_id=f"pb-edit-{key}")
        with gr.Row():
            for key in ("date_issued", "effective_from", "valid_until"):
                fields[key] = gr.Textbox(label=LABELS[key], max_length=20, elem_id=f"pb-edit-{key}")
            fields["status"] = gr.Dropdown(list(STATUSES), label=LABELS["status"], elem_id="pb-edit-status")
        fields["url"] = gr.Textbox(label=LABELS["url"], max_length=300, elem_id="pb-edit-url")
        fields["note"] = gr.Textbox(label=LABELS["note"], max_length=2000, lines=2, elem_id="pb-edit-note")
        fields["published"] = gr.Checkbox(value=True, label=LABELS["published"], elem_id="pb-edit-published")
        show = gr.Button("显示改动 · Show the change", elem_id="pb-edit-show")
        plan_view = gr.HTML(elem_id="pb-edit-plan")
        confirm = gr.Button("确认保存并重建 · Confirm, save and rebuild", variant="primary", elem_id="pb-edit-confirm")
        status = gr.HTML(elem_id="pb-edit-status-line")
        shown = gr.State("")  # EditPlan.key of the change the staff member saw; "" = none shown
        poll = gr.Timer(1.0, active=False)
    inputs = [fields[key] for key in EDITABLE]

    def values(*args: object) -> dict[str, object]:
        return dict(zip(EDITABLE, args, strict=True))

    def options(selected: str | None = None) -> dict:
        choices = document_options(settings, indexed())
        ids = [doc_id for _, doc_id in choices]
        return gr.update(choices=choices, value=selected if selected in ids else (ids[0] if ids else None))

    def on_select(doc_id: str | None) -> list:
        try:
            return [*form_values(settings, doc_id), "", ""]
        except PolicybotError as exc:
            return [*form_values(settings, None), refusal_html(doc_id or "", exc), ""]

    def on_show(doc_id: str | None, *args: object) -> list:
        return list(preview_edit(settings, doc_id, values(*args)))

    def on_confirm(doc_id: str | None, key: str, *args: object) -> list:
        html, started = confirm_edit(updater, doc_id, values(*args), key)
        return [html, gr.Timer(active=True) if started else gr.skip(), "" if started else gr.skip()]

    def on_poll(doc_id: str | None) -> list:
        if updater.running:
            return [progress_html(updater.progress), gr.skip(), gr.skip(), *(gr.skip() for _ in refreshed)]
        return [progress_html(updater.progress), gr.Timer(active=False), options(doc_id), *refresh()]

    quiet = {"api_visibility": "private"}
    tab.select(lambda doc_id: options(doc_id), [choice], [choice], **quiet)
    choice.change(on_select, [choice], [*inputs, plan_view, shown], **quiet)
    for component in inputs:  # a value edited after the diff was shown must be shown again before saving
        component.input(lambda: ["", ""], None, [plan_view, shown], show_progress="hidden", **quiet)
    show.click(on_show, [choice, *inputs], [plan_view, shown], **quiet)
    confirm.click(on_confirm, [choice, shown, *inputs], [status, poll, plan_view], show_progress="hidden", **quiet)
    poll.tick(on_poll, [choice], [status, poll, choice, *refreshed], show_progress="hidden", **quiet)
