"""`medrecord serve` as a newcomer runs it: a real process, embedded PostgreSQL, real HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


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

    def start(self) -> float:
        started = time.monotonic()
        with self.log.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                medrecord("serve", "--port", str(self.port), "--data-dir", str(self.data_dir)),
                env=clean_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.base + "/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("not ready within 60 s:\n" + self.log.read_text())

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)

    def token(self, username: str) -> str:
        return subprocess.run(
            medrecord("token", "--demo", username, "--data-dir", str(self.data_dir)),
            env=clean_env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "data", free_port())
    yield server
    if server.process and server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def test_serve_starts_embedded_postgres_seeds_and_answers_over_http(server: Server) -> None:
    seconds = server.start()
    assert seconds < 60

    docs = httpx.get(server.base + "/docs").text
    external = [
        u
        for u in re.findall(r"""(?:src|href)=["']([^"']+)""", docs)
        if u.startswith(("http:", "https:", "//"))
    ]
    assert external == []
    login = httpx.get(server.base + "/ui", follow_redirects=True)
    assert login.status_code == 200 and "Sign in" in login.text

    token = server.token("dr.jensen")
    card = httpx.get(
        server.base + "/api/v1/citizens/070354-1234/medication-card",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert card.status_code == 200
    assert card.json()["citizen"]["name"] == "Anna Sørensen"
    assert len(card.json()["medications"]) >= 2

    assert server.stop() == 0
    assert not (server.data_dir / "pgdata" / "postmaster.pid").exists()

    # The data survives a restart and is not seeded twice.
    server.start()
    again = httpx.get(
        server.base + "/api/v1/citizens/070354-1234/medication-card",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [m["id"] for m in again.json()["medications"]] == [
        m["id"] for m in card.json()["medications"]
    ]
    assert server.log.read_text().count("Seeded demo data") == 1
    assert server.stop() == 0


def test_token_list_demo_names_every_demo_user(tmp_path: Path) -> None:
    out = subprocess.run(
        medrecord("token", "--list-demo"),
        env=clean_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    roles = {line.split("\t")[1] for line in out}
    assert roles == {"doctor", "nurse", "pharmacist", "pharmacy_assistant", "citizen", "admin"}
    citizens = [line.split("\t") for line in out if line.split("\t")[1] == "citizen"]
    assert len(citizens) == 21
    assert all(re.fullmatch(r"\d{10}", fields[4]) for fields in citizens)


def test_every_command_has_help() -> None:
    for command in ([], ["serve"], ["migrate"], ["seed-demo"], ["token"]):
        result = subprocess.run(
            medrecord(*command, "--help"), env=clean_env(), capture_output=True, text=True
        )
        assert result.returncode == 0, command
        assert "Usage" in result.stdout
