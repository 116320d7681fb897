"""python -m eval run [--golden FILE] [--out DIR] | baseline.

run: score the bot on the real, golden and held-out sets (or one FILE) and write a report per set, a
side-by-side table (sets.md) and the calibration figure (calibration.png: reliability diagram and ROC curves);
baseline: score every set on the offline path and record the scores in eval/baseline.json (the CI gate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from bot import PolicyBot
from core.config import load_settings
from eval.calibrate import draw
from eval.gate import BASELINE_FILE, GATE_DAY, load_baseline, write_baseline
from eval.golden import EVAL_SETS, load_golden
from eval.run import confidence_pairs, eval_settings, run_golden, side_by_side, summarise, write_outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    parser.add_argument("command", choices=["run", "baseline"])
    parser.add_argument("--golden", type=Path, help="one question file (default: every set in eval/)")
    parser.add_argument("--out", type=Path, default=Path("eval/out"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    files = {args.golden.stem: args.golden} if args.golden else dict(EVAL_SETS)
    try:
        sets = {name: load_golden(path) for name, path in files.items()}
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    overrides = {"embed_model": "none", "today": GATE_DAY} if args.command == "baseline" else {}
    settings = eval_settings(load_settings(**overrides))
    bot = PolicyBot.from_settings(settings)
    results = {name: run_golden(bot, questions) for name, questions in sets.items()}
    summaries = {name: summarise(rows) for name, rows in results.items()}
    if args.command == "baseline":
        write_baseline(summaries)
        print(json.dumps(load_baseline(), indent=1))
        print(f"wrote {BASELINE_FILE}: commit it deliberately")
        return 0
    for name, summary in summaries.items():
        meta = {
            "golden": str(files[name]),
            "questions": len(sets[name]),
            "retrievers": "+".join(bot.index.retrievers),
            "embed_model": settings.embed_model if "dense" in bot.index.retrievers else "none",
            "date": dt.date.today().isoformat(),
        }
        out = args.out if args.golden else args.out / name
        write_outputs(results[name], summary, out, meta)
    table = side_by_side(summaries)
    if not args.golden:
        (args.out / "sets.md").write_text(table, encoding="utf-8")
        draw({name: confidence_pairs(rows) for name, rows in results.items()}, args.out / "calibration.png")
    print(table)
    print(f"wrote {args.out}: results.jsonl, summary.json, report.md, chart.png per set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
