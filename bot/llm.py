"""The one seam to an LLM: langchain-openai's ChatOpenAI against any OpenAI-compatible endpoint.

vLLM, Ollama, DeepSeek and Qwen all speak the chat-completions protocol; POLICYBOT_LLM_BASE_URL and
POLICYBOT_LLM_MODEL choose one. Nothing here counts tokens (tiktoken would download its encodings).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from core.config import Settings
from core.errors import PolicybotError

log = logging.getLogger(__name__)
_NO_KEY = "not-needed"  # local vLLM / Ollama servers take any key, but the client insists on one


class LLMError(PolicybotError):
    """The endpoint failed; `reason` ("timeout", "HTTP 500", ...) is short enough for an answer's notes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatLLM:
    """System + user message in, text out (whole or streamed); every failure becomes an LLMError."""

    def __init__(self, settings: Settings) -> None:
        # Imported here, not at the top: langchain takes seconds to import and the default path never needs it.
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise PolicybotError(
                "an LLM is configured but langchain-openai is missing: pip install langchain-openai"
            ) from exc
        self.model = settings.llm_model
        try:
            self._chat = ChatOpenAI(
                model=settings.llm_model,
                base_url=settings.llm_base_url,
                api_key=settings.llm_api_key or _NO_KEY,
                timeout=settings.llm_timeout,
                temperature=settings.llm_temperature,
                max_retries=settings.llm_retries,
                use_responses_api=False,  # vLLM, Ollama, DeepSeek, Qwen: chat completions, whatever the model name
            )
        except Exception as exc:  # pydantic rejects a setting: a configuration error, said once at start
            raise PolicybotError(f"the POLICYBOT_LLM_* settings are not usable: {exc}") from exc

    def complete(self, system: str, user: str) -> str:
        """The whole reply."""
        try:
            return self._chat.invoke(_messages(system, user)).text
        except Exception as exc:  # any client, HTTP or parsing failure means: answer without the LLM
            raise _failure(exc) from exc

    def stream(self, system: str, user: str) -> Iterator[str]:
        """The reply in pieces, as the endpoint sends them."""
        try:
            for chunk in self._chat.stream(_messages(system, user)):
                if piece := chunk.text:
                    yield piece
        except Exception as exc:
            raise _failure(exc) from exc


def make_llm(settings: Settings) -> ChatLLM | None:
    """The configured LLM, or None when POLICYBOT_LLM_BASE_URL / POLICYBOT_LLM_MODEL are not set."""
    return ChatLLM(settings) if settings.llm_enabled else None


def _messages(system: str, user: str) -> list[tuple[str, str]]:
    return [("system", system), ("human", user)]


def _failure(exc: Exception) -> LLMError:
    reason = failure_reason(exc)
    log.warning("LLM call failed (%s): %s", reason, exc)
    return LLMError(reason)


def failure_reason(exc: BaseException) -> str:
    """'timeout', 'HTTP 500', 'connection error' or the exception's type: what a note can say."""
    name = type(exc).__name__
    status: Any = getattr(exc, "status_code", None)
    if isinstance(exc, TimeoutError) or "Timeout" in name:
        return "timeout"
    if isinstance(status, int):
        return f"HTTP {status}"
    if "Connection" in name or isinstance(exc, ConnectionError):
        return "connection error"
    return name
