"""HTTP API beside the chat: POST /api/ask (the answer contract), POST /api/feedback, GET /api/health."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from bot import PolicyBot, answer_json
from core.config import Settings
from web.answering import ask, record, record_error
from web.holder import BotHolder, as_holder
from web.querylog import MAX_COMMENT_CHARS, QueryLog
from web.ratelimit import RateLimiter

MAX_API_QUESTION_CHARS = 100_000  # the bot reads the first 2000 and says so; this only refuses absurd payloads


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_API_QUESTION_CHARS)
    lang: Literal["zh", "en"] | None = Field(default=None, description="answer language; default: the question's")
    history: list[tuple[str, str]] = Field(
        default_factory=list, max_length=20, description="earlier (question, answer) pairs, oldest first"
    )


class FeedbackRequest(BaseModel):
    id: int = Field(description="the `id` of an /api/ask answer")
    rating: Literal[1, -1]
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS)


def api_router(
    bot: PolicyBot | BotHolder,
    querylog: QueryLog,
    settings: Settings,
    version: str,
    limiter: RateLimiter | None = None,
) -> APIRouter:
    holder = as_holder(bot)  # read once per request: an index update swaps the bot while the app runs
    router = APIRouter()
    limiter = limiter or RateLimiter(settings.rate_limit_per_minute)

    @router.post("/ask", responses={429: {"description": "too many questions from this client; see Retry-After"}})
    def post_ask(request: AskRequest, http: Request) -> dict:
        """The answer contract (see the README); `id` is the query-log id that feedback refers to."""
        client = client_key(http)
        if not limiter.allow(client):
            raise HTTPException(
                429, detail=limiter.message(), headers={"Retry-After": str(limiter.retry_after(client))}
            )
        started = time.perf_counter()
        bot = holder.current
        try:
            answer = ask(bot, request.question, request.lang, request.history)
        except Exception as exc:  # a client gets a message, never a stack trace
            record_error(querylog, request.question, request.lang or "", started, "api")
            raise HTTPException(status_code=500, detail="the bot failed on this question") from exc
        entry = record(querylog, answer, started, "api")
        return answer_json(answer, bot.index.full_text, question_id=str(entry))

    @router.post("/feedback")
    def post_feedback(request: FeedbackRequest) -> dict:
        if not querylog.feedback(request.id, request.rating, request.comment or None):
            raise HTTPException(status_code=404, detail=f"no question with id {request.id}")
        return {"ok": True}

    @router.get("/health")
    def get_health() -> dict:
        index = holder.current.index
        return {
            "status": "ok",
            "version": version,
            "index_loaded": bool(index.clauses),
            "retrievers": list(index.retrievers),
            "documents": len(index.documents),
            "clauses": len({c.clause_id for c in index.clauses}),
            "translated_clauses": len(index.translations),
            "index_built_at": index.manifest.get("built_at", ""),
            "embed_model": index.manifest.get("embed_model", ""),
            "llm": settings.llm_enabled,
        }

    return router


def client_key(http: Request) -> str:
    """The client's address as the server sees it (behind a proxy, run uvicorn with --forwarded-allow-ips)."""
    return http.client.host if http.client else "unknown"
