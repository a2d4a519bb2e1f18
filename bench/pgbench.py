"""Running pgbench (from pgserver's PostgreSQL bundle, else the PATH) with generated scripts,
prepared statements, at the HTTP runs' concurrency; latency percentiles from its per-
transaction log."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class PgbenchMissing(RuntimeError):
    pass


def pgbench_binary() -> str:
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which("pgbench")
    if found is None:
        raise PgbenchMissing("pgbench not found (pgserver's bundle or the PATH)")
    return found


def conninfo(url: str) -> list[str]:
    """pgbench's -h -p -U and dbname from a libpq URL (host may be a socket directory in the
    query string, as pgserver writes it)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or ""])[0]
    args = []
    if host:
        args += ["-h", host]
    if parts.port:
        args += ["-p", str(parts.port)]
    if parts.username:
        args += ["-U", unquote(parts.username)]
    return [*args, unquote(parts.path.lstrip("/")) or "postgres"]


@dataclass
class PgbenchResult:
    transactions: int
    seconds: float
    failed: int
    latency_ms: dict[str, float]
    output: str

    @property
    def tps(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0


def run_pgbench(
    url: str,
    scripts: list[Path],
    *,
    clients: int,
    seconds: float,
    variables: dict[str, int],
    work_dir: Path,
    tag: str,
    password: str | None = None,
    started: Callable[[int], None] | None = None,
) -> PgbenchResult:
    prefix = work_dir / f"pgbench-{tag}"
    command = [
        pgbench_binary(),
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={clients}",
        "--jobs=2",
        f"--time={max(1, round(seconds))}",
        "--log",
        f"--log-prefix={prefix}",
        *[f"--file={s}" for s in scripts],
        *[f"--define={k}={v}" for k, v in variables.items()],
        *conninfo(url),
    ]
    env = None
    if password:
        import os

        env = {**os.environ, "PGPASSWORD": password}
    process = subprocess.Popen(
        command, cwd=work_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    if started is not None:
        started(process.pid)
    out_bytes, _ = process.communicate()
    output = out_bytes.decode(errors="replace")
    processed = _number(r"number of transactions actually processed: (\d+)", output)
    if processed is None:
        raise RuntimeError(f"pgbench failed ({process.returncode}):\n{output[-3000:]}")
    failed = _number(r"number of failed transactions: (\d+)", output) or 0
    aborted = re.search(r"(\d+) of \d+ clients? .*aborted|client \d+ aborted", output)
    if aborted:
        failed += 1  # an aborted client: the script failed; the output says why
    latencies: list[float] = []
    first, last = None, None
    for log in sorted(work_dir.glob(f"pgbench-{tag}.*")):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 6 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1000.0)
                stamp = int(fields[4]) + int(fields[5]) / 1e6
                first = stamp if first is None else min(first, stamp)
                last = stamp if last is None else max(last, stamp)
        log.unlink()
    measured = _float(r"tps = ([\d.]+) \(without initial connection time\)", output)
    seconds_run = processed / measured if measured else float(seconds)
    return PgbenchResult(
        transactions=processed,
        seconds=seconds_run,
        failed=failed,
        latency_ms=percentiles(latencies),
        output=output,
    )


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p90": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return {
        "p50": at(50),
        "p90": at(90),
        "p95": at(95),
        "p99": at(99),
        "mean": sum(ordered) / len(ordered),
        "max": ordered[-1],
    }


def _number(pattern: str, text: str) -> int | None:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else None


def _float(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None
