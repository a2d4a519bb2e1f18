"""The embedded PostgreSQL lives as long as `medrecord serve` and no longer: it stops after
SIGTERM, after Ctrl-C and after serve is killed outright. While one serve runs, a second one on
the same data directory is refused; serve connects as the least-privileged app role."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest

from tests.support.serve_process import (
    Server,
    alive,
    clean_env,
    free_port,
    medrecord,
    postmaster_gone,
    postmaster_pid,
    postmaster_socket,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the module: the first start seeds it, later starts are quicker."""
    return tmp_path_factory.mktemp("lifecycle") / "data"


@pytest.fixture
def server(data_dir: Path) -> Iterator[Server]:
    server = Server(data_dir, free_port())
    yield server
    server.kill()


@pytest.mark.parametrize(
    ("sent", "exit_code"),
    [(signal.SIGTERM, 0), (signal.SIGINT, 0), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["SIGTERM", "SIGINT", "SIGKILL"],
)
def test_embedded_postgres_stops_when_serve_ends(
    server: Server, sent: signal.Signals, exit_code: int
) -> None:
    server.start()
    assert server.process is not None
    postmaster = postmaster_pid(server.pgdata)
    assert postmaster is not None and alive(postmaster)
    helpers = server_children(server.process.pid)

    server.process.send_signal(sent)

    assert server.process.wait(timeout=30) == exit_code
    assert postmaster_gone(server.pgdata, postmaster, within=10), server.log.read_text()
    assert not [pid for pid in helpers if outlives(pid)], "a helper process outlived serve"


def test_second_serve_on_the_same_data_dir_is_refused_while_the_first_serves(
    server: Server,
) -> None:
    server.start()
    assert server.process is not None

    second = subprocess.run(
        medrecord("serve", "--port", str(free_port()), "--data-dir", str(server.data_dir)),
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert second.returncode == 1
    assert second.stdout == ""
    [message] = second.stderr.strip().splitlines()
    assert "already serving" in message and str(server.process.pid) in message
    assert httpx.get(server.base + "/readyz", timeout=5).status_code == 200
    # Beside a running serve, the other commands join its PostgreSQL and leave it running.
    for command in (["migrate"], ["token", "--demo", "dr.jensen"]):
        done = subprocess.run(
            medrecord(*command, "--data-dir", str(server.data_dir)),
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    assert httpx.get(server.base + "/readyz", timeout=5).status_code == 200
    postmaster = postmaster_pid(server.pgdata)
    assert postmaster is not None
    assert server.stop() == 0
    assert postmaster_gone(server.pgdata, postmaster, within=10)


def test_serve_connects_as_the_app_role_and_the_owner_role_owns_the_tables(
    server: Server,
) -> None:
    server.start()
    token = server.token("dr.jensen")
    card = httpx.get(
        server.base + "/api/v1/citizens/070354-1234/medication-card",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert card.status_code == 200
    host, port = postmaster_socket(server.pgdata)

    with psycopg.connect(host=host, port=port, user="postgres", dbname="medrecord") as conn:
        logins = conn.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'medrecord'"
        ).fetchall()
        roles = {
            name: tuple(attributes)
            for name, *attributes in conn.execute(
                "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolbypassrls,"
                " rolreplication, rolcanlogin FROM pg_roles"
                " WHERE rolname IN ('medrecord_app', 'medrecord_owner')"
            )
        }
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()

    assert logins == [("medrecord_app",)]
    assert roles == {
        "medrecord_app": (False, False, False, False, False, False, True),
        "medrecord_owner": (False, False, False, True, False, False, True),
    }
    assert owners == [("medrecord_owner",)]
    assert server.stop() == 0


def server_children(pid: int) -> list[int]:
    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def outlives(pid: int) -> bool:
    """True when ``pid`` still runs 10 s from now."""
    try:
        psutil.Process(pid).wait(timeout=10)
    except psutil.NoSuchProcess:
        return False
    except psutil.TimeoutExpired:
        return alive(pid)
    return False
