"""The public chat (Gradio Blocks at "/"): questions in Chinese or English, answers with citation cards."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import gradio as gr

from bot import PolicyBot
from core.schema import Answer
from web.answering import answer_events, answer_lang, record, record_error
from web.cards import answer_html, error_html, esc, partial_html, plain_answer, user_html
from web.holder import BotHolder, as_holder
from web.i18n import pick_lang, t
from web.persist import STORAGE_KEY, restore, snapshot
from web.querylog import QueryLog
from web.ratelimit import RateLimiter
from web.suggest import MAX_SUGGESTIONS, suggestions

log = logging.getLogger(__name__)
EXAMPLES = {
    "examples_enterprise": (
        "外资研发中心有什么资金支持？",
        "建设细胞与基因治疗公共服务平台能支持多少钱？",
        "临床试验启动时间要压缩到多久？",
    ),
    "examples_investor": (
        "Is there funding for a multinational R&D centre?",
        "Can foreign-invested enterprises take part in government procurement?",
        "How are foreign investors' profits remitted abroad?",
    ),
    "examples_hotline": (
        "京政办发〔2024〕14号是哪个部门发的？",
        "药品上市许可持有人应当承担哪些责任？",
        "人类遗传资源出境需要审批吗？",
    ),
}

# Runs in the browser. The page script (copy, print, save, framing an answer, storage) is installed on load;
# the other snippets call it. The interface language comes from the browser unless ?lang= or the switch says
# otherwise, and the stored conversation comes back with it.
PAGE_JS = (Path(__file__).resolve().parent / "assets" / "chat.js").read_text(encoding="utf-8")
PAGE_JS = PAGE_JS.replace("__STORAGE_KEY__", STORAGE_KEY)
LOAD_JS = f"""(x, s) => {{
  let saved = "";
  try {{ saved = localStorage.getItem("{STORAGE_KEY}") || ""; }} catch (e) {{ saved = ""; }}
  return [navigator.language || "", saved];
}}"""
COPY_JS = "(text) => { window.policybot.copy(text || window.policybot.lastPlain(), '#pb-copy'); return []; }"
COPY_ALL_JS = "() => { window.policybot.copy(window.policybot.transcript(), '#pb-copy-all'); return []; }"
SAVE_JS = "(text) => { window.policybot.store.save(text); window.policybot.frame(); return []; }"
CLEAR_JS = "() => { window.policybot.store.clear(); return []; }"
FRAME_JS = "() => { window.policybot?.frame(); return []; }"
COMMENT_JS = "() => { window.policybot.showComment(); return []; }"


def header_html(lang: str) -> str:
    """The park and the app's name; on a phone one line (the long names and the subtitle hide)."""
    return (
        '<header class="pb-header"><div class="pb-mark" aria-hidden="true">ZLSP</div><div class="pb-names">'
        '<div class="pb-park"><span lang="zh">中关村生命科学园</span>'
        '<span class="pb-park-en" lang="en">Zhongguancun Life Science Park</span></div>'
        f'<h1 class="pb-app-title"><span class="pb-title-long">{t("title", lang)}</span>'
        f'<span class="pb-title-short">{t("title_short", lang)}</span></h1>'
        f'<p class="pb-subtitle-line">{t("subtitle", lang)}</p></div></header>'
    )


def note_html(lang: str) -> str:
    """Under the question box: what the answers are (and are not), and where the conversation is kept."""
    return f'<p class="pb-disclaimer">{t("disclaimer", lang)} {t("stored_note", lang)}</p>'


def footer_html(bot: PolicyBot) -> str:
    index = bot.index
    corpus_line = (
        f"{len(index.documents)} documents · {len({c.clause_id for c in index.clauses})} clauses · "
        f"index {index.manifest.get('built_at', '')[:10]}"
    )
    return f'<footer class="pb-footer">{esc(corpus_line)}</footer>'


