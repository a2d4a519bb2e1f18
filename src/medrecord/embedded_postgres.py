"""Start a real PostgreSQL for a machine that has none running.

First choice is the ``pgserver`` wheel (PostgreSQL binaries inside a Python package); where it is
not installable (e.g. CPython 3.13) we fall back to ``initdb``/``pg_ctl`` on the PATH. Either way
the data lives in a directory that survives restarts, and the server is stopped on exit.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg

DATABASE_NAME = "medrecord"


class EmbeddedPostgresUnavailable(RuntimeError):
    pass


@dataclass
class EmbeddedPostgres:
    """A running server; it stops itself when the last process using it exits."""

    pgdata: Path
    base_uri: str  # libpq URI of the maintenance database ("postgres")

    def uri(self, database: str = DATABASE_NAME) -> str:
        """libpq URI of ``database``, created on first use."""
        ensure_database(self.base_uri, database)
        return _with_database(self.base_uri, database)


def _with_database(uri: str, database: str) -> str:
    # pgserver URIs look like postgresql://postgres:@/postgres?host=/socket/dir
    head, sep, query = uri.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}{sep}{query}"


def ensure_database(maintenance_uri: str, database: str) -> None:
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def start(pgdata: Path) -> EmbeddedPostgres:
    """Start (or join) the embedded server whose data lives in ``pgdata``."""
    pgdata.mkdir(parents=True, exist_ok=True)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver copes.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import pgserver
    except ImportError:
        return _start_from_path(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    return EmbeddedPostgres(pgdata=pgdata, base_uri=server.get_uri())


def _start_from_path(pgdata: Path) -> EmbeddedPostgres:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        raise EmbeddedPostgresUnavailable(
            "No PostgreSQL available: the 'pgserver' package is not installed for this Python "
            "and 'initdb'/'pg_ctl' are not on the PATH. Install PostgreSQL, or set "
            "MEDRECORD_DATABASE_URL to a running server."
        )
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [initdb, "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
    socket_dir = Path(tempfile.mkdtemp(prefix="medrecord-pg-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = f"-k {socket_dir} -p {port} -c listen_addresses=''"
    subprocess.run(  # noqa: S603
        [pg_ctl, "-D", str(pgdata), "-o", options, "-l", str(pgdata / "server.log"), "-w", "start"],
        check=True,
        capture_output=True,
    )

    def stop() -> None:
        subprocess.run(  # noqa: S603
            [pg_ctl, "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )

    atexit.register(stop)
    uri = f"postgresql://postgres:@/postgres?host={socket_dir}&port={port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(uri).close()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    return EmbeddedPostgres(pgdata=pgdata, base_uri=uri)


def sqlalchemy_url(libpq_uri: str) -> str:
    """Turn a libpq URI into a SQLAlchemy URL for psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if libpq_uri.startswith(prefix):
            return "postgresql+psycopg://" + libpq_uri[len(prefix) :]
    raise ValueError("not a PostgreSQL URL")
