"""Questions per clause for a document added later, written by the configured LLM: `python -m bot expand DOC`.

The bundled corpus ships its questions (data/questions/); a new document is searchable by its own text at once,
and by the words people use once this has run and the index is rebuilt. Every question is checked as the shipped
ones are (language, figures the clause does not state); failing lines are dropped, never written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from bot.llm import ChatLLM
from bot.prompts import as_data, load_prompt, render
from core.schema import Clause
from index.questions import clause_hash, full_texts, question_problems, questions_file

_LINE = re.compile(r"^\s*(zh|en)\s*[:：]\s*(.+?)\s*$", re.I)


def parse_lines(reply: str) -> list[tuple[str, str]]:
    """(lang, question) for every "zh: ..." / "en: ..." line of the LLM's reply."""
    return [(m.group(1).lower(), m.group(2)) for line in reply.splitlines() if (m := _LINE.match(line))]


def expand_document(
    llm: ChatLLM, clauses: list[Clause], title: str, data_dir: Path, progress: Callable[[str], None] = print
) -> tuple[int, int]:
    """Write data/questions/<doc>.jsonl for the searchable clauses; returns (questions kept, lines dropped)."""
    texts = full_texts(c for c in clauses if c.searchable)
    if not texts:
        return 0, 0
    doc_id = next(iter(texts)).split("#")[0]
    rows, dropped = [], 0
    for clause_id, text in texts.items():
        reply = llm.complete(
            load_prompt("expand_system"), render("expand_user", title=as_data(title), clause=as_data(text))
        )
        for lang, question in dict.fromkeys(parse_lines(reply)):
            if question_problems(lang, question, text):
                dropped += 1
                continue
            rows.append({"clause_id": clause_id, "hash": clause_hash(text), "lang": lang, "question": question})
        progress(f"{clause_id}: {sum(r['clause_id'] == clause_id for r in rows)} questions")
    target = questions_file(data_dir, doc_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(target)  # all or nothing: a failed run leaves the old file
    return len(rows), dropped
