"""python -m index build | info | rollback: build the index, show what is active, or switch back."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from core.config import load_settings
from core.errors import PolicybotError
from index.glossary import GLOSSARY_FILE, Glossary
from index.store import build_index, load_embedder, load_index, rollback
from ingest import load_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument("command", choices=["build", "info", "rollback"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    settings = load_settings()
    try:
        if args.command == "build":
            embedder, note = load_embedder(settings)
            if note:
                logging.warning(note)
            corpus = load_corpus(settings.data_dir)
            for error in corpus.errors:
                logging.warning("skipped %s", error)
            glossary = Glossary.load(settings.data_dir / GLOSSARY_FILE)
            index = build_index(corpus, settings.index_dir, glossary, embedder, settings.hnsw_threshold)
            print(f"built {index.folder} with {len(index.clauses)} clauses; retrievers: {', '.join(index.retrievers)}")
        elif args.command == "rollback":
            print(f"live index is now {rollback(settings.index_dir)}")
        else:
            index = load_index(settings.index_dir)
            info = {
                "folder": str(index.folder),
                "retrievers": ["bm25"] + (["dense"] if index.manifest.get("embed_model") else []),
                "documents": len(index.documents),
                **{
                    k: index.manifest[k]
                    for k in (
                        "clause_count",
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


if __name__ == "__main__":
    sys.exit(main())
