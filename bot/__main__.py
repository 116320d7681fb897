"""python -m bot ask "QUESTION" [--json] [--lang zh|en] | ask --batch FILE.jsonl | train"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot.contract import answer_json
from bot.render import citation_heading, status_text
from bot.service import PolicyBot
from core.config import load_settings
from core.errors import PolicybotError
from core.schema import Answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ask policybot a question.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question (or a batch of them)")
    ask.add_argument("question", nargs="?", help="the question, in Chinese or English")
    ask.add_argument("--json", action="store_true", help="print the answer contract as JSON")
    ask.add_argument("--lang", choices=["zh", "en"], help="force the answer language")
    ask.add_argument(
        "--batch", type=Path, metavar="FILE", help="JSON Lines with id and question; writes one answer per line"
    )
    sub.add_parser("train", help="train the re-ranker and the answer-or-decline model (data/questions, data/training)")
    args = parser.parse_args(argv)
    if args.command == "train":
        return _train()
    if not args.question and not args.batch:
        parser.error("give a question or --batch FILE")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        bot = PolicyBot.from_settings(load_settings())
        if args.batch:
            return _batch(bot, args.batch, args.lang)
        answer = bot.ask(args.question, lang=args.lang)
    except PolicybotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer_json(answer, bot.index.full_text), ensure_ascii=False, indent=1))
    else:
        print(readable(answer, bot))
    return 0


def _train() -> int:
    """The offline models are trained without a dense model: they ship with the bundled corpus."""
    from bot.answerability import MODEL_FILE
    from bot.ranker import RANKER_FILE
    from bot.training import train_all

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    ranker, model = train_all(load_settings(embed_model="none"))
    print(json.dumps(ranker.trained_on, ensure_ascii=False, indent=1))
    print(json.dumps(model.trained_on, ensure_ascii=False, indent=1))
    print(f"wrote {RANKER_FILE} and {MODEL_FILE}; decline thresholds {model.thresholds}")
    return 0


def _batch(bot: PolicyBot, path: Path, lang: str | None) -> int:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PolicybotError(f"{path}: cannot read ({exc.strerror})") from exc
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, question_id = str(row["question"]), row.get("id", number)
        except (json.JSONDecodeError, KeyError, TypeError):
            print(f"warning: {path}:{number}: not a JSON object with a 'question'", file=sys.stderr)
            failures += 1
            continue
        answer = bot.ask(question, lang=row.get("lang_force") or lang)
        print(json.dumps(answer_json(answer, bot.index.full_text, question_id), ensure_ascii=False), flush=True)
    return 1 if failures else 0


def readable(answer: Answer, bot: PolicyBot) -> str:
    lines = [answer.text, ""]
    for warning in answer.warnings:
        lines.append(f"! {warning}")
    for citation in answer.citations:
        lines.append(
            f"[{citation.number}] {citation_heading(citation.doc, citation.clause, answer.lang)} — {status_text(citation.status, answer.lang)}"
        )
        lines.append("    " + bot.clause_text(citation.clause).replace("\n", "\n    "))
    timing = dict(answer.timing_ms)
    lines.append(f"({timing.get('total', 0):.1f} ms; {', '.join(bot.index.retrievers)})")
    return "\n".join(lines).strip()


if __name__ == "__main__":
    sys.exit(main())
