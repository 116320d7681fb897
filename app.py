"""policybot web app: `python app.py [--host 127.0.0.1] [--port 7860] [--share]`.

Serves the public chat at /, the staff console at /staff (when POLICYBOT_STAFF_PASSWORD is set) and the
HTTP API at /api, on the bundled corpus (the index is loaded, or built once and cached).
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot import PolicyBot
from core.config import load_settings
from core.errors import PolicybotError
from web import create_app, share_link, start_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve other machines")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--share", action="store_true", help="also open a temporary public Gradio share link")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    settings = load_settings()
    try:
        bot = PolicyBot.from_settings(settings)
    except PolicybotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        running = start_server(create_app(bot, settings), args.host, args.port)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    index = bot.index
    print(f"policybot: {len(index.documents)} documents, retrieval: {', '.join(index.retrievers)}")
    print(f"policybot ready at {running.url}  (API: {running.url}api/health, staff console: {running.url}staff)")
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
