"""The invariant run: set up citizens through the API, then N clients draw operations at
random until the time is up. A new citizen joins the pool now and then and the oldest leaves
it, so that a long run keeps cards of a realistic size."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx

from medrecord import clock
from medrecord.demo import people
from tests.invariants import medication_ops as med
from tests.invariants import pharmacy_ops as rx
from tests.invariants.client import Client
from tests.invariants.ledger import Ledger
from tests.invariants.server import LiveServer
from tests.invariants.world import (
    ADMIN,
    DOCTORS,
    NURSES,
    PHARMACIST_ORG,
    RUN_DRUGS,
    STRANGER,
    Citizen,
    Drug,
    Package,
    World,
    random_cpr,
)

Operation = Callable[[Client], None]

# Operation → weight. Writes on purpose outnumber reads: the run is about writes colliding.
OPERATIONS: dict[Operation, float] = {
    med.read_card: 9,
    med.read_card_as_pharmacy: 2,
    med.read_card_without_relation: 1.5,
    med.read_card_in_emergency: 0.5,
    med.read_medication: 4,
    med.read_versions: 4,
    med.create_medication: 6,
    med.create_medication_as_nurse: 1,
    med.replace_medication: 8,
    med.pause_medication: 5,
    med.resume_medication: 4,
    med.withdraw_medication: 1,
    med.mark_private: 1.5,
    med.review_card: 2,
    rx.prescribe: 9,
    rx.cancel_prescription: 1,
    rx.list_prescriptions: 7,
    rx.claim: 6,
    rx.release_claim: 2,
    rx.dispense: 16,
    rx.undo: 5,
    rx.read_dispensing: 3,
}


@dataclass
class RunSettings:
    seed: int
    seconds: float
    clients: int = 32
    citizens: int = 8
    rotate_every: float = 30.0  # seconds between a new citizen joining the pool


def build_world(server: LiveServer) -> World:
    """Tokens for everyone who acts, and the run's drugs as the catalogue API shows them."""
    usernames = [ADMIN, STRANGER, *DOCTORS, *NURSES, *PHARMACIST_ORG]
    tokens = {u: server.token(u, hours=4) for u in usernames}
    drugs = {}
    headers = {"Authorization": f"Bearer {tokens[DOCTORS[0]]}"}
    with httpx.Client(base_url=server.api, timeout=30, headers=headers) as http:
        for drug_id in RUN_DRUGS:
            r = http.get(f"/drugs/{drug_id}")
            assert r.status_code == 200, r.text
            d = r.json()
            packages = [
                Package(p["package_number"], Decimal(p["size"]), p["unit"]) for p in d["packages"]
            ]
            drugs[drug_id] = Drug(d["id"], d["substitution_group"], packages)
    return World(drugs=drugs, tokens=tokens)


def register_citizen(cl: Client) -> Citizen | None:
    """A new citizen listed with dr.jensen's practice and admitted to dr.pedersen's hospital."""
    cpr = random_cpr(cl.rng)
    r = cl.call(
        "citizen.register", ADMIN, "POST", "/citizens", cpr=None,
        json={"cpr": cpr, "name": f"Testborger {cl.tag()}", "gp_practice_id": people.GP_NORREBRO},
    )  # fmt: skip
    if r is None or r.status_code != 201:
        return None  # a CPR number drawn twice (409): the next rotation tries another
    citizen = Citizen(cpr=cpr, id=r.json()["id"])
    admitted = cl.call(
        "relation.declare", "dr.pedersen", "POST", f"/citizens/{cpr}/treatment-relations",
        cpr=cpr,
        json={"kind": "admitted", "valid_to": (clock.now() + timedelta(days=2)).isoformat()},
    )  # fmt: skip
    assert admitted is not None and admitted.status_code == 201, admitted and admitted.text
    return citizen


def rotate(cl: Client, pool_size: int) -> None:
    citizen = register_citizen(cl)
    if citizen is None:
        return
    with cl.world.lock:
        cl.world.citizens.append(citizen)
        while len(cl.world.citizens) > pool_size:
            cl.world.retired.append(cl.world.citizens.pop(0))


def run(server: LiveServer, world: World, ledger: Ledger, settings: RunSettings) -> float:
    """Set up the pool, run the clients until the time is up; returns the seconds run."""
    with httpx.Client(base_url=server.api, timeout=30) as http:
        setup = Client(99, settings.seed, http, world, ledger)
        while len(world.citizens) < settings.citizens:
            rotate(setup, settings.citizens)
    operations, weights = list(OPERATIONS), list(OPERATIONS.values())
    started = time.monotonic()
    deadline = started + settings.seconds
    next_rotation = [started + settings.rotate_every]
    rotation_lock = threading.Lock()
    errors: list[BaseException] = []

    def client_loop(index: int) -> None:
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        with httpx.Client(base_url=server.api, timeout=60, limits=limits) as http:
            cl = Client(index, settings.seed, http, world, ledger)
            try:
                while time.monotonic() < deadline:
                    with rotation_lock:
                        due = time.monotonic() >= next_rotation[0]
                        if due:
                            next_rotation[0] += settings.rotate_every
                    if due:
                        rotate(cl, settings.citizens)
                    op = cl.rng.choices(operations, weights)[0]
                    op(cl)
            except BaseException as exc:  # a bug in the test: stop it loudly, not silently
                errors.append(exc)
                raise

    threads = [
        threading.Thread(target=client_loop, args=(i,), name=f"invariant-client-{i}")
        for i in range(settings.clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.monotonic() - started


def seed_from(env_value: str | None) -> int:
    return int(env_value) if env_value else random.SystemRandom().randint(1, 999_999)
