"""A real HTTP server speaking the OpenAI chat-completions protocol (JSON and SSE), scripted per test."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK_CHARS = 7  # the streamed reply arrives in pieces this long, so tests see the text grow


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request: a text, or an error status, after an optional delay."""

    text: str = ""
    status: int = 200
    delay: float = 0.0


class FakeOpenAI:
    """POST /v1/chat/completions; replies are taken in order (the last one repeats); requests are recorded."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *replies: Reply | str) -> None:
        self.replies = [r if isinstance(r, Reply) else Reply(r) for r in replies]
        self.requests.clear()

    def next_reply(self, body: dict) -> Reply:
        with self._lock:
            self.requests.append(body)
            if not self.replies:
                return Reply("", status=500)
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def messages(self, request: int = -1) -> dict[str, str]:
        """role -> content of one recorded request (the last by default)."""
        return {m["role"]: m["content"] for m in self.requests[request]["messages"]}

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a time-out test): fine
                pass

        def _answer(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._json(404, {"error": {"message": "not found"}})
            reply = fake.next_reply(body)
            time.sleep(reply.delay)
            if reply.status != 200:
                return self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
            if body.get("stream"):
                return self._stream(body.get("model", ""), reply.text)
            return self._json(200, _completion(body.get("model", ""), reply.text))

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, model: str, text: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.end_headers()
            pieces = [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
            for i, piece in enumerate(pieces):
                delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                self._event(_chunk(model, delta, None))
            self._event(_chunk(model, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def _event(self, payload: dict) -> None:
            self.wfile.write(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()

    return Handler


def _completion(model: str, text: str) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict, finish: str | None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
