"""python -m eval run [--golden FILE] [--out DIR] | calibrate | baseline.

run: score the bot on a golden file and write the report; calibrate: sweep the decline thresholds;
baseline: run the golden set on the offline path and record its scores in eval/baseline.json (the CI gate).
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
from eval.calibrate import evidence_strengths, recommend, sweep
from eval.gate import BASELINE_FILE, GATE_DAY, load_baseline, write_baseline
from eval.golden import GOLDEN_FILE, load_golden
from eval.run import eval_settings, run_golden, summarise, write_outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    parser.add_argument("command", choices=["run", "calibrate", "baseline"])
    parser.add_argument("--golden", type=Path, default=GOLDEN_FILE)
    parser.add_argument("--out", type=Path, default=Path("eval/out"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        questions = load_golden(args.golden)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    overrides = {"embed_model": "none", "today": GATE_DAY} if args.command == "baseline" else {}
    settings = eval_settings(load_settings(**overrides))
    bot = PolicyBot.from_settings(settings)
    if args.command == "calibrate":
        strengths = evidence_strengths(bot, questions)
        for lang in ("zh", "en"):
            rows = sweep(strengths, lang)
            print(f"{lang}: threshold  decline-accuracy  false-declines")
            for t, accuracy, false in rows:
                print(f"     {t:.2f}      {accuracy:.2f}              {false:.2f}")
            print(f"{lang}: recommended POLICYBOT_DECLINE_THRESHOLD_{lang.upper()}={recommend(rows)}")
        return 0
    rows = run_golden(bot, questions)
    summary = summarise(rows)
    if args.command == "baseline":
        write_baseline(summary)
        print(json.dumps(load_baseline(), indent=1))
        print(f"wrote {BASELINE_FILE}: commit it deliberately")
        return 0
    meta = {
        "golden": str(args.golden),
        "questions": len(questions),
        "retrievers": "+".join(bot.index.retrievers),
        "embed_model": settings.embed_model if "dense" in bot.index.retrievers else "none",
        "date": dt.date.today().isoformat(),
    }
    write_outputs(rows, summary, args.out, meta)
    print(json.dumps(summary["by_lang"], indent=1))
    print(f"wrote {args.out}/results.jsonl, summary.json, report.md, chart.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
