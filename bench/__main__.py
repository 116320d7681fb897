"""python -m bench [--quick] [--sizes 0,10000,100000] [--rounds 3] [--limit N] [--no-dense] [--no-peer] [--table]

Measures build, latency, memory, start-up and quality of policybot and of the LangChain recipe, each in its own
subprocess, and writes bench/results.json and bench/chart.png (size 0 = the bundled corpus).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench.report import markdown, write_chart
from bench.run import RESULTS_FILE, BenchConfig, run_bench

QUICK_SIZES = (0, 2000)
FULL_SIZES = (0, 10_000, 100_000)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: bundled + 2,000 clauses, 12 questions, 1 round"
    )
    parser.add_argument(
        "--sizes", default=None, help="comma-separated clause counts, 0 = bundled (default 0,10000,100000); none"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="questions per round (default: all golden)")
    parser.add_argument("--no-dense", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--no-start", action="store_true", help="skip the app start-up measurement")
    parser.add_argument("--no-real", action="store_true", help="skip the real embedding model even if one is cached")
    parser.add_argument(
        "--real-recall-size", type=int, default=100_000, help="clauses for HNSW recall on real embeddings (0: skip)"
    )
    parser.add_argument("--out", type=Path, default=None, help="default: bench/ (--quick: the scratch folder)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--table", action="store_true", help="print the tables of the existing results, redraw the chart, exit"
    )
    return parser.parse_args(argv)


def bench_config(args: argparse.Namespace, argv: list[str]) -> BenchConfig:
    """The run's settings; --quick means bundled + 2,000 clauses, 12 questions, 1 round, output in scratch."""
    if args.sizes == "none":  # only the start-up and real-model measurements
        sizes: tuple[int, ...] = ()
    elif args.sizes:
        sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    else:
        sizes = QUICK_SIZES if args.quick else FULL_SIZES
    work = args.work or Path(tempfile.mkdtemp(prefix="policybot-bench-"))
    out = args.out or (work / "out" if args.quick else RESULTS_FILE.parent)  # a smoke run never touches bench/
    return BenchConfig(
        sizes=sizes,
        rounds=1 if args.quick else args.rounds,
        limit=12 if args.quick and args.limit is None else args.limit,
        dense=not args.no_dense,
        peer=not args.no_peer,
        cold_start=not args.no_start,
        real_model=not (args.no_real or args.quick),
        real_recall_size=args.real_recall_size,
        out=out,
        work=work,
        command=" ".join(["python -m bench", *argv]),
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.table:
        out = args.out or RESULTS_FILE.parent
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        write_chart(results, out / "chart.png")
        print(markdown(results))
        return 0
    config = bench_config(args, argv)
    results = run_bench(config, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(markdown(results))
    print(f"\nwrote {config.out / 'results.json'} and {config.out / 'chart.png'}")
    if args.work is None and not args.quick:  # scratch indexes and model; the results are in bench/
        shutil.rmtree(config.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
