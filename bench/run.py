"""One benchmark run: set up, capture, then the scenarios interleaved over the repeats."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from bench import capture, database, population
from bench.pgbench import run_pgbench
from bench.processes import Server, clean_env, machine_busy_seconds, python_module, tree_cpu_seconds
from bench.wrk import LoadFiles, run_wrk, wrk_binary

console = Console(stderr=True)

HTTP_SCENARIOS = ("healthz", "bare", "card", "dispense", "mixed")
ALL_SCENARIOS = (*HTTP_SCENARIOS, "raw")


@dataclass
class Options:
    citizens: int = 0
    seed: int = 1
    workers: list[int] = field(default_factory=lambda: [1, 2])
    connections: int = 32
    duration: float = 15.0
    repeat: int = 3
    scenarios: list[str] = field(default_factory=lambda: list(ALL_SCENARIOS))
    database_url: str | None = None
    warmup: float = 3.0
    pairs: int = 64
    templates: int = 16
    raw_card_scripts: int = 16
    keep: bool = False


@dataclass
class Measurement:
    scenario: str  # healthz, bare, card, dispense, mixed, raw-card, raw-dispense
    workers: int | None  # None: the raw replay has no app server
    repeat: int
    requests: int  # HTTP requests, or pgbench transactions
    operations: int  # card reads + dispensings (a dispensing is claim + dispense)
    seconds: float
    latency_ms: dict[str, float]
    errors: int
    codes: dict[str, int]
    cpu_seconds: dict[str, float]  # server, database, load, machine

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Bench:
    options: Options
    root: Path
    db: database.Database
    cast: population.Cast
    pharmacies: list[str]
    seeded: str
    servers: dict[int, Server] = field(default_factory=dict)
    bare: dict[int, Server] = field(default_factory=dict)
    files: LoadFiles | None = None
    card_scripts: list[Path] = field(default_factory=list)
    dispense_scripts: list[tuple[Path, database.Template]] = field(default_factory=list)
    capture_notes: list[str] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    dispense_rate: dict[str, float] = field(default_factory=dict)
    citizens: int = 0

    # --- measuring ---------------------------------------------------------------------------

    def _measure(
        self, server: Server | None, drive: Callable[[Callable[[int], None]], Any]
    ) -> tuple[Any, dict[str, float]]:
        pg = self.db.postmaster_pid
        before = {
            "server": tree_cpu_seconds(server.pid) if server else 0.0,
            "database": tree_cpu_seconds(pg) if pg else 0.0,
            "load": _reaped_children_cpu(),
            "machine": machine_busy_seconds(),
        }
        result = drive(lambda pid: None)
        after = {
            "server": tree_cpu_seconds(server.pid) if server else 0.0,
            "database": tree_cpu_seconds(pg) if pg else 0.0,
            "load": _reaped_children_cpu(),
            "machine": machine_busy_seconds(),
        }
        return result, {k: round(after[k] - before[k], 3) for k in before}

    def http(self, scenario: str, workers: int, repeat: int, seconds: float) -> Measurement:
        server = self.bare[workers] if scenario == "bare" else self.servers[workers]
        mode = "healthz" if scenario in ("healthz", "bare") else scenario
        tag = capture.new_tag()
        files = self.files
        if scenario in ("dispense", "mixed"):
            assert files is not None
            count = self._rx_budget(scenario, seconds)
            rx = population.fresh_prescriptions(
                self.db, self.cast, self.pharmacies, count, tag, self.root / f"rx-{tag}.txt"
            )
            files = LoadFiles(files.tokens, files.pairs, rx)
        result, cpu = self._measure(
            server,
            lambda started: run_wrk(
                server.base,
                mode=mode,
                connections=self.options.connections,
                seconds=seconds,
                files=files,
                key_prefix=tag,
                work_dir=self.root,
                started=started,
            ),
        )
        kinds = result.kinds
        operations = kinds.get("card", {}).get("n", 0) + kinds.get("dispense", {}).get("n", 0)
        if scenario in ("dispense", "mixed"):
            rate = kinds.get("dispense", {}).get("n", 0) / result.seconds
            self.dispense_rate[scenario] = max(self.dispense_rate.get(scenario, 0.0), rate)
        return Measurement(
            scenario, workers, repeat, result.requests, operations or result.requests,
            result.seconds, result.latency_ms, result.errors, result.codes, cpu,
        )  # fmt: skip

    def _rx_budget(self, scenario: str, seconds: float) -> int:
        """Enough fresh prescriptions that no wrk thread runs out: twice the best rate seen,
        or a generous first guess, for the run's length."""
        guess = 600.0 if scenario == "dispense" else 150.0
        rate = self.dispense_rate.get(scenario)
        per_second = 2 * rate + 20 if rate else guess
        return max(4 * self.options.connections, int(per_second * (seconds + 2)))

    def raw(self, kind: str, repeat: int, seconds: float) -> Measurement | None:
        tag = capture.new_tag()
        clients = self.options.connections
        if kind == "card":
            scripts, variables = [], {"k": 0}
            for i, script in enumerate(self.card_scripts):
                path = self.root / f"raw-card-{tag}-{i}.sql"
                path.write_text(script.read_text().replace("@RUN@", tag))
                scripts.append(path)
        else:
            scripts, variables = [], {}
            budget = self.dispense_rate.get("raw", 2000.0) * 2 * (seconds + 2)
            per_client = int(budget / len(self.dispense_scripts) / clients) + 5
            for j, (script, template) in enumerate(self.dispense_scripts):
                numbers = range(0, (per_client + 2) * clients)
                database.clone_prescriptions(
                    self.db, template, population.clone_sql(f"{tag}s{j}"), numbers
                )
                text = script.read_text().replace("@RUN@", tag)
                path = self.root / f"raw-dispense-{tag}-{j}.sql"
                path.write_text(text)
                scripts.append(path)
                variables[f"k{j}"] = 0
        if not scripts:
            return None
        variables.update(base=0, nclients=clients)
        result, cpu = self._measure(
            None,
            lambda started: run_pgbench(
                self.db.app_url, scripts, clients=clients, seconds=seconds,
                variables=variables, work_dir=self.root, tag=tag, started=started,
            ),
        )  # fmt: skip
        if result.failed:
            console.print(f"[red]pgbench raw-{kind}: failures[/]\n{result.output[-2000:]}")
        if kind == "dispense":
            self.dispense_rate["raw"] = max(self.dispense_rate.get("raw", 0.0), result.tps)
        return Measurement(
            f"raw-{kind}", None, repeat, result.transactions, result.transactions,
            result.seconds, result.latency_ms, result.failed, {}, cpu,
        )  # fmt: skip

    # --- the run -----------------------------------------------------------------------------

    def run(self) -> None:
        o = self.options
        http = [s for s in o.scenarios if s in HTTP_SCENARIOS]
        if o.warmup > 0:
            for w in o.workers:
                if {"card", "mixed", "dispense"} & set(http):
                    self.http("card", w, 0, o.warmup)
                if "healthz" in http:
                    self.http("healthz", w, 0, min(o.warmup, 1))
                if "bare" in http:
                    self.http("bare", w, 0, min(o.warmup, 1))
        for r in range(1, o.repeat + 1):
            for scenario in o.scenarios:
                if scenario == "raw":
                    for kind in ("card", "dispense"):
                        m = self.raw(kind, r, o.duration)
                        if m:
                            self._record(m)
                    continue
                if scenario in ("dispense", "mixed") and not self.cast.templates:
                    continue
                for w in o.workers:
                    self._record(self.http(scenario, w, r, o.duration))

    def _record(self, m: Measurement) -> None:
        self.measurements.append(m)
        who = f"{m.workers}w" if m.workers else "raw"
        console.print(
            f"  {m.scenario:<13} {who:<4} #{m.repeat}: {m.rps:8.1f}/s  "
            f"p99 {m.latency_ms.get('p99', 0):7.1f} ms  errors {m.errors}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "options": asdict(self.options),
            "seeded": self.seeded,
            "citizens": self.citizens,
            "pairs": len(self.cast.pairs),
            "templates": len(self.cast.templates),
            "pharmacies": len(self.pharmacies),
            "capture": self.capture_notes,
            "cpus": os.cpu_count(),
            "measurements": [{**asdict(m), "rps": m.rps} for m in self.measurements],
        }


