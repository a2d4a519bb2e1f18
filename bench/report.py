"""Summaries of a run: the median of the repeats per scenario and worker count, the ratios the
issue asks for, and the same as a rich table, JSON and markdown."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

LABELS = {
    "healthz": "app `GET /healthz`",
    "bare": "bare FastAPI `/healthz`",
    "card": "audited card read",
    "dispense": "claim + dispense (2 requests)",
    "mixed": "90 % card reads / 10 % dispensings",
    "raw-card": "card read's SQL via pgbench",
    "raw-dispense": "claim + dispense SQL via pgbench",
}


@dataclass
class Row:
    scenario: str
    workers: int | None
    rps: float  # requests/s (HTTP) or transactions/s (pgbench); median of the repeats
    ops: float  # card reads + dispensings per s (a dispensing = claim + dispense)
    p50: float
    p95: float
    p99: float
    requests: int
    errors: int
    cpu_ms: dict[str, float]  # CPU ms per request: server, database, load; machine busy %

    @property
    def who(self) -> str:
        return f"{self.workers}" if self.workers else "-"


def summarise(data: dict[str, Any]) -> list[Row]:
    groups: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
    for m in data["measurements"]:
        if m["repeat"] == 0:
            continue  # warm-up
        groups.setdefault((m["scenario"], m["workers"]), []).append(m)
    rows = []
    for (scenario, workers), ms in groups.items():
        requests = sum(m["requests"] for m in ms)
        seconds = sum(m["seconds"] for m in ms)
        cpu = {k: sum(m["cpu_seconds"][k] for m in ms) for k in ("server", "database", "load")}
        machine = sum(m["cpu_seconds"]["machine"] for m in ms)
        cores = data.get("cpus") or 1
        rows.append(
            Row(
                scenario=scenario,
                workers=workers,
                rps=statistics.median(m["rps"] for m in ms),
                ops=statistics.median(m["operations"] / m["seconds"] for m in ms),
                p50=statistics.median(m["latency_ms"]["p50"] for m in ms),
                p95=statistics.median(m["latency_ms"]["p95"] for m in ms),
                p99=statistics.median(m["latency_ms"]["p99"] for m in ms),
                requests=requests,
                errors=sum(m["errors"] for m in ms),
                cpu_ms={
                    **{k: 1000 * v / requests if requests else 0.0 for k, v in cpu.items()},
                    "machine_pct": 100 * machine / seconds / cores if seconds else 0.0,
                },
            )
        )
    order = list(LABELS)
    rows.sort(key=lambda r: (order.index(r.scenario), r.workers or 0))
    return rows


def ratios(rows: list[Row]) -> list[tuple[str, float]]:
    by = {(r.scenario, r.workers): r for r in rows}
    result: list[tuple[str, float]] = []
    workers = sorted({r.workers for r in rows if r.workers})
    raw_card, raw_dispense = by.get(("raw-card", None)), by.get(("raw-dispense", None))
    for w in workers:
        card, healthz = by.get(("card", w)), by.get(("healthz", w))
        bare, dispense = by.get(("bare", w)), by.get(("dispense", w))
        if card and raw_card and raw_card.rps:
            result.append((f"card read / raw SQL ({w} worker)", card.rps / raw_card.rps))
        if healthz and bare and bare.rps:
            result.append((f"app /healthz / bare FastAPI ({w} worker)", healthz.rps / bare.rps))
        if dispense and raw_dispense and raw_dispense.rps:
            result.append((f"dispensings / raw SQL ({w} worker)", dispense.ops / raw_dispense.rps))
    if len(workers) >= 2:
        one, two = workers[0], workers[1]
        for scenario in ("card", "dispense", "mixed", "healthz", "bare"):
            a, b = by.get((scenario, one)), by.get((scenario, two))
            if a and b and a.rps:
                result.append((f"{scenario}: {two} workers / {one} worker", b.rps / a.rps))
    return result


def markdown(data: dict[str, Any], rows: list[Row]) -> str:
    o = data["options"]
    lines = [
        f"Run {data['finished']}: {data['citizens']} citizens ({data['seeded']}), "
        f"{o['connections']} connections, {o['repeat']} x {o['duration']:g} s interleaved, "
        f"{data['cpus']} CPUs; {data['pairs']} card-read pairs, {data['templates']} "
        f"dispensing templates. Medians of the repeats; CPU in ms per request (pgbench: per "
        "transaction); machine = busy share of all CPUs during the runs (every process on "
        "the host).",
        "",
        "| scenario | workers | req/s | ops/s | p50 ms | p95 ms | p99 ms | requests | errors "
        "| CPU server | CPU db | CPU load | machine |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {LABELS.get(r.scenario, r.scenario)} | {r.who} | {r.rps:,.0f} | {r.ops:,.0f} "
            f"| {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | {r.requests:,} | {r.errors} "
            f"| {r.cpu_ms['server']:.2f} | {r.cpu_ms['database']:.2f} | {r.cpu_ms['load']:.2f} "
            f"| {r.cpu_ms['machine_pct']:.0f} % |"
        )
    found = ratios(rows)
    if found:
        lines += ["", "| ratio | value |", "|---|--:|"]
        lines += [f"| {name} | {value:.0%} |" for name, value in found]
    if data.get("capture"):
        lines += ["", "Statement capture: " + "; ".join(data["capture"]) + "."]
    return "\n".join(lines) + "\n"


def print_table(data: dict[str, Any], rows: list[Row], console: Console) -> None:
    table = Table(title="medrecord bench (medians of the repeats)")
    for name in ("scenario", "w", "req/s", "ops/s", "p50", "p95", "p99", "requests", "errors"):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    for name in ("CPU ms srv", "db", "load", "machine"):
        table.add_column(name, justify="right")
    for r in rows:
        table.add_row(
            LABELS.get(r.scenario, r.scenario), r.who, f"{r.rps:,.0f}", f"{r.ops:,.0f}",
            f"{r.p50:.1f}", f"{r.p95:.1f}", f"{r.p99:.1f}", f"{r.requests:,}", str(r.errors),
            f"{r.cpu_ms['server']:.2f}", f"{r.cpu_ms['database']:.2f}",
            f"{r.cpu_ms['load']:.2f}", f"{r.cpu_ms['machine_pct']:.0f} %",
        )  # fmt: skip
    console.print(table)
    for name, value in ratios(rows):
        console.print(f"  {name}: [bold]{value:.0%}[/]")


def write(data: dict[str, Any], results_dir: Path, console: Console) -> Path:
    """JSON, markdown and latest.md into ``results_dir``; the table to ``console``."""
    now = datetime.now(UTC)
    data["finished"] = now.strftime("%Y-%m-%d %H:%M UTC")
    rows = summarise(data)
    data["summary"] = [r.__dict__ for r in rows]
    data["ratios"] = dict(ratios(rows))
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"{stamp}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    text = markdown(data, rows)
    (results_dir / f"{stamp}.md").write_text(text)
    (results_dir / "latest.md").write_text(text)
    print_table(data, rows, console)
    return path
