"""python -m bot ask "QUESTION" [--json] [--lang zh|en] | ask --batch FILE.jsonl | train | expand DOC"""

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
    expand = sub.add_parser("expand", help="write the questions people would ask of an added document (needs an LLM)")
    expand.add_argument("doc_id", help="the document's id (python -m ingest data/ lists them)")
    args = parser.parse_args(argv)
    if args.command == "train":
        return _train()
    if args.command == "expand":
        return _expand(args.doc_id)
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


def _expand(doc_id: str) -> int:
    """Questions per clause from the configured LLM; then the index must be rebuilt to search them."""
    from bot.expand import expand_document
    from bot.llm import make_llm
    from ingest import load_corpus

    settings = load_settings()
    llm = make_llm(settings)
    if llm is None:
        print(
            "error: no LLM configured (POLICYBOT_LLM_BASE_URL and POLICYBOT_LLM_MODEL): without one the document is "
            "searched by its own text only",
            file=sys.stderr,
        )
        return 2
    corpus = load_corpus(settings.data_dir)
    clauses = list(corpus.clauses_of(doc_id))
    if not clauses:
        print(f"error: no document {doc_id!r}", file=sys.stderr)
        return 2
    try:
        kept, dropped = expand_document(llm, clauses, corpus.document(doc_id).info.title, settings.data_dir)
    except PolicybotError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 2
    print(f"{doc_id}: {kept} questions written ({dropped} dropped by the checks); run python -m index build")
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