def _reaped_children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def prepare(options: Options, root: Path) -> Bench:
    wrk_binary()  # fail before minutes of set-up
    data_dir = root / "data"
    console.print(f"Bench directory: {root}")
    db = database.open_database(data_dir, options.database_url)
    seeded = database.seed(db, data_dir, citizens=options.citizens, seed=options.seed)
    cast = population.Cast.for_data_dir(data_dir)
    candidates = database.authorised_pairs(db, options.pairs, seed=options.seed)
    pharmacies = database.pharmacies(db, 16)
    bench = Bench(options, root, db, cast, pharmacies, seeded)
    bench.citizens = database.count_citizens(db)
    serve_env = clean_env(**db.serve_env(), MEDRECORD_DATA_DIR=str(data_dir))
    for w in options.workers:
        command = python_module(
            "medrecord.cli", "serve", "--workers", str(w), "--data-dir", str(data_dir)
        )
        bench.servers[w] = Server(f"medrecord {w}w", command, serve_env, root / f"serve-{w}.log")
        if "bare" in options.scenarios:
            bare = python_module("bench.bare_app", "--workers", str(w))
            bench.bare[w] = Server(
                f"bare {w}w", bare, clean_env(), root / f"bare-{w}.log", ready_path="/healthz"
            )
    first = bench.servers[options.workers[0]]
    first.start()
    console.print(f"Seeded: {seeded}; {len(candidates)} candidate card-read pairs")
    wants_writes = {"dispense", "mixed"} & set(options.scenarios) or "raw" in options.scenarios
    if wants_writes and pharmacies:
        _choose_templates(bench, first, candidates)
    template_citizens = {t.citizen_id for t in cast.templates}
    readable = cast.keep_readable_pairs(first.base, candidates)
    cast.pairs = [p for p in readable if p.citizen_id not in template_citizens] or readable
    console.print(
        f"{len(cast.pairs)} card-read pairs, {len(cast.templates)} dispensing templates, "
        f"{len(pharmacies)} pharmacies"
    )
    if "raw" in options.scenarios:
        _capture(bench, first)
    for pharmacy in pharmacies:
        cast.pharmacist(pharmacy)  # every token is in the tokens file
    bench.files = population.write_load_files(cast, root)
    for server in [*bench.servers.values(), *bench.bare.values()]:
        if server.process is None:
            server.start()
    return bench


