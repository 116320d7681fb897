"""The conversation as the browser keeps it (localStorage): nothing about the asker is stored on the server.

The page saves `snapshot(...)` after every answer and hands the saved text back on the next visit;
`restore` takes whatever comes back (old versions, a hand-edited or truncated value) and returns a
conversation or nothing, never an error. The messages are the chat's own HTML, which the chat's sanitiser
renders as it renders every answer; whoever can write this origin's storage can run script on it anyway.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from web.i18n import LANGS

STORAGE_KEY = "policybot.conversation.v1"
VERSION = 1
MAX_MESSAGES = 60  # 30 turns: older ones are dropped first
MAX_CHARS = 1_500_000  # well under the 5 MB a browser gives one origin's localStorage (UTF-16)
MAX_HISTORY_CHARS = 4_000  # per remembered answer text: the follow-up rewrite needs only its gist


class Conversation(NamedTuple):
    chat: list[dict]  # {"role": "user" | "assistant", "content": HTML}
    history: list[tuple[str, str]]  # (question, answer text), oldest first: the bot's follow-up context
    lang: str


def message_text(message: object) -> str | None:
    """A chat message's HTML, whichever form the chat gave it in; None for anything else."""
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        return None
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    texts = [p.get("text") for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return "".join(texts) if texts else None


def clean(chat: object, history: object, lang: object) -> Conversation:
    """The well-formed part of a conversation, trimmed to the storage budget (oldest turns go first)."""
    messages = []
    for message in chat if isinstance(chat, list) else []:
        text = message_text(message)
        if text is not None:
            messages.append({"role": message["role"], "content": text})
    pairs = (
        [
            (q, a[:MAX_HISTORY_CHARS])
            for q, a in (p for p in history if isinstance(p, (list, tuple)) and len(p) == 2)
            if isinstance(q, str) and isinstance(a, str)
        ]
        if isinstance(history, list)
        else []
    )
    messages = _trimmed(messages[-MAX_MESSAGES:])
    turns = sum(m["role"] == "user" for m in messages)
    return Conversation(messages, pairs[-turns:] if turns else [], lang if lang in LANGS else "zh")


def _trimmed(messages: list[dict]) -> list[dict]:
    # Drop whole turns from the start until the rest fits; a conversation starts with a question.
    while messages and (sum(len(m["content"]) for m in messages) > MAX_CHARS or messages[0]["role"] != "user"):
        messages = messages[1:]
    return messages


def snapshot(chat: object, history: object, lang: object) -> str:
    """The text the browser stores; '' for an empty conversation (the page then removes the key)."""
    conversation = clean(chat, history, lang)
    if not conversation.chat:
        return ""
    body = {"version": VERSION, "lang": conversation.lang, "chat": conversation.chat, "history": conversation.history}
    return json.dumps(body, ensure_ascii=False)


def restore(saved: object) -> Conversation | None:
    """The stored conversation, or None when there is none or it cannot be read."""
    if not isinstance(saved, str) or not saved.strip() or len(saved) > 2 * MAX_CHARS:
        return None
    try:
        body = json.loads(saved)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or body.get("version") != VERSION:
        return None
    conversation = clean(body.get("chat"), body.get("history"), body.get("lang"))
    return conversation if conversation.chat else None
