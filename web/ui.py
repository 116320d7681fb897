"""The public chat (Gradio Blocks at "/"): questions in Chinese or English, answers with citation cards."""

from __future__ import annotations

import time
from collections.abc import Iterator

import gradio as gr

from bot import PolicyBot
from core.schema import Answer
from web.answering import answer_events, answer_lang, record, record_error
from web.cards import answer_html, error_html, esc, partial_html, plain_answer, user_html
from web.holder import BotHolder, as_holder
from web.i18n import pick_lang, t
from web.querylog import QueryLog
from web.ratelimit import RateLimiter

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

# Runs in the browser: the interface language comes from the browser unless ?lang= or the switch says otherwise.
BROWSER_LANG_JS = "(x) => navigator.language || ''"
COPY_JS = """
async (text) => {
  const value = text || "";
  try { await navigator.clipboard.writeText(value); }
  catch (e) {
    const area = document.createElement("textarea");
    area.value = value; document.body.appendChild(area); area.select(); document.execCommand("copy"); area.remove();
  }
  const button = document.querySelector("#pb-copy");
  if (button) { button.classList.add("pb-copied"); setTimeout(() => button.classList.remove("pb-copied"), 1500); }
  return [];
}
"""


def header_html(lang: str) -> str:
    return (
        '<header class="pb-header"><div class="pb-mark" aria-hidden="true">ZLSP</div><div>'
        '<div class="pb-park"><span lang="zh">中关村生命科学园</span>'
        '<span class="pb-park-en" lang="en">Zhongguancun Life Science Park</span></div>'
        f'<h1 class="pb-app-title">{t("title", lang)}</h1>'
        f'<p class="pb-subtitle-line">{t("subtitle", lang)}</p></div></header>'
        f'<p class="pb-disclaimer">{t("disclaimer", lang)}</p>'
    )


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
        browser_lang = gr.Textbox(visible=False)

        with gr.Row(elem_classes="pb-top"):
            header = gr.HTML(header_html("zh"), elem_id="pb-header", scale=5)
            switch = gr.Radio(
                [("中文", "zh"), ("English", "en")],
                value="zh",
                show_label=False,
                elem_id="pb-lang",
                min_width=150,
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
        )
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
            copy = gr.Button(t("copy", "zh"), size="sm", elem_id="pb-copy", scale=0, min_width=100)
            clear = gr.Button(t("new_chat", "zh"), size="sm", elem_id="pb-clear", scale=0, min_width=100)
        plain = gr.Textbox(visible=False, elem_id="pb-plain")
        with gr.Row(visible=False, elem_id="pb-feedback", equal_height=True) as feedback_row:
            comment = gr.Textbox(label=t("feedback_prompt", "zh"), elem_id="pb-comment", scale=6, max_length=1000)
            comment_send = gr.Button(t("feedback_send", "zh"), elem_id="pb-comment-send", scale=1, min_width=80)
        thanks = gr.Markdown("", elem_id="pb-thanks")

        example_titles, example_buttons = [], []
        with gr.Row(elem_classes="pb-examples"):
            for key, questions in EXAMPLES.items():
                with gr.Column(min_width=240, elem_classes="pb-example-group"):
                    example_titles.append(gr.Markdown(f"**{t(key, 'zh')}**", elem_classes="pb-example-title"))
                    for question in questions:
                        example_buttons.append(gr.Button(question, size="sm", elem_classes="pb-example"))

        footer = gr.HTML(footer_html(holder.current))

        labelled = [header, box, send, copy, clear, comment, comment_send, chatbot, *example_titles]

        def relabel(lang: str) -> list:
            return [
                gr.update(value=lang),
                gr.update(value=header_html(lang)),
                gr.update(placeholder=t("placeholder", lang)),
                gr.update(value=t("ask", lang)),
                gr.update(value=t("copy", lang)),
                gr.update(value=t("new_chat", lang)),
                gr.update(label=t("feedback_prompt", lang)),
                gr.update(value=t("feedback_send", lang)),
                gr.update(placeholder=t("chat_placeholder", lang)),
                *(gr.update(value=f"**{t(key, lang)}**") for key in EXAMPLES),
            ]

        def on_load(browser: str, request: gr.Request) -> list:
            asked = request.query_params.get("lang", "") if request else ""
            lang = pick_lang(asked or browser)
            return [lang, bool(asked), *relabel(lang)]

        def on_switch(lang: str) -> list:
            return [lang, True, *relabel(lang)]

        def respond(question: str, chat: list, past: list, lang: str, chosen: bool, ids: dict, request: gr.Request):
            client = request.client.host if request is not None and request.client else "unknown"
            if limiter is not None and (question or "").strip() and not limiter.allow(client):
                busy = f'<div class="pb-answer pb-error"><div class="pb-text">{esc(limiter.message())}</div></div>'
                chat = [*chat, _message("user", user_html(question)), _message("assistant", busy)]
                yield [chat, "", past, lang, chosen, ids, gr.skip(), gr.skip()]
                return
            yield from converse(holder.current, querylog, question, chat, past, lang, chosen, ids)

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
            return [[], [], {}, "", gr.update(visible=False), ""]

        load_outputs = [ui_lang, locked, switch, *labelled]
        quiet = {"api_visibility": "undocumented", "show_progress": "hidden"}  # relabelling is instant: no spinners
        demo.load(on_load, [browser_lang], load_outputs, js=BROWSER_LANG_JS, **quiet)
        demo.load(lambda: footer_html(holder.current), None, [footer], **quiet)  # the counts after an index update
        switch.input(on_switch, [switch], load_outputs, **quiet)

        answer_outputs = [chatbot, box, history, ui_lang, locked, log_ids, plain, feedback_row]
        state = [chatbot, history, ui_lang, locked, log_ids]
        triggers = [(box.submit, box), (send.click, box)] + [(b.click, b) for b in example_buttons]
        for trigger, source in triggers:
            trigger(
                respond,
                [source, *state],
                answer_outputs,
                api_visibility="undocumented",
                show_progress="minimal",
                show_progress_on=[chatbot],
            ).then(relabel, [ui_lang], [switch, *labelled], **quiet)
        chatbot.like(on_like, [log_ids, ui_lang], [pending, feedback_row, comment, thanks], **quiet)
        comment_send.click(on_comment, [pending, comment, ui_lang], [feedback_row, comment, thanks], **quiet)
        comment.submit(on_comment, [pending, comment, ui_lang], [feedback_row, comment, thanks], **quiet)
        copy.click(None, [plain], None, js=COPY_JS)
        chatbot.clear(on_clear, None, [chatbot, history, log_ids, plain, feedback_row, thanks], **quiet)
        clear.click(on_clear, None, [chatbot, history, log_ids, plain, feedback_row, thanks], **quiet)
    return demo


