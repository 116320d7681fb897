"""The console's "Add a document" tab: check an uploaded file, show its clause tree, confirm, rebuild live.

The handlers are plain functions (the tests call them directly): `check_upload` parses and changes
nothing; `confirm_upload` checks again (the file, its name and folder must be the ones the staff member
saw) and starts the background update; `progress_html` shows how it went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from bot.render import status_text
from core.config import Settings
from core.errors import IngestError, PolicybotError
from ingest import SUPPORTED_SUFFIXES
from ingest.add import DEFAULT_FOLDER, AddPlan, plan_add, tree_lines
from web.cards import esc
from web.updates import Progress, Updater

log = logging.getLogger(__name__)
FOLDERS = (DEFAULT_FOLDER, "laws")
BUSY = "已有索引重建在进行中，请稍候。 · A rebuild is running; wait for it to finish."
UNCHANGED = "数据文件夹和在用索引均未改动。 · Nothing was changed: the data folder and the live index are as they were."


def check_upload(path: str | None, settings: Settings, name: str = "", folder: str = DEFAULT_FOLDER) -> tuple[str, str]:
    """HTML for the staff member (the clause tree, or why the file is refused) and the key to confirm with."""
    if not path:
        return _note("请先选择文件。 · Choose a file first."), ""
    try:
        plan = _plan(path, settings, name, folder)
    except PolicybotError as exc:
        return refusal_html(Path(path).name, exc), ""
    return plan_html(plan, settings.llm_enabled), confirm_key(plan, name, folder)


def confirm_upload(
    path: str | None, key: str, updater: Updater, name: str = "", folder: str = DEFAULT_FOLDER
) -> tuple[str, bool]:
    """Start adding the checked file and rebuilding: HTML saying so (or why not; then nothing changes), started?"""
    if updater.running:
        return _note(BUSY), False
    if not path or not key:
        return _note("请先上传文件并点“检查”。 · Upload a file and press Check first."), False
    try:
        plan = _plan(path, updater.settings, name, folder)
    except PolicybotError as exc:  # e.g. the same file was added from the command line meanwhile
        return refusal_html(Path(path).name, exc), False
    if confirm_key(plan, name, folder) != key:
        return _note(
            "文件、保存名或文件夹在检查后有变化，请重新检查。 · The file, name or folder changed: press Check again."
        ), False
    if not updater.start_add(plan):
        return _note(BUSY), False
    return progress_html(updater.progress), True


def confirm_key(plan: AddPlan, name: str, folder: str) -> str:
    """What was checked: the file's bytes and where it goes; confirming anything else is refused."""
    return f"{plan.sha256}|{name.strip()}|{folder}"


def _plan(path: str, settings: Settings, name: str, folder: str) -> AddPlan:
    try:
        return plan_add(
            Path(path), settings.data_dir, name.strip() or None, folder, settings.max_upload_mb * 1024 * 1024
        )
    except PolicybotError:
        raise
    except Exception as exc:  # a parser bug must not look like a crash to the staff member
        log.exception("checking %s failed", path)
        raise IngestError(path, f"the file could not be read ({type(exc).__name__})") from exc


QUESTIONS_BY_LLM = "由已配置的大模型逐条编写并检查 · written clause by clause by the configured LLM, then checked"
QUESTIONS_WITHOUT_LLM = (
    "未配置大模型：仅按条文原文检索 · no LLM configured: searched by its own text only "
    "(python -m bot expand DOC writes them later)"
)


def plan_html(plan: AddPlan, llm_configured: bool = False) -> str:
    """The detected title and status, what it supersedes, whether the LLM will write the questions people would
    ask of it, and the clause tree, all escaped."""
    info = plan.document.info
    rows = [
        ("文件 · File", plan.source.name),
        ("标题 · Title", info.title or "（未识别 · not detected）"),
        ("状态 · Status", f"{status_text(info.status, 'zh')} · {status_text(info.status, 'en')}"),
        ("文号 · Number", info.doc_number or "—"),
        ("保存为 · Stored as", f"data/{info.source_file}  ({info.doc_id})"),
        ("条款 · Clauses", str(len({c.clause_id for c in plan.clauses}))),
    ]
    if plan.supersedes:
        rows.append(("新版本 · New version of", f"{plan.supersedes} ({plan.supersedes_file}): marked superseded"))
    rows.append(("常见问法 · Questions people ask", QUESTIONS_BY_LLM if llm_configured else QUESTIONS_WITHOUT_LLM))
    facts = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    tree = "\n".join(tree_lines(plan))
    return (
        f'<div class="pb-upload-plan"><dl class="pb-facts">{facts}</dl>'
        f'<pre class="pb-upload-tree">{esc(tree)}</pre>'
        '<p class="pb-subtitle-line">核对条款树后点“确认并重建”。 · Check the clause tree, then press Confirm and rebuild.</p></div>'
    )


