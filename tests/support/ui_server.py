"""A real `medrecord serve` process for browser tests, and arrangements made through its API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from medrecord import clock
from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings
from medrecord.demo import people
from medrecord.dosage.examples import SHAPES
from tests.support.factories import random_cpr


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


def start_server(
    tmp: Path, database_url: str, extra_env: dict[str, str], *, workers: int = 1
) -> Server:
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
        [
            *(sys.executable, "-m", "medrecord.cli", "serve", "--port", str(port)),
            *(("--workers", str(workers)) if workers > 1 else ()),
        ],
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


def stop_server(server: Server) -> None:
    server.process.terminate()
    server.process.wait(timeout=30)


@dataclass
class CounterCase:
    cpr: str
    name: str
    prescription_id: str


def make_counter_case(
    server: Server, *, iterations: int = 3, interval_days: int = 1, private: bool = False
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
                "dosage": SHAPES["as_needed"].dosage,
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
        if private:
            marked = doctor.post(
                f"/citizens/{cpr}/medications/{medication.json()['id']}/mark-private",
                headers={"If-Match": '"1"'},
            )
            assert marked.status_code == 200, marked.text
    return CounterCase(cpr, name, prescription.json()["id"])


def remaining_iterations(server: Server, case: CounterCase) -> int:
    with server.api("dr.jensen") as doctor:
        listed = doctor.get(f"/citizens/{case.cpr}/prescriptions").json()
    [rx] = [p for p in listed if p["id"] == case.prescription_id]
    return int(rx["remaining_iterations"])
