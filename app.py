"""policybot web app: `python app.py [--host 127.0.0.1] [--port 7860] [--share]` serves the chat on the bundled corpus."""

from __future__ import annotations

import argparse
import html
import logging
import sys

import gradio as gr

from bot import PolicyBot
from bot.render import citation_heading, status_text
from core.config import load_settings
from core.errors import PolicybotError
from core.schema import Answer

EXAMPLES = [
    "外资研发中心有什么资金支持？",
    "临床试验启动时间要压缩到多久？",
    "Is there funding for a multinational R&D centre?",
    "What does the Foreign Investment Law say about technology transfer?",
]


def answer_markdown(answer: Answer, bot: PolicyBot) -> str:
    """The answer, its warnings, then each citation with document facts and the clause text to expand."""
    lines = [html.escape(answer.text).replace("\n", "  \n")]
    for warning in answer.warnings:
        lines.append(f"\n> ⚠️ {html.escape(warning)}")
    for citation in answer.citations:
        heading = html.escape(citation_heading(citation.doc, citation.clause, answer.lang))
        status = html.escape(status_text(citation.status, answer.lang))
        text = html.escape(bot.clause_text(citation.clause))
        summary = "clause text" if answer.lang == "en" else "条款原文"
        lines.append(
            f"\n**[{citation.number}]** {heading} · `{status}`\n<details><summary>{summary}</summary>\n\n{text}\n</details>"
        )
    return "\n".join(lines)


def build_ui(bot: PolicyBot) -> gr.Blocks:
    def respond(message: str, history: list) -> str:
        try:
            return answer_markdown(bot.ask(message), bot)
        except Exception:  # the chat must never show a stack trace
            logging.exception("answering failed")
            return "抱歉，系统出错了，请稍后再试。Sorry, something went wrong; please try again."

    mode = ", ".join(bot.index.retrievers)
    with gr.Blocks(title="policybot") as demo:
        gr.Markdown(
            f"## policybot · 中关村生命科学园政策问答 / Life Science Park policy Q&A\n<small>retrieval: {mode}</small>"
        )
        gr.ChatInterface(
            fn=respond, examples=EXAMPLES, run_examples_on_click=True, cache_examples=False, fill_height=True
        )
    return demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--share", action="store_true", help="also open a public Gradio share link")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    try:
        bot = PolicyBot.from_settings(load_settings())
    except PolicybotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    demo = build_ui(bot)
    print(
        f"policybot ready: {len(bot.index.clauses)} clauses from {len(bot.index.documents)} documents; retrieval: {', '.join(bot.index.retrievers)}"
    )
    demo.queue(default_concurrency_limit=4).launch(server_name=args.host, server_port=args.port, share=args.share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
