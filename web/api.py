"""HTTP API beside the chat: POST /api/ask (the answer contract), POST /api/feedback, GET /api/health."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import AfterValidator, BaseModel, Field

from bot import PolicyBot, answer_json
from core.config import Settings
from web.answering import ask, record, record_error
from web.holder import BotHolder, as_holder
from web.querylog import MAX_COMMENT_CHARS, MAX_TOKEN_CHARS, QueryLog
from web.ratelimit import RateLimiter

MAX_API_QUESTION_CHARS = 100_000  # the bot reads the first 2000 and says so; this only refuses absurd payloads
FEEDBACK_REFUSED = "no answer with this id and feedback_token"


def _valid_unicode(value: str) -> str:
    # JSON may carry a lone surrogate ("\\ud800"): not text, it can be neither stored nor sent back as UTF-8.
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError(SURROGATE)
    return value


SURROGATE = "not valid Unicode text: it contains a lone surrogate such as \\ud800"
Text = Annotated[str, AfterValidator(_valid_unicode)]


class AskRequest(BaseModel):
    question: Text = Field(min_length=1, max_length=MAX_API_QUESTION_CHARS)
    lang: Literal["zh", "en"] | None = Field(default=None, description="answer language; default: the question's")
    history: list[tuple[Text, Text]] = Field(
        default_factory=list, max_length=20, description="earlier (question, answer) pairs, oldest first"
    )


class FeedbackRequest(BaseModel):
    id: int = Field(description="the `id` of an /api/ask answer")
    feedback_token: str = Field(
        min_length=1, max_length=MAX_TOKEN_CHARS, description="the `feedback_token` that came with that answer"
    )
    rating: Literal[1, -1]
    comment: Text = Field(default="", max_length=MAX_COMMENT_CHARS)


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

    def check_limit(key: str) -> None:
        if not limiter.allow(key):
            raise HTTPException(429, detail=limiter.message(), headers={"Retry-After": str(limiter.retry_after(key))})

    @router.post("/ask", responses={429: {"description": "too many questions from this client; see Retry-After"}})
    def post_ask(request: AskRequest, http: Request) -> dict:
        """The answer contract (see the README); `id` and `feedback_token` are what /api/feedback needs."""
        check_limit(client_key(http))
        started = time.perf_counter()
        bot = holder.current
        try:
            answer = ask(bot, request.question, request.lang, request.history)
        except Exception as exc:  # a client gets a message, never a stack trace
            record_error(querylog, request.question, request.lang or "", started, "api")
            raise HTTPException(status_code=500, detail="the bot failed on this question") from exc
        entry = record(querylog, answer, started, "api")
        body = answer_json(answer, bot.index.full_text, question_id=str(entry.id))
        body["feedback_token"] = entry.token
        return body

    @router.post("/feedback", responses={404: {"description": FEEDBACK_REFUSED}, 429: {"description": "too many"}})
    def post_feedback(request: FeedbackRequest, http: Request) -> dict:
        """Rate an answer; only with the `feedback_token` /api/ask returned with it (ids alone are guessable)."""
        check_limit("feedback:" + client_key(http))  # its own budget: rating does not use up questions
        ok = querylog.feedback(request.id, request.rating, request.comment or None, token=request.feedback_token)
        if not ok:
            raise HTTPException(status_code=404, detail=FEEDBACK_REFUSED)
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


def validation_error_body(errors: list) -> dict:
    """422 details that can always be sent: the offending input is echoed with lone surrogates escaped.

    FastAPI's own handler echoes the input as it came, and a lone surrogate ("\\ud800") in it made the
    response itself fail to encode: a 500 instead of the 422 that says what is wrong.
    """

    def safe(value: object) -> object:
        if isinstance(value, str):
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        if isinstance(value, dict):
            return {k: safe(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [safe(v) for v in value]
        return value if value is None or isinstance(value, (int, float, bool)) else str(value)

    details = []
    for error in errors:
        error = dict(error)
        error.pop("ctx", None)  # may hold exception objects
        if error.get("type") == "string_unicode":
            error["msg"] = SURROGATE
        details.append(safe(error))
    return {"detail": details}
