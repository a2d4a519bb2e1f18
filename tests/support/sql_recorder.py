"""Shard readiness, proven by the test suite: a pytest plugin (registered by tests/conftest.py)
that records every distinct SQL statement the application sends while the tests run and, at the
end of the session, fails the run when one that touches a citizen-owned table would not route to
one shard under distribution by ``citizen_id`` (tests/support/shard_keys.py says what pins a
statement; docs/sharding.md why).

What counts as the application's statement: one sent while a frame of the ``medrecord`` package
is on the calling thread's stack, the innermost of which is its *origin*
(``medrecord.card.repository:card_document``). The tests' own arrangements and inspections (the
``db`` session, raw SQL on ``connection``, factories) are not the app's and are not checked;
neither are the migrations (DDL, run by ``medrecord.migrate``).

Under pytest-xdist each worker records and checks its own statements and hands its findings to
the controller, which fails the run. Switch it off with ``-p no:tests.support.sql_recorder``."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from sqlalchemy import Engine, event

import medrecord
from tests.support.shard_allow_list import allowed_span
from tests.support.shard_keys import Analysis, analyse, citizen_owned_tables

_PACKAGE = str(Path(medrecord.__file__).resolve().parent) + "/"
# Modules whose statements are not the running application's: the schema's DDL.
_NOT_THE_APP = ("medrecord.migrate",)
# Numbered per transaction (sa_savepoint_7): thousands of texts that touch no table.
_TRANSACTION_CONTROL = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


@dataclass(frozen=True)
class Violation:
    origin: str
    statement: str
    problems: list[str]


class StatementRecorder:
    """Distinct statement texts sent by the app, each with the origin that first sent it."""

    def __init__(self) -> None:
        self.statements: dict[str, str] = {}  # text -> origin
        self._lock = threading.Lock()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # before_cursor_execute(conn, cursor, statement, parameters, context, executemany)
        if statement in self.statements or statement.startswith(_TRANSACTION_CONTROL):
            return  # the common case: a statement the app has sent before, no stack walk
        origin = app_origin(sys._getframe(1))
        if origin is not None:
            with self._lock:
                self.statements.setdefault(statement, origin)

    def install(self) -> None:
        event.listen(Engine, "before_cursor_execute", self)

    def remove(self) -> None:
        if event.contains(Engine, "before_cursor_execute", self):
            event.remove(Engine, "before_cursor_execute", self)


def app_origin(frame: FrameType | None) -> str | None:
    """``module:function`` of the innermost frame of the medrecord package on the stack, or
    None when there is none or the migrations are running."""
    origin = None
    while frame is not None:
        if frame.f_code.co_filename.startswith(_PACKAGE):
            module = str(frame.f_globals.get("__name__", "?"))
            if module.startswith(_NOT_THE_APP):
                return None
            if origin is None:
                origin = f"{module}:{frame.f_code.co_qualname}"
        frame = frame.f_back
    return origin


def violations(statements: dict[str, str]) -> tuple[list[Violation], dict[str, int]]:
    """The statements that would not route to one shard (and are not allow-listed), and
    figures: distinct statements, those on citizen-owned tables, those allow-listed."""
    found: list[Violation] = []
    figures = {"statements": len(statements), "citizen_owned": 0, "pinned": 0, "allow_listed": 0}
    for statement, origin in sorted(statements.items(), key=lambda item: item[1]):
        try:
            analysis = analyse(statement)
        except Exception as error:  # an analyser bug must show, not pass silently
            analysis = Analysis(statement, error=f"the analyser failed: {error!r}")
        if analysis.tables:
            figures["citizen_owned"] += 1
        if analysis.routes_to_one_shard:
            figures["pinned"] += bool(analysis.tables)
            continue
        unpinned = {u.table for u in analysis.unpinned}
        if analysis.error is None and allowed_span(origin, unpinned) is not None:
            figures["allow_listed"] += 1
            continue
        problems = [str(u) for u in analysis.unpinned]
        if analysis.error is not None:
            problems.append(analysis.error)
        found.append(Violation(origin, statement, problems))
    return found, figures


# --- The plugin ------------------------------------------------------------------------------

_recorder = StatementRecorder()
_WORKER_KEY = "medrecord_app_statements"
_gathered_key = pytest.StashKey[dict[str, str]]()
_result_key = pytest.StashKey[tuple[list[Violation], dict[str, int]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_gathered_key] = {}
    _recorder.install()  # an xdist controller runs no test: it records nothing


def pytest_unconfigure(config: pytest.Config) -> None:
    _recorder.remove()


def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: gather what a worker recorded."""
    recorded = getattr(node, "workeroutput", {}).get(_WORKER_KEY, {})
    gathered = node.config.stash[_gathered_key]
    for statement, origin in recorded.items():
        gathered.setdefault(statement, origin)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller checks and reports
        workeroutput[_WORKER_KEY] = dict(_recorder.statements)
        return
    recorded = {**config.stash[_gathered_key], **_recorder.statements}
    found, figures = violations(recorded)
    dump = os.environ.get("MEDRECORD_SQL_RECORD_FILE")
    if dump:  # every statement with its origin, for a look at what the app sends
        Path(dump).write_text(
            "".join(f"-- {origin}\n{text.strip()};\n\n" for text, origin in recorded.items()),
            encoding="utf-8",
        )
    config.stash[_result_key] = (found, figures)
    if found and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _result_key not in config.stash:
        return
    found, figures = config.stash[_result_key]
    if found:
        terminalreporter.section("statements that would not route to one shard", red=True)
        for violation in found:
            terminalreporter.write_line(f"from {violation.origin}:", red=True, bold=True)
            for problem in violation.problems:
                terminalreporter.write_line(f"  - {problem}")
            terminalreporter.write_line("  " + " ".join(violation.statement.split()))
        terminalreporter.write_line(
            "Pin each citizen-owned table's citizen_id (docs/sharding.md), or allow-list the "
            "origin with its reason in tests/support/shard_allow_list.py.",
            red=True,
        )
    if found or config.option.verbose > 0 or config.option.capture == "no":
        terminalreporter.write_line(
            f"shard keys: {figures['statements']} distinct app statements, "
            f"{figures['citizen_owned']} on the {len(citizen_owned_tables())} citizen-owned "
            f"tables: {figures['pinned']} "
            f"pinned to citizens, {figures['allow_listed']} allow-listed, "
            f"{len(found)} violations"
        )
