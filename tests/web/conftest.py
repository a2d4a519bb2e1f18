"""The web UI's fixtures. Browser tests drive Debian's chromium with Playwright against a real
`medrecord serve`; where no chromium is installed they are skipped with the reason (CI installs
it), while the in-process session and login tests still run."""

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
NO_CHROMIUM = (
    None
    if Path(CHROMIUM).exists()
    else f"no chromium at {CHROMIUM}: browser tests need Debian's chromium "
    "(apt-get install chromium); .ci/run installs it"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip what needs a browser, before any server starts for it, when there is none."""
    if NO_CHROMIUM is None:
        return
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
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
