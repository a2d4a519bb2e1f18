"""A real ``medrecord serve --workers N`` process for the randomised invariant run.

The same start as ``tests/support/ui_server.py`` (a fresh database, a data directory of its
own, ready when /readyz answers), with worker processes and extra settings; the process runs
in its own process group so that stopping it stops its workers too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings
from medrecord.demo import people


@dataclass
class LiveServer:
    base: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def api(self) -> str:
        return self.base + "/api/v1"

    def signer(self) -> TokenSigner:
        return TokenSigner.from_settings(Settings(data_dir=self.data_dir))

    def token(self, username: str, *, hours: int = 2) -> str:
        """A bearer token for a demo staff member (``medrecord token --demo`` mints the same)."""
        from datetime import timedelta

        staff = people.staff_by_username(username)
        assert staff is not None, username
        return self.signer().mint(
            sub=staff.username,
            name=staff.name,
            role=str(staff.role),
            org=staff.organisation_id,
            ttl=timedelta(hours=hours),
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    data_dir: Path, database_url: str, *, workers: int = 2, extra_env: dict[str, str] | None = None
) -> LiveServer:
    """Start ``medrecord serve`` on a free port and wait until it is ready (it migrates and, in
    dev mode, seeds the demo data into the empty database first)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDRECORD_")}
    env.pop("TEST_DATABASE_URL", None)
    env |= {
        "MEDRECORD_DATABASE_URL": database_url.replace("postgresql+psycopg", "postgresql"),
        "MEDRECORD_DATA_DIR": str(data_dir),
    } | (extra_env or {})
    log = data_dir / "serve.log"
    command = [sys.executable, "-m", "medrecord.cli", "serve", "--port", str(port)]
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, log, process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("medrecord serve exited:\n" + server.log_text())
        try:
            if httpx.get(server.base + "/readyz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop(server)
    raise AssertionError("medrecord serve not ready within 120 s:\n" + server.log_text())


def stop(server: LiveServer) -> None:
    """SIGTERM to uvicorn's supervisor (it stops its workers); the process group if it hangs."""
    if server.process.poll() is not None:
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
