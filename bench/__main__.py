"""``python -m bench``: see bench/__init__.py and docs/performance.md."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from bench import report
from bench.run import ALL_SCENARIOS, Options, run

RESULTS = Path(__file__).with_name("results")


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse(argv: list[str] | None = None) -> tuple[Options, Path, bool]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--citizens", type=int, default=0, help="0: the demo data (~20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="1,2", help="worker counts, e.g. 1,2")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats")
    parser.add_argument("--warmup", type=float, default=3, help="seconds per server, 0: none")
    parser.add_argument("--scenarios", default=",".join(ALL_SCENARIOS))
    parser.add_argument("--database-url", default=None, help="else an embedded PostgreSQL")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 worker, 4 connections, 1 x 1 s"
    )
    args = parser.parse_args(argv)
    scenarios = _list(args.scenarios)
    unknown = set(scenarios) - set(ALL_SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    options = Options(
        citizens=args.citizens,
        seed=args.seed,
        workers=[int(w) for w in _list(args.workers)],
        connections=args.connections,
        duration=args.duration,
        repeat=args.repeat,
        scenarios=scenarios,
        database_url=args.database_url,
        warmup=args.warmup,
        keep=args.keep,
    )
    if args.quick:
        options.workers, options.connections, options.duration = [1], 4, 1
        options.repeat, options.warmup, options.pairs = 1, 0, 16
        options.templates, options.raw_card_scripts = 2, 4
    return options, args.results_dir, args.quick


def main(argv: list[str] | None = None) -> None:
    options, results_dir, _ = parse(argv)
    bench = run(options)
    path = report.write(bench.to_json(), results_dir, Console(width=160))
    Console(stderr=True).print(f"Results: {path} and {path.with_suffix('.md')}")


if __name__ == "__main__":
    main()
