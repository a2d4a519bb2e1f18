"""Browser tests: Playwright driving Debian's chromium against a real `medrecord serve`.

Skipped, with the reason, where no chromium is installed (CI installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from medrecord import clock
from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings
from medrecord.demo import people
from tests.factories import random_cpr

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


@dataclass
class Server:
    base: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def signer(self) -> TokenSigner:
        return TokenSigner.from_settings(Settings(data_dir=self.data_dir))

    def api(self, username: str) -> httpx.Client:
        staff = people.staff_by_username(username)
        assert staff is not None
        token = self.signer().mint(
            sub=staff.username, name=staff.name, role=str(staff.role), org=staff.organisation_id
        )
        return httpx.Client(
            base_url=self.base + "/api/v1", timeout=30, headers={"Authorization": f"Bearer {token}"}
        )


def _start(tmp: Path, database_url: str, extra_env: dict[str, str]) -> Server:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDRECORD_")}
    env |= {
        "MEDRECORD_DATABASE_URL": database_url.replace("postgresql+psycopg", "postgresql"),
        "MEDRECORD_DATA_DIR": str(tmp),
    } | extra_env
    log = (tmp / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "medrecord.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp / "serve.log").read_text()
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return Server(base, tmp, process)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("server not ready:\n" + (tmp / "serve.log").read_text())


def _stop(server: Server) -> None:
    server.process.terminate()
    server.process.wait(timeout=30)


@pytest.fixture(scope="session")
def ui_server(
    tmp_path_factory: pytest.TempPathFactory, fresh_database: Callable[[], str]
) -> Iterator[Server]:
    server = _start(tmp_path_factory.mktemp("ui"), fresh_database(), {})
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def short_session_server(
    tmp_path_factory: pytest.TempPathFactory, fresh_database: Callable[[], str]
) -> Iterator[Server]:
    server = _start(
        tmp_path_factory.mktemp("ui-short"),
        fresh_database(),
        {"MEDRECORD_UI_IDLE_TIMEOUT_SECONDS": "2"},
    )
    yield server
    _stop(server)


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


@dataclass
class CounterCase:
    cpr: str
    name: str
    prescription_id: str


@pytest.fixture
def counter_case(ui_server: Server) -> CounterCase:
    """A fresh citizen at Lægerne på Nørrebro with one open prescription of 3 iterations."""
    return make_counter_case(ui_server)


def make_counter_case(
    server: Server, *, iterations: int = 3, interval_days: int = 1
) -> CounterCase:
    cpr = random_cpr()
    name = f"Testborger {cpr[-4:]}"
    with server.api("admin.knudsen") as admin:
        created = admin.post(
            "/citizens", json={"cpr": cpr, "name": name, "gp_practice_id": people.GP_NORREBRO}
        )
        assert created.status_code == 201, created.text
    with server.api("dr.jensen") as doctor:
        drugs = doctor.get("/drugs", params={"search": "Pinex"}).json()
        drug = drugs[0]
        medication = doctor.post(
            f"/citizens/{cpr}/medications",
            json={
                "drug_id": drug["id"],
                "indication_text": "Pain",
                "start_date": str(clock.today()),
                "dosage": {"kind": "as_needed", "unit": "tablet", "max_per_day": 4},
            },
        )
        assert medication.status_code == 201, medication.text
        today = clock.today()
        prescription = doctor.post(
            f"/citizens/{cpr}/prescriptions",
            json={
                "medication_id": medication.json()["id"],
                "package_number": drug["packages"][0]["package_number"],
                "iterations": iterations,
                "iteration_interval_days": interval_days,
                "valid_from": str(today),
                "valid_to": str(today + timedelta(days=20)),
            },
        )
        assert prescription.status_code == 201, prescription.text
    return CounterCase(cpr, name, prescription.json()["id"])


def remaining_iterations(server: Server, case: CounterCase) -> int:
    with server.api("dr.jensen") as doctor:
        card = doctor.get(f"/citizens/{case.cpr}/medication-card").json()
    [rx] = [
        p
        for m in card["medications"]
        for p in m["prescriptions"]
        if p["id"] == case.prescription_id
    ]
    return int(rx["remaining_iterations"])