def refusal_html(file_name: str, exc: PolicybotError) -> str:
    reason = exc.reason if isinstance(exc, IngestError) else str(exc)
    return (
        f'<div class="pb-answer pb-error pb-upload-refused"><p><strong>{esc(file_name)}</strong>: {esc(reason)}</p>'
        f"<p>{esc(UNCHANGED)}</p></div>"
    )


def progress_html(progress: Progress) -> str:
    labels = {"building": "重建中 · Building", "live": "已上线 · Live", "failed": "失败 · Failed"}
    if progress.state not in labels:
        return ""
    return (
        f'<div class="pb-rebuild pb-rebuild-{esc(progress.state)}"><strong>{esc(labels[progress.state])}</strong>: '
        f"{esc(progress.message)}</div>"
    )


def _note(text: str) -> str:
    return f'<p class="pb-note">{esc(text)}</p>'


def upload_tab(updater: Updater, refresh: Callable[[], list], refreshed: list[gr.components.Component]) -> None:
    """The tab's components and events (inside the console's Tabs); `refresh` updates `refreshed` once live."""
    settings = updater.settings
    with gr.Tab("添加文件 · Add a document", id="add") as tab:
        gr.Markdown(
            "上传后先检查条款树，确认后在现有索引旁重建并原子切换；重建期间照常答题，失败则不作任何改动。"
            " Check the clause tree first; confirming builds a new index beside the live one and switches to it."
            " Questions are answered throughout; a failed build changes nothing."
        )
        upload = gr.File(
            label=f"文件 · File ({', '.join(SUPPORTED_SUFFIXES)}; ≤ {settings.max_upload_mb} MB)",
            file_types=list(SUPPORTED_SUFFIXES),
            type="filepath",
            elem_id="pb-upload",
        )
        with gr.Row():
            name = gr.Textbox(
                label="保存为（可选） · Store as (optional)", placeholder="my-new-plan.pdf", max_length=150
            )
            folder = gr.Dropdown(list(FOLDERS), value=DEFAULT_FOLDER, label="文件夹 · Folder under data/")
        check = gr.Button("检查 · Check", elem_id="pb-upload-check")
        plan_view = gr.HTML(elem_id="pb-upload-plan")
        confirm = gr.Button("确认并重建 · Confirm and rebuild", variant="primary", elem_id="pb-upload-confirm")
        status = gr.HTML(progress_html(updater.progress), elem_id="pb-rebuild-status")
        reload = gr.Button("从磁盘重新加载索引 · Reload index from disk", size="sm", elem_id="pb-reload")
        checked = gr.State("")  # confirm_key of what the staff member saw; "" = nothing checked
        poll = gr.Timer(1.0, active=False)

    def on_check(path: str | None, store_as: str, where: str) -> list:
        return list(check_upload(path, settings, store_as or "", where))

    def on_confirm(path: str | None, store_as: str, where: str, key: str) -> list:
        html, started = confirm_upload(path, key, updater, store_as or "", where)
        # Poll only a started update (a refusal stays on screen); a fast one may be over by the first tick.
        return [html, gr.Timer(active=True) if started else gr.skip()]

    def on_reload() -> list:
        started = updater.start_reload()
        return [
            progress_html(updater.progress) if started else _note(BUSY),
            gr.Timer(active=True) if started else gr.skip(),
        ]

    def on_poll() -> list:
        if updater.running:
            return [progress_html(updater.progress), gr.skip(), *(gr.skip() for _ in refreshed)]
        return [progress_html(updater.progress), gr.Timer(active=False), *refresh()]

    quiet = {"api_visibility": "private"}  # the browser calls these by number; no API client by name
    for changed in (upload.change, name.change, folder.change):
        changed(lambda: ["", ""], None, [plan_view, checked], show_progress="hidden", **quiet)
    check.click(on_check, [upload, name, folder], [plan_view, checked], **quiet)
    # The status line says what is happening: no spinner over it.
    confirm.click(on_confirm, [upload, name, folder, checked], [status, poll], show_progress="hidden", **quiet)
    reload.click(on_reload, None, [status, poll], show_progress="hidden", **quiet)
    poll.tick(on_poll, None, [status, poll, *refreshed], show_progress="hidden", **quiet)
    tab.select(lambda: progress_html(updater.progress), None, [status], show_progress="hidden", **quiet)
