"""A real HTTP server (uvicorn on loopback) over a committed database, for race tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from medrecord import migrate
from medrecord.config import Settings
from medrecord.db import make_engine
from medrecord.main import create_app
from tests.support.burst import Burst
from tests.support.world import RaceWorld, build_race_world


@pytest.fixture(scope="session")
def race_engine(fresh_database: Callable[[], str], settings: Settings) -> Iterator[Engine]:
    # race_db, a session-long arranging session, sits idle in its transaction between
    # tests: no idle-in-transaction timeout for it (the app's default ends such sessions).
    pooled = settings.model_copy(
        update={"db_pool_size": 20, "db_max_overflow": 40, "db_idle_in_transaction_timeout_ms": 0}
    )
    engine = make_engine(fresh_database(), pooled)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def race_db(race_engine: Engine) -> Iterator[Session]:
    """A session that commits: race tests arrange real, visible rows."""
    with sessionmaker(race_engine, expire_on_commit=False)() as session:
        yield session


@pytest.fixture(scope="session")
def live_server(race_engine: Engine, settings: Settings) -> Iterator[str]:
    app = create_app(settings, engine=race_engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def burst() -> Iterator[Burst]:
    clients: list[httpx.Client] = []
    with ThreadPoolExecutor(max_workers=60) as pool:
        yield Burst(pool, threading.local(), clients)
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def race_world(race_db: Session) -> RaceWorld:
    return build_race_world(race_db)
