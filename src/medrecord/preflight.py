"""What ``medrecord`` checks before it starts anything: settings that cannot work, a port that
is taken, a database that cannot be reached. Each problem is one line naming what is wrong and
how to fix it (``StartupProblem``); the CLI prints it and exits non-zero, before it migrates or
says it is serving, instead of a traceback from deep inside uvicorn or the app factory."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict
from pydantic import ValidationError

from medrecord.config import Settings

# Values never echoed back in a message: URLs carry passwords, the others are secrets or long.
_NOT_ECHOED = frozenset(
    {"database_url", "migration_database_url", "oidc_client_secret", "jwt_public_key_pem"}
)


class StartupProblem(Exception):
    """A reason not to start, in one line: the problem and its fix."""


def load_settings(data_dir: Path | None = None) -> Settings:
    """The settings from the environment, ``data_dir`` overriding MEDRECORD_DATA_DIR."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise StartupProblem(describe_invalid_settings(exc)) from exc
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir.resolve()})
    return settings


def describe_invalid_settings(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = "MEDRECORD_" + field.upper()
        given = "" if field in _NOT_ECHOED else f"={error.get('input')!r}"
        problems.append(f"{name}{given}: {error['msg']}")
    return (
        "Invalid settings: "
        + "; ".join(problems)
        + ". Fix or unset the variable (README.md, Configuration, lists every setting)."
    )


def check_database_settings(settings: Settings) -> None:
    """Production runs on the operator's PostgreSQL, not a server medrecord starts itself,
    unless told otherwise: a forgotten MEDRECORD_DATABASE_URL would put a national record's
    data in a directory nobody backs up."""
    if settings.is_dev or settings.database_url or settings.allow_embedded_database:
        return
    raise StartupProblem(
        "Production mode will not start the embedded PostgreSQL: set MEDRECORD_DATABASE_URL "
        "to your PostgreSQL (or MEDRECORD_ALLOW_EMBEDDED_DATABASE=true for a trial)."
    )


def check_serving_settings(settings: Settings) -> None:
    """What serving needs beyond a database: in production, the keys that verify tokens."""
    if settings.is_dev:
        return
    if not settings.jwks_url and not settings.jwt_public_key_pem:
        raise StartupProblem(
            "Production mode needs the identity provider's keys to verify tokens: set "
            "MEDRECORD_JWKS_URL or MEDRECORD_JWT_PUBLIC_KEY_PEM (or MEDRECORD_ENVIRONMENT=dev "
            "on your own machine)."
        )
    if settings.jwt_public_key_pem:
        from cryptography.hazmat.primitives import serialization

        try:
            serialization.load_pem_public_key(settings.jwt_public_key_pem.encode())
        except (ValueError, TypeError) as exc:
            raise StartupProblem(
                "MEDRECORD_JWT_PUBLIC_KEY_PEM is not a PEM public key (-----BEGIN PUBLIC "
                "KEY-----): give the identity provider's RSA or EC public key."
            ) from exc


def check_port(host: str, port: int) -> None:
    """The address ``serve`` will listen on can be bound now (uvicorn binds it later)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise StartupProblem(
            f"--host {host} is not an address or known name of this machine: give one "
            "(127.0.0.1, 0.0.0.0, ...)."
        ) from exc
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free to use.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise StartupProblem(_bind_problem(host, port, exc)) from exc


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"Port {port} on {host} is already in use by another process: stop it, or choose "
            "another port with --port."
        )
    if exc.errno == errno.EACCES:
        return f"Port {port} needs privileges this user lacks: choose one above 1023 with --port."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: give one of its own with --host."
    return f"Cannot listen on {host}:{port} ({exc.strerror}): choose another --host or --port."


def describe_unreachable(url: str, exc: BaseException, *, variable: str) -> str:
    """One line for a database that refused or never answered a connection (no password)."""
    orig: Any = getattr(exc, "orig", exc)
    reason = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    reason = reason.removeprefix("connection failed: ")
    try:
        parts = conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://"))
    except Exception:  # an unreadable URL: the reason says enough
        parts = {}
    where = f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}"
    database = parts.get("dbname") or "?"
    return (
        f"Cannot reach the database {database} at {where} ({reason}): check {variable} and "
        "that PostgreSQL is running and accepts connections from here."
    )