def build_chat(bot: PolicyBot | BotHolder, querylog: QueryLog, limiter: RateLimiter | None = None) -> gr.Blocks:
    """The public page; it holds nothing of the staff console. Each turn asks the live bot (see BotHolder)."""
    holder = as_holder(bot)

    with gr.Blocks(
        title="中关村生命科学园政策问答 · ZGC Life Science Park Policy Q&A", analytics_enabled=False
    ) as demo:
        ui_lang = gr.State("zh")
        locked = gr.State(False)  # True once the asker (switch, ?lang=) or the first question chose the language
        history = gr.State([])  # (question, answer text) pairs for follow-up questions
        # chat message index -> (query log id, feedback token), for 👍 / 👎. gr.State stays on the server, in
        # this browser session only: the token never reaches the page, and no other session can rate the answer.
        log_ids = gr.State({})
        pending = gr.State(None)  # (log id, token) the optional comment belongs to
        suggested = gr.State([])  # the follow-up questions offered under the last answer
        browser_lang = gr.Textbox(visible=False)
        stored = gr.Textbox(visible=False)  # the conversation as the browser keeps it (web/persist.py)

        with gr.Row(elem_classes="pb-top"):
            header = gr.HTML(header_html("zh"), elem_id="pb-header", scale=5)
            switch = gr.Radio(
                [("中文", "zh"), ("English", "en")],
                value="zh",
                show_label=False,
                elem_id="pb-lang",
                min_width=120,
                scale=0,
                container=False,
            )
        chatbot = gr.Chatbot(
            elem_id="pb-chat",
            show_label=False,
            height="52vh",
            min_height=300,
            buttons=[],
            feedback_options=("Like", "Dislike"),
            latex_delimiters=[],
            line_breaks=False,
            placeholder=t("chat_placeholder", "zh"),
            layout="panel",
            autoscroll=False,  # the page script frames each answer at its start (chat.js: frame)
        )
        with gr.Row(visible=False, elem_id="pb-feedback", equal_height=True) as feedback_row:
            comment = gr.Textbox(label=t("feedback_prompt", "zh"), elem_id="pb-comment", scale=6, max_length=1000)
            comment_send = gr.Button(t("feedback_send", "zh"), elem_id="pb-comment-send", scale=1, min_width=80)
        thanks = gr.Markdown("", elem_id="pb-thanks")
        with gr.Row(visible=False, elem_id="pb-suggest") as suggest_row:
            suggest_title = gr.Markdown(t("suggest_title", "zh"), elem_classes="pb-suggest-title")
            suggest_buttons = [
                gr.Button("", size="sm", visible=False, elem_classes="pb-suggestion") for _ in range(MAX_SUGGESTIONS)
            ]
        with gr.Row(elem_classes="pb-ask-row", equal_height=True):
            box = gr.Textbox(
                show_label=False,
                placeholder=t("placeholder", "zh"),
                elem_id="pb-question",
                scale=8,
                max_lines=6,
                max_length=10_000,
                autofocus=True,
            )
            send = gr.Button(t("ask", "zh"), variant="primary", elem_id="pb-send", scale=1, min_width=80)
        with gr.Row(elem_classes="pb-tools"):
            copy = gr.Button(t("copy", "zh"), size="sm", elem_id="pb-copy", scale=0, min_width=90)
            copy_all = gr.Button(t("copy_all", "zh"), size="sm", elem_id="pb-copy-all", scale=0, min_width=90)
            clear = gr.Button(t("clear_chat", "zh"), size="sm", elem_id="pb-clear", scale=0, min_width=90)
        note = gr.HTML(note_html("zh"), elem_id="pb-note")
        plain = gr.Textbox(visible=False, elem_id="pb-plain")

        example_titles, example_buttons = [], []
        with gr.Row(elem_classes="pb-examples"):
            for key, questions in EXAMPLES.items():
                with gr.Column(min_width=240, elem_classes="pb-example-group"):
                    example_titles.append(gr.Markdown(f"**{t(key, 'zh')}**", elem_classes="pb-example-title"))
                    for question in questions:
                        example_buttons.append(gr.Button(question, size="sm", elem_classes="pb-example"))

        footer = gr.HTML(footer_html(holder.current))

        labelled = [header, note, box, send, copy, copy_all, clear, comment, comment_send, suggest_title, chatbot]
        labelled += example_titles

        def relabel(lang: str) -> dict:
            labels = {key: t(key, lang) for key in ("ask", "copy", "copy_all", "clear_chat")}
            return {
                switch: gr.update(value=lang),
                header: gr.update(value=header_html(lang)),
                note: gr.update(value=note_html(lang)),
                box: gr.update(placeholder=t("placeholder", lang)),
                send: gr.update(value=labels["ask"]),
                copy: gr.update(value=labels["copy"]),
                copy_all: gr.update(value=labels["copy_all"]),
                clear: gr.update(value=labels["clear_chat"]),
                comment: gr.update(label=t("feedback_prompt", lang)),
                comment_send: gr.update(value=t("feedback_send", lang)),
                suggest_title: gr.update(value=t("suggest_title", lang)),
                chatbot: gr.update(placeholder=t("chat_placeholder", lang)),
                **{
                    title: gr.update(value=f"**{t(key, lang)}**")
                    for title, key in zip(example_titles, EXAMPLES, strict=True)
                },
            }

        def on_load(browser: str, saved: str, request: gr.Request) -> dict:
            asked = request.query_params.get("lang", "") if request else ""
            kept = restore(saved)
            lang = pick_lang(asked or (kept.lang if kept else "") or browser)
            labels = relabel(lang)
            if kept:  # the conversation this browser kept: shown again, and its history carries follow-ups
                labels[chatbot] = gr.update(value=kept.chat, placeholder=t("chat_placeholder", lang))
                labels[history] = kept.history
            return {ui_lang: lang, locked: bool(asked or kept), **labels}

        def on_switch(lang: str) -> dict:
            return {ui_lang: lang, locked: True, **relabel(lang)}

        def respond(question: str, chat: list, past: list, lang: str, chosen: bool, ids: dict, request: gr.Request):
            client = request.client.host if request is not None and request.client else "unknown"
            if limiter is not None and (question or "").strip() and not limiter.allow(client):
                busy = f'<div class="pb-answer pb-error"><div class="pb-text">{esc(limiter.message())}</div></div>'
                chat = [*chat, _message("user", user_html(question)), _message("assistant", busy)]
                yield [chat, "", past, lang, chosen, ids, gr.skip(), gr.skip(), []]
                return
            yield from converse(holder.current, querylog, question, chat, past, lang, chosen, ids)

        def after_answer(offered: list, chat: list, past: list, lang: str) -> list:
            return [*suggestion_updates(offered), snapshot(chat, past, lang)]

        def on_like(ids: dict, lang: str, data: gr.LikeData) -> list:
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            entry = ids.get(index)
            rating = 1 if data.liked is True else -1 if data.liked is False else None
            if entry:
                querylog.feedback(entry[0], rating, token=entry[1])
            shown = bool(entry) and rating is not None
            return [entry, gr.update(visible=shown), gr.update(value=""), t("feedback_thanks", lang) if entry else ""]

        def on_comment(entry: tuple[int, str] | None, text: str, lang: str) -> list:
            if entry and text.strip():
                querylog.comment(entry[0], text, token=entry[1])
            return [gr.update(visible=False), gr.update(value=""), t("feedback_thanks", lang)]

        def on_clear() -> list:
            return [[], [], {}, "", gr.update(visible=False), "", [], *suggestion_updates([])]

        load_outputs = [ui_lang, locked, history, switch, *labelled]
        quiet = {"api_visibility": "undocumented", "show_progress": "hidden"}  # relabelling is instant: no spinners
        demo.load(None, None, None, js=PAGE_JS)
        # A kept conversation opens at its last answer, not at its first question.
        demo.load(on_load, [browser_lang, stored], load_outputs, js=LOAD_JS, **quiet).then(None, js=FRAME_JS)
        demo.load(lambda: footer_html(holder.current), None, [footer], **quiet)  # the counts after an index update
        switch.input(on_switch, [switch], load_outputs, **quiet)

        answer_outputs = [chatbot, box, history, ui_lang, locked, log_ids, plain, feedback_row, suggested]
        state = [chatbot, history, ui_lang, locked, log_ids]
        suggestion_outputs = [suggest_row, *suggest_buttons]
        triggers = [(box.submit, box), (send.click, box)]
        triggers += [(b.click, b) for b in [*example_buttons, *suggest_buttons]]
        for trigger, source in triggers:
            trigger(
                respond,
                [source, *state],
                answer_outputs,
                api_visibility="undocumented",
                show_progress="minimal",
                show_progress_on=[chatbot],
            ).then(relabel, [ui_lang], [switch, *labelled], **quiet).then(
                after_answer, [suggested, chatbot, history, ui_lang], [*suggestion_outputs, stored], **quiet
            ).then(None, [stored], None, js=SAVE_JS)
        chatbot.like(on_like, [log_ids, ui_lang], [pending, feedback_row, comment, thanks], **quiet).then(
            None, None, None, js=COMMENT_JS
        )
        comment_send.click(on_comment, [pending, comment, ui_lang], [feedback_row, comment, thanks], **quiet)
        comment.submit(on_comment, [pending, comment, ui_lang], [feedback_row, comment, thanks], **quiet)
        copy.click(None, [plain], None, js=COPY_JS)
        copy_all.click(None, None, None, js=COPY_ALL_JS)
        cleared = [chatbot, history, log_ids, plain, feedback_row, thanks, suggested, *suggestion_outputs]
        for event in (chatbot.clear, clear.click):
            event(on_clear, None, cleared, **quiet).then(None, None, None, js=CLEAR_JS)
    return demo


