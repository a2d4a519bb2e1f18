"""Start a real PostgreSQL for a machine that has none running, with its two roles.

First choice is the ``pgserver`` wheel (PostgreSQL binaries inside a Python package); where it is
not installable (e.g. CPython 3.13) we fall back to ``initdb``/``pg_ctl`` on the PATH. Either way
the data lives in a directory that survives restarts.

**Lifetime.** Every process that uses the server (``serve``, ``migrate``, ...) holds a shared
lock on ``<pgdata>.lock`` while it runs and has a *watchdog*: a tiny process that waits for its
parent to end however it ends (exit, SIGTERM, ``kill -9``), then for the lock to be free (no
process uses the server any more), and then stops the server (fast shutdown). A process that
exits normally and is the last user stops the server itself, so it is down when the command
returns. pgserver's own clean-up (an ``atexit`` hook and a list of pids in the data directory)
stops nothing after SIGTERM or ``kill -9`` and is left off.

**Roles.** The bootstrap superuser ``postgres`` only makes the roles and the database: the owner
role owns the database and its tables and runs the migrations; the app role may log in and
nothing else (migrate.grant_app_privileges gives it its rows), and is what ``serve`` hands its
workers. Both log in over the server's Unix socket with trust authentication, like the
superuser: the socket is not on the network, and the point of the app role is that a bug or an
injected statement in the application cannot rewrite the audit trail, not to keep out the
machine's user, who owns the data directory anyway.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

DATABASE_NAME = "medrecord"
OWNER_ROLE = "medrecord_owner"

# Role attributes, re-asserted at every start (ALTER ROLE) in case someone widened them.
OWNER_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
APP_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"

STOP_TIMEOUT_SECONDS = 30.0


class EmbeddedPostgresUnavailable(RuntimeError):
    pass


class AlreadyServing(RuntimeError):
    """Another ``medrecord serve`` runs on this data directory."""


@dataclass(frozen=True)
class Logins:
    """libpq URIs of one database for its two roles."""

    owner: str  # owns the tables: migrations
    app: str  # rows only: the application


@dataclass
class EmbeddedPostgres:
    """A running server; it stops when the last process using it ends."""

    pgdata: Path
    base_uri: str  # libpq URI of the maintenance database ("postgres"), as the superuser

    def uri(self, database: str = DATABASE_NAME) -> str:
        """libpq URI of ``database`` as the superuser, created on first use."""
        ensure_database(self.base_uri, database)
        return with_login(self.base_uri, database=database)

    def provision(self, app_role: str, database: str = DATABASE_NAME) -> Logins:
        """The owner and app roles and their database (see ``provision``)."""
        return provision(self.base_uri, database, owner_role=OWNER_ROLE, app_role=app_role)


def with_login(
    uri: str, user: str | None = None, password: str | None = None, *, database: str | None = None
) -> str:
    """``uri`` (libpq or SQLAlchemy URL) with another user and password and/or database.

    pgserver's URIs look like ``postgresql://postgres:@/postgres?host=/socket/dir``.
    """
    parts = urlsplit(uri)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if user is not None:
        userinfo = quote(user, safe="") + ":" + quote(password or "", safe="")
        at = "@"
    path = parts.path if database is None else "/" + quote(database, safe="")
    return urlunsplit(parts._replace(netloc=userinfo + at + hostport, path=path))


def sqlalchemy_url(libpq_uri: str) -> str:
    """Turn a libpq URI into a SQLAlchemy URL for psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if libpq_uri.startswith(prefix):
            return "postgresql+psycopg://" + libpq_uri[len(prefix) :]
    raise ValueError("not a PostgreSQL URL")


def ensure_database(maintenance_uri: str, database: str) -> None:
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


# --- Roles ------------------------------------------------------------------------------------


