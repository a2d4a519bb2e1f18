"""The processes under test: ``medrecord serve``, the bare app, and the CPU each tree spends.

CPU is read from the kernel's per-process counters (utime + stime, via psutil) before and after
a run, for every process of a tree: the live ones directly, the ones that ended during the run
through their parent's counters for reaped children (PostgreSQL's postmaster reaps its
backends, so a backend that came and went still counts)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped,unused-ignore]

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without MEDRECORD_* settings (the bench states what it wants)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDRECORD_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def tree_cpu_seconds(root_pid: int) -> float:
    """User + system CPU seconds of ``root_pid`` and all its descendants, ended ones included
    where their parent reaped them."""
    try:
        root = psutil.Process(root_pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            t = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all users: the host is shared)."""
    t = psutil.cpu_times()
    busy = ("user", "nice", "system", "irq", "softirq", "steal")  # guest is inside user
    return float(sum(getattr(t, name, 0.0) for name in busy))


@dataclass
class Server:
    """An HTTP server process (``medrecord serve`` or the bare app) on a loopback port."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    ready_path: str = "/readyz"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 180) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*self.command, "--port", str(self.port)],
                env=self.env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C of the bench reaches it through stop()
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(self.base + self.ready_path, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError(f"{self.name} not ready in {timeout} s:\n{self.log.read_text()}")
        self.wait_for_workers()

    def workers(self) -> list[psutil.Process]:
        """The processes that answer requests: the workers of a multi-worker server (uvicorn's
        spawned children running Python), else the server process itself."""
        root = psutil.Process(self.pid)
        children = [c for c in root.children() if "multiprocessing.resource_tracker" not in _cmd(c)]
        pythons = [c for c in children if "python" in _cmd(c).split(" ")[0]]
        return pythons or [root]

    def wait_for_workers(self, timeout: float = 120) -> None:
        """Every worker of --workers N has started before a run: the first ready answer may
        come from one worker while another still imports the app. A worker counts as started
        once its memory stops growing (psutil cannot tell which process accepts)."""
        wanted = _workers_option(self.command)
        deadline = time.monotonic() + timeout
        previous: dict[int, int] = {}
        while wanted > 1 and time.monotonic() < deadline:
            sizes = {w.pid: _rss(w) for w in self.workers()}
            steady = [pid for pid, size in sizes.items() if size and previous.get(pid) == size]
            if len(steady) >= wanted:
                return
            previous = sizes
            time.sleep(1.0)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _cmd(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:
        return 0


def _workers_option(command: list[str]) -> int:
    if "--workers" in command:
        return int(command[command.index("--workers") + 1])
    return 1


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
