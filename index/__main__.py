"""python -m index build | info | rollback | sentences DOC.. | check-translations [DOC..].

build the index, show what is active, switch back to the previous index, print a document's sentences
as translation rows to fill in, or check the English translations in data/translations/.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from core.config import Settings, load_settings
from core.errors import PolicybotError
from index.glossary import GLOSSARY_FILE, Glossary
from index.store import build_index, load_embedder, load_index, rollback
from index.tokenize import Tokenizer
from index.translations import (
    REQUIRED_DOCS,
    TRANSLATIONS_DIR,
    check_translation,
    clause_sentences,
    load_translations,
    read_rows,
)
from ingest import load_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument("command", choices=["build", "info", "rollback", "sentences", "check-translations"])
    parser.add_argument("doc_ids", nargs="*", help="documents (sentences / check-translations)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    settings = load_settings()
    try:
        if args.command in ("sentences", "check-translations"):
            return _translations(args.command, args.doc_ids, settings)
        if args.command == "build":
            embedder, note = load_embedder(settings)
            if note:
                logging.warning(note)
            corpus = load_corpus(settings.data_dir)
            for error in corpus.errors:
                logging.warning("skipped %s", error)
            glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
            translations = load_translations(settings.data_dir, corpus.clauses)
            index = build_index(corpus, settings.index_dir, glossary, embedder, settings.hnsw_threshold, translations)
            print(f"built {index.folder} with {len(index.clauses)} clauses; retrievers: {', '.join(index.retrievers)}")
        elif args.command == "rollback":
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
