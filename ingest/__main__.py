"""python -m ingest DATA_DIR [--tree DOC_ID | --json]: list documents, print a clause tree or all clauses.

python -m ingest add FILE [--yes] (and edit DOC --set KEY=VALUE, unpublish DOC, publish DOC): runs
`python -m index add FILE [--yes]` (and so on), because they rebuild the index, which lives in index/ and
ingest does not import.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from core.errors import PolicybotError
from core.schema import Clause
from ingest.corpus import Corpus, load_corpus


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["add"], ["edit"], ["unpublish"], ["publish"]):
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH", "")]))}
        return subprocess.call([sys.executable, "-m", "index", *argv], env=env)
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument("data_dir", type=Path, help="folder with the documents (and catalog.yaml)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--tree", metavar="DOC_ID", help="print one document's clause tree")
    group.add_argument("--json", action="store_true", help="print all clauses as a JSON array")
    args = parser.parse_args(argv)
    try:
        corpus = load_corpus(args.data_dir)
    except PolicybotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for error in corpus.errors:
        print(f"warning: {error}", file=sys.stderr)
    if args.tree:
        return _print_tree(corpus, args.tree)
    if args.json:
        json.dump([clause_json(c) for c in corpus.clauses], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    for document in corpus.documents:
        count = len({c.clause_id for c in corpus.clauses_of(document.doc_id)})
        print(f"{document.doc_id:<20} {document.info.status:<20} {count:>4} clauses  {document.info.title}")
    return 1 if corpus.errors else 0


def clause_json(clause: Clause) -> dict:
    return {
        "doc_id": clause.doc_id,
        "clause_id": clause.clause_id,
        "labels": list(clause.labels),
        "label": clause.label,
        "headings": list(clause.headings),
        "heading": clause.heading,
        "kind": clause.kind,
        "text": clause.text,
        "start": clause.start,
        "end": clause.end,
        "part": clause.part,
        "parts": clause.parts,
        "notes": list(clause.notes),
    }


def _print_tree(corpus: Corpus, doc_id: str) -> int:
    try:
        document = corpus.document(doc_id)
    except KeyError:
        known = ", ".join(d.doc_id for d in corpus.documents)
        print(f"error: no document '{doc_id}'; known: {known}", file=sys.stderr)
        return 2
    print(f"{document.doc_id}  {document.info.title}  [{document.info.status}]")
    for clause in corpus.clauses_of(doc_id):
        if clause.part > 1:
            continue
        indent = "  " * len(clause.labels)
        body = clause.text[len(clause.labels[-1]) :] if clause.text.startswith(clause.labels[-1]) else clause.text
        summary = clause.heading or body[:36].replace("\n", " ")
        parts = f"  ({clause.parts} parts)" if clause.parts > 1 else ""
        print(f"{indent}{clause.labels[-1]} {summary}{parts}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        sys.exit(0)
