"""policybot web app: `python app.py [--host 127.0.0.1] [--port 7860] [--workers N] [--share]`.

Serves the public chat at /, the staff console at /staff (when POLICYBOT_STAFF_PASSWORD is set) and the
HTTP API at /api, on the bundled corpus (the index is loaded, or built once and cached). With --workers N,
N processes share the port and one database (POLICYBOT_DATABASE_URL; see web/workers.py).
"""

from __future__ import annotations

import argparse
import logging
import sys

from core.config import load_settings
from core.errors import PolicybotError
from web import create_app, share_link, start_server
from web.server import load_bot
from web.workers import serve_workers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve other machines")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (share POLICYBOT_DATABASE_URL)")
    parser.add_argument("--share", action="store_true", help="also open a temporary public Gradio share link")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    settings = load_settings()
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    url = f"http://{shown}:{args.port}/"
    ready = f"policybot ready at {url}  (API: {url}api/health, staff console: {url}staff)"
    if args.workers > 1:
        return serve_workers(args.host, args.port, args.workers, on_ready=lambda: print(ready, flush=True))
    try:
        bot = load_bot(settings)  # loaded and warmed up before the port opens
        running = start_server(create_app(bot, settings), args.host, args.port)
    except (PolicybotError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"policybot: {len(bot.index.documents)} documents, retrieval: {', '.join(bot.index.retrievers)}")
    print(ready, flush=True)
    if args.share:
        try:
            print(f"public share link: {share_link(args.host, args.port)}")
        except Exception as exc:  # the local app keeps running without a share link
            print(f"no share link: {exc}", file=sys.stderr)
    try:
        while running.thread.is_alive():
            running.thread.join(0.5)
    except KeyboardInterrupt:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