def suggestion_updates(questions: Sequence[str]) -> list:
    """The suggestion row (hidden when there is nothing to offer) and one update per button."""
    shown = list(questions)[:MAX_SUGGESTIONS]
    padded = shown + [""] * (MAX_SUGGESTIONS - len(shown))
    return [gr.update(visible=bool(shown)), *(gr.update(value=q, visible=bool(q)) for q in padded)]


def converse(
    bot: PolicyBot, querylog: QueryLog, question: str, chat: list, past: list, lang: str, chosen: bool, ids: dict
) -> Iterator[list]:
    """One chat turn, as successive values for
    [chatbot, box, history, ui_lang, locked, log_ids, plain, feedback row, suggested follow-up questions].

    The question shows at once with a 'looking up' line, streamed text replaces it as it grows, and the
    final answer brings the cards; the first question sets the interface language unless it was chosen.
    """
    question = (question or "").strip()
    if not question:
        yield [gr.skip()] * 9
        return
    chat = [*chat, _message("user", user_html(question)), _message("assistant", partial_html("", lang))]
    yield [chat, "", past, lang, chosen, ids, gr.skip(), gr.update(visible=False), gr.skip()]
    started = time.perf_counter()
    answer = None
    try:
        for event in answer_events(bot, question, answer_lang(question, lang), past):
            if isinstance(event, Answer):
                answer = event
                continue
            chat = [*chat[:-1], _message("assistant", partial_html(event, lang))]  # a new list for each step
            yield [chat, *[gr.skip()] * 8]
        if answer is None:
            raise RuntimeError("the bot ended without an Answer")
    except Exception:  # the chat never shows a stack trace; the log says what happened
        record_error(querylog, question, lang, started, "chat")
        chat = [*chat[:-1], _message("assistant", error_html(lang))]
        yield [chat, "", past, lang, chosen, ids, gr.skip(), gr.skip(), []]
        return
    entry = record(querylog, answer, started, "chat")
    index = bot.index
    chat = [*chat[:-1], _message("assistant", answer_html(answer, index.full_text, index.english_sentences))]
    new_lang = lang if chosen else answer.lang
    history = [*past, (question, answer.text)]
    logged = (entry.id, entry.token)
    offered = offer(answer, bot, [q for q, *_ in past])
    ids = {**ids, len(chat) - 1: logged}
    yield [chat, "", history, new_lang, True, ids, plain_answer(answer), gr.skip(), offered]


def offer(answer: Answer, bot: PolicyBot, asked: Sequence[str]) -> list[str]:
    """Follow-up questions for an answer; a failure here costs the suggestions, never the answer."""
    try:
        return suggestions(answer, bot.index, asked)
    except Exception:  # the answer is already shown; suggestions are a nicety
        log.exception("suggesting follow-up questions failed")
        return []


def _message(role: str, content: str) -> dict:
    return {"role": role, "content": content}
