"""`medrecord serve` as a real process on its own data directory (embedded PostgreSQL), and
what the system tests look at from outside: its postmaster, its exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def medrecord(*args: str) -> list[str]:
    return [sys.executable, "-m", "medrecord.cli", *args]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDRECORD_")}
    env.pop("TEST_DATABASE_URL", None)
    return env


class Server:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.base = f"http://127.0.0.1:{port}"
        self.log = data_dir.parent / f"serve-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def start(self) -> float:
        started = time.monotonic()
        with self.log.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                medrecord("serve", "--port", str(self.port), "--data-dir", str(self.data_dir)),
                env=clean_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + 120  # a loaded CI machine; test_serve holds the 60 s promise
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.base + "/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("not ready within 120 s:\n" + self.log.read_text())

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        """Leave nothing running: the serve process, then (if it survived) its postmaster."""
        postmaster = postmaster_pid(self.pgdata)
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if postmaster is not None and not postmaster_gone(self.pgdata, postmaster, within=10):
            os.kill(postmaster, signal.SIGQUIT)

    def token(self, username: str) -> str:
        return subprocess.run(
            medrecord("token", "--demo", username, "--data-dir", str(self.data_dir)),
            env=clean_env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid PostgreSQL wrote into ``postmaster.pid`` (None: no server claims the directory)."""
    try:
        return int((pgdata / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def postmaster_socket(pgdata: Path) -> tuple[str, int]:
    """Socket directory and port of the running embedded server (lines 5 and 4 of the file)."""
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    return lines[4].strip(), int(lines[3])


def alive(pid: int) -> bool:
    """A process with ``pid`` runs (a zombie waiting for its parent to reap it does not)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def postmaster_gone(pgdata: Path, pid: int, *, within: float) -> bool:
    """True once no process has ``pid`` and ``postmaster.pid`` is gone, waiting ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid) and not (pgdata / "postmaster.pid").exists():
            return True
        time.sleep(0.1)
    return False
