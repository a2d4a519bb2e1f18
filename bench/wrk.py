"""Driving a server with wrk (Debian's wrk 4.1) and bench/load.lua, one connection per wrk
thread (a dispensing is two requests in turn on one connection)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LUA = Path(__file__).with_name("load.lua")


class WrkMissing(RuntimeError):
    pass


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing("wrk is not installed: apt-get install -y wrk (Debian's wrk 4.1)")
    return found


@dataclass
class LoadFiles:
    """The data files load.lua reads: tokens, card-read pairs, fresh prescriptions."""

    tokens: Path
    pairs: Path
    rx: Path | None = None


@dataclass
class WrkResult:
    requests: int
    seconds: float
    latency_ms: dict[str, float]
    codes: dict[str, int]
    kinds: dict[str, dict[str, int]]
    socket_errors: dict[str, int]
    raw: dict[str, Any] = field(repr=False)

    @property
    def non_2xx(self) -> int:
        return sum(n for code, n in self.codes.items() if not 200 <= int(code) < 300)

    @property
    def errors(self) -> int:
        """Non-2xx answers plus connect/read/write/timeout errors (status errors are the
        same answers counted twice by wrk, so left out)."""
        return self.non_2xx + sum(n for k, n in self.socket_errors.items() if k != "status")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    base_url: str,
    *,
    mode: str,
    connections: int,
    seconds: float,
    files: LoadFiles | None,
    key_prefix: str,
    work_dir: Path,
    write_share: float = 0.1,
    started: Any = None,
) -> WrkResult:
    """Run wrk for ``seconds``; ``started(pid)`` is called once wrk runs (CPU accounting)."""
    out = work_dir / f"wrk-{key_prefix}.json"
    env = dict(os.environ)
    env.update(
        BENCH_MODE=mode,
        BENCH_THREADS=str(connections),
        BENCH_KEY=key_prefix,
        BENCH_WRITES=str(write_share),
        BENCH_OUT=str(out),
        BENCH_TOKENS=str(files.tokens) if files else "",
        BENCH_PAIRS=str(files.pairs) if files else "",
        BENCH_RX=str(files.rx) if files and files.rx else "",
    )
    command = [
        wrk_binary(),
        f"--threads={connections}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={LUA}",
        base_url,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if started is not None:
        started(process.pid)
    stdout, stderr = process.communicate()
    if process.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({process.returncode}): {stdout!r} {stderr!r}")
    data = json.loads(out.read_text())
    latency = {k: (v or 0) / 1000.0 for k, v in data["latency_us"].items()}
    return WrkResult(
        requests=int(data["requests"]),
        seconds=float(data["duration_us"]) / 1e6,
        latency_ms=latency,
        codes={str(k): int(v) for k, v in data.get("codes", {}).items()},
        kinds={k: {"n": int(v["n"]), "bad": int(v["bad"])} for k, v in data["kinds"].items()},
        socket_errors={k: int(v) for k, v in data["errors"].items()},
        raw=data,
    )
