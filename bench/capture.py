"""The raw-SQL limit: the statements the app sends for a request, captured from PostgreSQL's
own log and replayed straight through pgbench at the same concurrency.

Capture: ``log_statement = 'all'`` is switched on (ALTER SYSTEM + reload: every session, the
app's pooled ones included, logs from its next statement) with a line prefix naming the
process and the role; the bench makes each request twice, sequentially, and reads the app
role's statements between the log offsets. ``$n`` parameters are filled in from the log's
``DETAIL: parameters`` line. The two captures of the same action are compared statement by
statement: a UUID that differs is made fresh per replayed transaction (an id the request
generated: audit row, order, dispensing); the prescription id and the Idempotency-Key become
the run's fresh prescription and a unique key. The pool's liveness check (``SELECT 1``) is left
out: it is not work the request needs (the app's cost, not the database's).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

PREFIX = "@@bench %p %u@@ "
_ENTRY = re.compile(r"^@@bench (\d+) (\S*)@@ (\w+):  (.*)$")
_STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.DOTALL)
_PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')", re.DOTALL)
_PLACEHOLDER = re.compile(r"\$(\d+)(?!\d)")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SKIPPED = {"select 1"}


@dataclass
class Statement:
    sql: str  # with $n placeholders
    params: list[str | None]


class StatementLog:
    """PostgreSQL's log with statement logging on, read from a byte offset."""

    def __init__(self, superuser_url: str, log_file: Path, role: str) -> None:
        self.url, self.log_file, self.role = superuser_url, log_file, role

    def __enter__(self) -> StatementLog:
        self._set("log_line_prefix", PREFIX)
        self._set("log_statement", "all")
        return self

    def __exit__(self, *exc: object) -> None:
        self._set("log_statement", None)
        self._set("log_line_prefix", None)

    def _set(self, name: str, value: str | None) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            if value is None:
                conn.execute(f"ALTER SYSTEM RESET {name}")
            else:
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            conn.execute("SELECT pg_reload_conf()")
        # The reload reaches every backend asynchronously: wait until a new session sees it.
        import time

        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with psycopg.connect(self.url, autocommit=True) as conn:
                row = conn.execute(f"SHOW {name}").fetchone()
            if value is None or (row and row[0] == value):
                break
            time.sleep(0.05)
        time.sleep(0.3)

    def offset(self) -> int:
        return self.log_file.stat().st_size

    def statements(self, start: int) -> list[Statement]:
        with self.log_file.open("rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", errors="replace")
        entries: list[tuple[str, str, str]] = []  # role, level, message
        for line in text.split("\n"):
            match = _ENTRY.match(line)
            if match:
                entries.append((match.group(2), match.group(3), match.group(4)))
            elif entries and line.startswith("\t"):
                role, level, message = entries[-1]
                entries[-1] = (role, level, message + "\n" + line[1:])
        result: list[Statement] = []
        for role, level, message in entries:
            if role != self.role:
                continue
            if level == "LOG":
                match = _STATEMENT.match(message)
                if match:
                    result.append(Statement(match.group(1).strip(), []))
            elif level == "DETAIL" and message.startswith("parameters: ") and result:
                result[-1].params = _parameters(message[len("parameters: ") :])
        return [s for s in result if s.sql.strip().rstrip(";").lower() not in _SKIPPED]


def _parameters(text: str) -> list[str | None]:
    values: dict[int, str | None] = {}
    for match in _PARAM.finditer(text):
        raw = match.group(2)
        values[int(match.group(1))] = None if raw == "NULL" else raw[1:-1].replace("''", "'")
    return [values.get(i) for i in range(1, max(values, default=0) + 1)]


def capture(log: StatementLog, request: Callable[[], Any]) -> list[Statement]:
    """The app role's statements while ``request()`` runs (nothing else may run meanwhile)."""
    start = log.offset()
    request()
    import time

    time.sleep(0.2)  # the log is written by the backend after the statement
    return log.statements(start)


def _quote(value: str) -> str:
    """A SQL literal pgbench leaves alone: it takes ``:name`` anywhere for a variable, even
    inside quotes, so colons (timestamps, JSON) are written as the escape ``\\x3a``."""
    if ":" not in value:
        return "'" + value.replace("'", "''") + "'"
    escaped = value.replace("\\", "\\\\").replace("'", "''").replace(":", "\\x3a")
    return "E'" + escaped + "'"


@dataclass
class Script:
    """A pgbench script: the captured statements, fresh values made from the client's
    transaction number ``:n``."""

    text: str
    fresh_slots: int
    statements: int


def build_script(
    first: list[Statement],
    second: list[Statement],
    *,
    tag: str,
    known: dict[str, str],
    counter: str,
) -> Script:
    """pgbench script from two captures of the same action. ``known`` maps a value of
    ``second`` (a prescription id, an Idempotency-Key) to a SQL expression over ``:n``;
    differing UUIDs become ``md5(tag-slot-n)::uuid``; other differing values (timestamps)
    keep the second capture's."""
    if [s.sql for s in first] != [s.sql for s in second]:
        raise ValueError("the two captures sent different statements")
    fresh: dict[str, str] = {}
    lines = [
        f"\\set {counter} :{counter} + 1",
        f"\\set n :base + :{counter} * :nclients + :client_id",
    ]
    for a, b in zip(first, second, strict=True):
        rendered: list[str] = []
        for va, vb in zip(a.params, b.params, strict=False):
            if vb is None:
                rendered.append("NULL")
            elif vb in known:
                rendered.append(known[vb])
            elif va != vb and _UUID.match(vb):
                if vb not in fresh:
                    fresh[vb] = f"md5('{tag}-{len(fresh)}-' || :n::text)::uuid"
                rendered.append(fresh[vb])
            elif vb in fresh:
                rendered.append(fresh[vb])
            else:
                rendered.append(_quote(vb))

        def fill(match: re.Match[str], rendered: list[str] = rendered) -> str:
            return rendered[int(match.group(1)) - 1]

        sql = _PLACEHOLDER.sub(fill, b.sql) if b.params else b.sql
        lines.append(sql.rstrip().rstrip(";") + ";")
    return Script("\n".join(lines) + "\n", len(fresh), len(second))


def new_tag() -> str:
    return uuid.uuid4().hex[:8]