def converse(
    bot: PolicyBot, querylog: QueryLog, question: str, chat: list, past: list, lang: str, chosen: bool, ids: dict
) -> Iterator[list]:
    """One chat turn, as successive values for [chatbot, box, history, ui_lang, locked, log_ids, plain, feedback row].

    The question shows at once with a 'looking up' line, streamed text replaces it as it grows, and the
    final answer brings the cards; the first question sets the interface language unless it was chosen.
    """
    question = (question or "").strip()
    if not question:
        yield [gr.skip()] * 8
        return
    chat = [*chat, _message("user", user_html(question)), _message("assistant", partial_html("", lang))]
    yield [chat, "", past, lang, chosen, ids, gr.skip(), gr.update(visible=False)]
    started = time.perf_counter()
    answer = None
    try:
        for event in answer_events(bot, question, answer_lang(question, lang), past):
            if isinstance(event, Answer):
                answer = event
                continue
            chat = [*chat[:-1], _message("assistant", partial_html(event, lang))]  # a new list for each step
            yield [chat, *[gr.skip()] * 7]
        if answer is None:
            raise RuntimeError("the bot ended without an Answer")
    except Exception:  # the chat never shows a stack trace; the log says what happened
        record_error(querylog, question, lang, started, "chat")
        chat = [*chat[:-1], _message("assistant", error_html(lang))]
        yield [chat, "", past, lang, chosen, ids, gr.skip(), gr.skip()]
        return
    entry = record(querylog, answer, started, "chat")
    chat = [*chat[:-1], _message("assistant", answer_html(answer, bot.index.full_text))]
    new_lang = lang if chosen else answer.lang
    history = [*past, (question, answer.text)]
    logged = (entry.id, entry.token)
    yield [chat, "", history, new_lang, True, {**ids, len(chat) - 1: logged}, plain_answer(answer), gr.skip()]


def _message(role: str, content: str) -> dict:
    return {"role": role, "content": content}
