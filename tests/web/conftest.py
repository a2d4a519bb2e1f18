"""Browser tests: Playwright driving Debian's chromium against a real `medrecord serve`.

Skipped, with the reason, where no chromium is installed (CI installs it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.ui_server import (
    CounterCase,
    Server,
    make_counter_case,
    start_server,
    stop_server,
)

CHROMIUM = os.environ.get("MEDRECORD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no chromium at {CHROMIUM}: browser tests need Debian's chromium "
        "(apt-get install chromium); .ci/run installs it",
        allow_module_level=True,
    )
playwright_sync = pytest.importorskip("playwright.sync_api")

LAUNCH_ARGS = [
    "--no-sandbox",  # root in containers
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # this network is closed: no calls home
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def ui_server(
    tmp_path_factory: pytest.TempPathFactory, fresh_database: Callable[[], str]
) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("ui"), fresh_database(), {})
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def short_session_server(
    tmp_path_factory: pytest.TempPathFactory, fresh_database: Callable[[], str]
) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("ui-short"),
        fresh_database(),
        {"MEDRECORD_UI_IDLE_TIMEOUT_SECONDS": "2"},
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="da-DK", timezone_id="Europe/Copenhagen"
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def counter_case(ui_server: Server) -> CounterCase:
    """A fresh citizen at Lægerne på Nørrebro with one open prescription of 3 iterations."""
    return make_counter_case(ui_server)
