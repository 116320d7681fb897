"""The answer contract: the JSON every client (CLI, API, eval) gets."""

from __future__ import annotations

from core.schema import Answer, Citation

CONTRACT_KEYS = (
    "id",
    "question",
    "lang",
    "answer",
    "declined",
    "confidence",
    "decline_reason",
    "short_answer",
    "highlights",
    "citations",
    "retrieved",
    "warnings",
    "timing_ms",
)


def citation_json(citation: Citation, full_text: str) -> dict:
    doc, clause = citation.doc, citation.clause
    return {
        "n": citation.number,
        "doc_id": doc.doc_id,
        "doc_title": doc.title,
        "doc_title_en": doc.title_en,
        "doc_number": doc.doc_number,
        "issuer": doc.issuer,
        "date_issued": doc.date_issued,
        "valid_until": doc.valid_until,
        "clause_id": clause.clause_id,
        "label": clause.label,
        "label_en": citation.label_en,
        "headings": list(clause.headings),
        "text": full_text,
        "text_en": citation.text_en,
        "status": citation.status,
        "url": doc.url,
    }


def answer_json(answer: Answer, full_text, question_id: str | None = None) -> dict:
    """The contract object; full_text(clause_id) gives a clause's whole text (all its parts)."""
    return {
        "id": question_id,
        "question": answer.question,
        "lang": answer.lang,
        "answer": answer.text,
        "declined": answer.declined,
        "confidence": None if answer.confidence is None else round(answer.confidence, 4),
        "decline_reason": answer.decline_reason,
        "short_answer": answer.short_answer,
        "highlights": [
            {"clause_id": h.clause_id, "start": h.start, "end": h.end, "text": full_text(h.clause_id)[h.start : h.end]}
            for h in answer.highlights
        ],
        "citations": [citation_json(c, full_text(c.clause.clause_id)) for c in answer.citations],
        "retrieved": [
            {
                "clause_id": hit.clause.clause_id,
                "doc_id": hit.clause.doc_id,
                "label": hit.clause.label,
                "score": round(hit.score, 6),
                "ranks": dict(hit.ranks),
                "text": hit.clause.text,
            }
            for hit in answer.retrieved
        ],
        "warnings": list(answer.warnings),
        "notes": list(answer.notes),
        "timing_ms": dict(answer.timing_ms),
    }