def create_app_role(conn: psycopg.Connection[Any], name: str, password: str | None = None) -> None:
    """Make ``name`` a login that may do nothing but log in (or make it one again): not a
    superuser, no role or database creation, no replication, no RLS bypass, no inherited rights
    and no membership of any role (so no SET ROLE to the owner). Needs CREATEROLE."""
    _ensure_role(conn, name, APP_ATTRIBUTES, password)
    groups = conn.execute(
        "SELECT roleid::regrole::text FROM pg_auth_members WHERE member = to_regrole(%s)",
        (name,),
    ).fetchall()
    for (group,) in groups:  # regrole's text is already a quoted identifier
        conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.SQL(group), sql.Identifier(name)))


def _ensure_role(
    conn: psycopg.Connection[Any], name: str, attributes: str, password: str | None = None
) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    statement = sql.SQL("{} ROLE {} " + attributes).format(
        sql.SQL("ALTER" if exists else "CREATE"), sql.Identifier(name)
    )
    if password is not None:
        statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    conn.execute(statement)


def provision(
    maintenance_uri: str, database: str, *, owner_role: str = OWNER_ROLE, app_role: str
) -> Logins:
    """Make the owner and app roles and ``database``, owned by the owner; run as a superuser at
    every start (idempotent). A database from before the roles existed has everything owned
    by the superuser: that is handed to the owner role, so it can migrate."""
    with psycopg.connect(maintenance_uri, autocommit=True) as conn:
        _ensure_role(conn, owner_role, OWNER_ATTRIBUTES)
        create_app_role(conn, app_role)
        db, owner = sql.Identifier(database), sql.Identifier(owner_role)
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        verb = "ALTER DATABASE {} OWNER TO {}" if exists else "CREATE DATABASE {} OWNER {}"
        conn.execute(sql.SQL(verb).format(db, owner))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, sql.Identifier(app_role))
        )
    with psycopg.connect(with_login(maintenance_uri, database=database)) as conn:
        for (statement,) in conn.execute(_ADOPT, {"owner": owner_role}).fetchall():
            conn.execute(sql.SQL(statement))
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(owner))
    return Logins(
        owner=with_login(maintenance_uri, owner_role, database=database),
        app=with_login(maintenance_uri, app_role, database=database),
    )


# ALTER ... OWNER TO for every object in the public schema the owner role does not own yet
# (sequences that belong to a column follow their table; extensions' objects stay theirs).
_ADOPT = """
SELECT format('ALTER %%s %%s OWNER TO %%I', kind, name, %(owner)s::text) FROM (
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                ELSE 'TABLE' END AS kind, c.oid::regclass::text AS name, c.oid AS oid,
           c.relowner AS owner, 'pg_class'::regclass AS catalog
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND NOT (c.relkind = 'S' AND EXISTS (
          SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
          AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE'
                ELSE 'FUNCTION' END, p.oid::regprocedure::text, p.oid, p.proowner,
           'pg_proc'::regclass
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text, t.oid,
           t.typowner, 'pg_type'::regclass
    FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace
      AND (t.typtype IN ('e', 'd', 'r')
           OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
) o
WHERE o.owner <> to_regrole(%(owner)s)
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = o.catalog AND e.objid = o.oid
                  AND e.deptype = 'e')
"""


# --- Starting, joining, stopping ---------------------------------------------------------------


def start(pgdata: Path) -> EmbeddedPostgres:
    """Start (or join) the embedded server whose data lives in ``pgdata``; it stops when the
    last process that started or joined it ends."""
    pgdata = pgdata.resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    _join(pgdata)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver copes.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import pgserver
    except ImportError:
        return _start_from_path(pgdata)
    # cleanup_mode=None: stopping is ours (see the module docstring).
    server = pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    return EmbeddedPostgres(pgdata=pgdata, base_uri=server.get_uri())


