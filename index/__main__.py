"""python -m index build | info | rollback | add FILE [--yes] | edit DOC --set KEY=VALUE.. [--yes] |
unpublish DOC [--yes] | publish DOC [--yes] | sentences DOC.. | check-translations [DOC..] |
check-questions [DOC..] | check-thesaurus.

build the index, show what is active, switch back to the previous index, add a document (parse, show its
clause tree, confirm, copy into data/, rebuild beside the live index and switch), correct a document's
catalogue facts or take it out of retrieval and citations and put it back (show the catalog.yaml diff,
confirm, write it, rebuild and switch; the file and its entry stay), print a document's
sentences as translation rows to fill in, check the English translations in data/translations/, the questions
per clause in data/questions/, or the concept thesaurus data/thesaurus.tsv.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from core.config import Settings, load_settings
from core.errors import PolicybotError
from index.glossary import GLOSSARY_FILE, Glossary
from index.questions import check_questions
from index.store import load_index, rebuild, rollback, update_lock
from index.thesaurus import THESAURUS_FILE, check_thesaurus
from index.tokenize import Tokenizer
from index.translations import (
    REQUIRED_DOCS,
    TRANSLATIONS_DIR,
    check_translation,
    clause_sentences,
    read_rows,
)
from ingest import load_corpus
from ingest.add import DEFAULT_FOLDER, apply_add, plan_add, tree_lines
from ingest.catalog import CATALOG_FILE
from ingest.edit import EDITABLE, apply_edit, parse_assignments, plan_edit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument(
        "command",
        choices=[
            "build",
            "info",
            "rollback",
            "add",
            "edit",
            "unpublish",
            "publish",
            "sentences",
            "check-translations",
            "check-questions",
            "check-thesaurus",
        ],
    )
    parser.add_argument("doc_ids", nargs="*", help="documents (sentences / check-translations); the file (add)")
    parser.add_argument("--yes", action="store_true", help="add, edit, (un)publish: do not ask for confirmation")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"edit: a catalogue fact to change ({', '.join(EDITABLE)}); an empty value clears it",
    )
    parser.add_argument("--name", help="add: file name to store it under (default: the file's own name)")
    parser.add_argument("--folder", default=DEFAULT_FOLDER, help="add: folder under the data folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    settings = load_settings()
    try:
        if args.command in ("sentences", "check-translations"):
            return _translations(args.command, args.doc_ids, settings)
        if args.command == "check-questions":
            return _report(check_questions(settings.data_dir, load_corpus(settings.data_dir).clauses, args.doc_ids))
        if args.command == "check-thesaurus":
            return _report(check_thesaurus(settings.data_dir / THESAURUS_FILE, load_corpus(settings.data_dir)))
        if args.command == "add":
            if len(args.doc_ids) != 1:
                parser.error("add takes exactly one FILE")
            return add(settings, Path(args.doc_ids[0]), args.yes, args.name, args.folder)
        if args.command in ("edit", "unpublish", "publish"):
            if len(args.doc_ids) != 1:
                parser.error(f"{args.command} takes exactly one document id")
            if args.command == "edit":
                if not args.set:
                    parser.error("edit needs at least one --set KEY=VALUE")
                values = parse_assignments(args.set)
            else:
                values = {"published": args.command == "publish"}
            return edit(settings, args.doc_ids[0], values, args.yes)
        if args.command == "build":
            with update_lock(settings.index_dir):
                index = rebuild(settings)
            print(f"built {index.folder} with {len(index.clauses)} clauses; retrievers: {', '.join(index.retrievers)}")
        elif args.command == "rollback":
            with update_lock(settings.index_dir):
                print(f"live index is now {rollback(settings.index_dir)}")
        else:
            index = load_index(settings.index_dir)
            info = {
                "folder": str(index.folder),
                "retrievers": index.retrievers + (["dense"] if index.manifest.get("embed_model") else []),
                "documents": len(index.documents),
                **{
                    k: index.manifest.get(k)
                    for k in (
                        "clause_count",
                        "translated_clauses",
                        "embed_model",
                        "dimension",
                        "dense_index",
                        "built_at",
                        "build_seconds",
                        "corpus_hash",
                        "versions",
                    )
                },
            }
            print(json.dumps(info, ensure_ascii=False, indent=1))
    except PolicybotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def add(
    settings: Settings, path: Path, yes: bool = False, name: str | None = None, folder: str = DEFAULT_FOLDER
) -> int:
    """Parse FILE, show its clause tree, confirm, copy it into the data folder and rebuild; undone if the build fails."""
    plan = plan_add(path, settings.data_dir, name, folder, settings.max_upload_mb * 1024 * 1024)
    print("\n".join(tree_lines(plan)))
    if not yes and input(f"add {plan.source.name} as {plan.document.info.source_file}? [y/N] ").strip().lower() != "y":
        print("nothing changed")
        return 1
    with update_lock(settings.index_dir):  # the running app's console may be adding a document too
        undo = apply_add(plan, settings.data_dir)
        try:
            index = rebuild(settings)
        except BaseException:
            undo()  # the live index was never switched; the data folder is as it was
            print(f"error: the index build failed; {plan.source.name} was not added, the live index is unchanged")
            raise
    if plan.supersedes:
        print(f"{plan.supersedes} is now marked superseded in catalog.yaml")
    print(f"added {plan.document.doc_id}; live index {index.folder} ({len(index.clauses)} clauses)")
    return 0


def edit(settings: Settings, doc_id: str, values: dict[str, object], yes: bool = False) -> int:
    """Show the catalog.yaml diff, confirm, write it and rebuild; the catalogue is put back if the build fails."""
    plan = plan_edit(settings.data_dir, doc_id, values)
    print(plan.diff, end="")
    if not yes and not _confirmed(f"write this change to {CATALOG_FILE} and rebuild the index? [y/N] "):
        print("nothing changed")
        return 1
    with update_lock(settings.index_dir):  # the same lock as add, build, rollback and the console
        undo = apply_edit(plan, settings.data_dir)  # refused if catalog.yaml changed since the diff was shown
        try:
            index = rebuild(settings)
        except BaseException:
            undo()  # `current` was never switched; the catalogue is as it was
            print(f"error: the index build failed; {CATALOG_FILE} is as it was, the live index is unchanged")
            raise
    print(f"{doc_id}: {plan.summary()}; live index {index.folder} ({len(index.documents)} documents)")
    return 0


def _confirmed(prompt: str) -> bool:
    try:
        return input(prompt).strip().lower() == "y"
    except EOFError:  # no terminal (a script without --yes): do nothing
        return False


def _report(problems: list[str]) -> int:
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def _translations(command: str, doc_ids: list[str], settings: Settings) -> int:
    corpus = load_corpus(settings.data_dir)
    glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
    tokenizer = Tokenizer(glossary.chinese_words())
    failed = 0
    for doc_id in doc_ids or list(REQUIRED_DOCS):
        expected = clause_sentences(corpus.clauses_of(doc_id))
        if not expected:
            print(f"error: no document {doc_id!r}", file=sys.stderr)
            return 2
        if command == "sentences":
            for clause_id, sentences in expected.items():
                for i, zh in enumerate(sentences):
                    print(json.dumps({"clause_id": clause_id, "sentence": i, "zh": zh, "en": ""}, ensure_ascii=False))
            continue
        path = settings.data_dir / TRANSLATIONS_DIR / f"{doc_id}.jsonl"
        try:
            rows = read_rows(path) if path.exists() else []
        except ValueError as exc:
            print(f"{doc_id}: {exc}")
            failed += 1
            continue
        problems = check_translation(expected, rows, glossary, tokenizer)
        total = sum(len(s) for s in expected.values())
        print(f"{doc_id}: {total} sentences, {len(problems)} problems")
        for problem in problems:
            print(f"  {problem}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