def _choose_templates(bench: Bench, server: Server, candidates: list[database.Pair]) -> None:
    """Templates whose clone the app claims and dispenses, on at most a third of the
    citizens with readable cards (a template's clones fill its citizen's card)."""
    limit = max(1, min(bench.options.templates, len({p.citizen_id for p in candidates}) // 3))
    tag = "probe-" + capture.new_tag()
    with httpx.Client(base_url=server.base, timeout=30) as client:
        for i, template in enumerate(database.template_candidates(bench.db, 4 * limit)):
            if len(bench.cast.templates) >= limit:
                break
            database.clone_prescriptions(bench.db, template, population.clone_sql(tag), [i])
            rx = population.clone_id(tag, i)
            if bench.cast.dispense(client, template.cpr, rx, bench.pharmacies[0], f"{tag}-{i}"):
                bench.cast.templates.append(template)


def _capture(bench: Bench, server: Server) -> None:
    db = bench.db
    if not (db.superuser_url and db.log_file and db.app_role and db.log_file.exists()):
        bench.capture_notes.append("raw replay skipped: needs the bench's embedded PostgreSQL")
        return
    log = capture.StatementLog(db.superuser_url, db.log_file, db.app_role)
    cast = bench.cast
    scripts_dir = bench.root / "scripts"
    scripts_dir.mkdir(exist_ok=True)
    with log, httpx.Client(base_url=server.base, timeout=30) as client:
        for i, pair in enumerate(cast.pairs[: bench.options.raw_card_scripts]):
            headers = cast.header(cast.doctor(pair.organisation_id))
            url = f"/api/v1/citizens/{pair.cpr}/medication-card"
            read = partial(client.get, url, headers=headers)
            a, b = capture.capture(log, read), capture.capture(log, read)
            try:
                script = capture.build_script(a, b, tag=f"@RUN@c{i}", known={}, counter="k")
            except ValueError as exc:
                bench.capture_notes.append(f"card {i}: {exc}")
                continue
            path = scripts_dir / f"card-{i}.sql"
            path.write_text(script.text)
            bench.card_scripts.append(path)
            if i == 0:
                bench.capture_notes.append(
                    f"card read: {script.statements} statements, {script.fresh_slots} fresh ids"
                )
        for j, template in enumerate(cast.templates):
            tag = f"capture{j}-" + capture.new_tag()
            database.clone_prescriptions(db, template, population.clone_sql(tag), [0, 1])
            runs = []
            for n in (0, 1):
                rx, key = population.clone_id(tag, n), f"{tag}-key-{n}"
                dispense = partial(
                    cast.dispense, client, template.cpr, rx, bench.pharmacies[0], key
                )
                runs.append((rx, key, capture.capture(log, dispense)))
            (_, _, a), (rx_b, key_b, b) = runs
            known = {
                str(rx_b): f"md5('@RUN@s{j}-' || :n::text)::uuid",
                key_b: f"('@RUN@s{j}-key-' || :n::text)",
            }
            try:
                script = capture.build_script(a, b, tag=f"@RUN@d{j}", known=known, counter=f"k{j}")
            except ValueError as exc:
                bench.capture_notes.append(f"dispensing {j}: {exc}")
                continue
            path = scripts_dir / f"dispense-{j}.sql"
            path.write_text(script.text)
            bench.dispense_scripts.append((path, template))
            if j == 0:
                bench.capture_notes.append(
                    f"claim + dispense: {script.statements} statements, "
                    f"{script.fresh_slots} fresh ids"
                )


def run(options: Options, root: Path | None = None) -> Bench:
    root = root or Path(tempfile.mkdtemp(prefix="medrecord-bench-"))
    bench: Bench | None = None
    started = time.monotonic()
    try:
        bench = prepare(options, root)
        bench.run()
        console.print(f"Bench finished in {time.monotonic() - started:.0f} s")
        return bench
    finally:
        if bench is not None:
            for server in [*bench.servers.values(), *bench.bare.values()]:
                server.stop()
        if options.database_url is None:
            from medrecord import embedded_postgres

            embedded_postgres.stop(root / "data" / "pgdata")
        if not options.keep:
            shutil.rmtree(root, ignore_errors=True)