def hold_serve_lock(data_dir: Path) -> None:
    """One ``serve`` per data directory: an exclusive lock on ``serve.lock``, held until this
    process ends (the kernel lets go however it ends). Raises AlreadyServing."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "serve.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 20, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise AlreadyServing(
            f"Another medrecord serve (pid {holder}) is already serving from {data_dir}: stop "
            "it first, or give another --data-dir."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _serve_locks.append(fd)


_serve_locks: list[int] = []  # open for the rest of the process's life


def lock_path(pgdata: Path) -> Path:
    """The lock every process using the server holds shared."""
    return pgdata.with_name(pgdata.name + ".lock")


_joined: dict[Path, int] = {}  # pgdata → the open lock file, held shared until the process ends
# Each watchdog and the write end of its pipe, open for the rest of our life (the kernel
# closes it when we end, however we end); kept referenced because they outlive us by design.
_watchdogs: list[tuple[subprocess.Popen[bytes], int]] = []


def _join(pgdata: Path) -> None:
    if pgdata in _joined:
        return
    fd = os.open(lock_path(pgdata), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a watchdog is stopping the server
    _joined[pgdata] = fd
    # Before the server starts: a kill during the start still has someone to clean up.
    _spawn_watchdog(pgdata)
    atexit.register(_leave, pgdata, fd)


def _leave(pgdata: Path, fd: int) -> None:
    """At a normal exit: the last user stops the server, so it is down when we return."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # Others still use the server, or a watchdog took the lock to stop it: then wait.
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = postmaster_pid(pgdata)
            if pid is not None:
                _wait_stopped(pgdata, pid, STOP_TIMEOUT_SECONDS)
        return
    stop(pgdata)


def _spawn_watchdog(pgdata: Path) -> None:
    """A process that notices our end by the pipe's write end closing (we never write)."""
    read_end, write_end = os.pipe()  # neither is inherited by programs we start
    try:
        watchdog = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", __name__, "watch", str(read_end), str(pgdata)],
            pass_fds=(read_end,),
            start_new_session=True,  # a Ctrl-C in the terminal is for serve, not for it
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        os.close(read_end)
    if not _watchdogs:
        atexit.register(_forget_watchdogs)
    _watchdogs.append((watchdog, write_end))


def _forget_watchdogs() -> None:
    """At exit: they are meant to outlive us, which Popen would report as a leak."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        _watchdogs.clear()


def watch(read_end: int, pgdata: Path) -> None:
    """The watchdog: wait for the parent's end, then for the server's last user; stop it."""
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while os.read(read_end, 1):
        pass
    fd = os.open(lock_path(pgdata), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    stop(pgdata)


def stop(pgdata: Path) -> None:
    """Fast shutdown of the server running on ``pgdata``, if one is; returns once it is down."""
    pid = postmaster_pid(pgdata)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)  # fast shutdown: ends sessions, writes a checkpoint
    if not _wait_stopped(pgdata, pid, STOP_TIMEOUT_SECONDS):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)  # immediate: the next start recovers from the WAL
        _wait_stopped(pgdata, pid, 5)


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the postmaster running on ``pgdata`` (None: none runs)."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    return pid if _is_postmaster(pid, pgdata) else None


def _is_postmaster(pid: int, pgdata: Path) -> bool:
    """``pid`` runs, and (where psutil can tell) is a postgres on ``pgdata``, not a process
    that inherited the number of a postmaster from before a reboot."""
    try:
        import psutil  # type: ignore[import-untyped]  # comes with pgserver
    except ImportError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return str(pgdata) in process.cmdline()
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _wait_stopped(pgdata: Path, pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_postmaster(pid, pgdata):
            return True
        time.sleep(0.05)
    return False


def _start_from_path(pgdata: Path) -> EmbeddedPostgres:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        raise EmbeddedPostgresUnavailable(
            "No PostgreSQL available: the 'pgserver' package is not installed for this Python "
            "and 'initdb'/'pg_ctl' are not on the PATH. Install PostgreSQL, or set "
            "MEDRECORD_DATABASE_URL to a running server."
        )
    if postmaster_pid(pgdata) is None:
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
        log = str(pgdata / "server.log")
        subprocess.run(  # noqa: S603
            [pg_ctl, "-D", str(pgdata), "-o", options, "-l", log, "-w", "start"],
            check=True,
            capture_output=True,
        )
    # Lines 4 and 5 of postmaster.pid: the port and the socket directory.
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    uri = f"postgresql://postgres:@/postgres?host={lines[4].strip()}&port={lines[3].strip()}"
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


if __name__ == "__main__" and sys.argv[1:2] == ["watch"]:
    watch(int(sys.argv[2]), Path(sys.argv[3]))
