"""`medrecord serve` as a newcomer runs it: a real process, embedded PostgreSQL, real HTTP."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import Server, clean_env, free_port, medrecord

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[Server]:
    # Not under pytest's 0700 temp root: as root, pgserver runs initdb as its own user, which
    # must reach the data directory (the root's mode is reset by other pytest processes).
    home = Path(tempfile.mkdtemp(prefix="medrecord-serve-"))
    home.chmod(0o755)
    server = Server(home / "data", free_port())
    yield server
    server.kill()
    shutil.rmtree(home, ignore_errors=True)


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
