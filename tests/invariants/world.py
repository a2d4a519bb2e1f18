"""What the clients of the invariant run share: who they act as, the drugs they prescribe,
and what they know of each citizen's medications, prescriptions and dispensings.

Knowledge is what some client was told (an acknowledgement or a read); it goes stale as
others write, which is the point: stale versions meet 412, claimed prescriptions 409.
``acked_*`` fields only grow with acknowledgements and back the read checks: a read that
began after a write was acknowledged must show it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from medrecord.demo import catalogue, people

# Who acts. dr.pedersen's hospital declares an admission for every citizen of the run;
# dr.nielsen's practice never treats them (403 no-treatment-relation).
DOCTORS = ["dr.jensen", "dr.pedersen"]
NURSES = ["nurse.larsen", "nurse.andersen"]
STRANGER = "dr.nielsen"
ADMIN = "admin.knudsen"
PHARMACY_STAFF: dict[str, list[str]] = {
    people.PHARMACY_NORREBRO: ["pharm.madsen", "assist.olsen"],
    people.PHARMACY_VESTERBRO: ["pharm.thomsen", "assist.poulsen"],
    people.PHARMACY_AARHUS: ["pharm.johansen"],
}
PHARMACIST_ORG = {u: org for org, users in PHARMACY_STAFF.items() for u in users}
# Paracetamol 500 mg tablets in three brands (one substitution group, packs of 50/100/300)
# and ibuprofen 400 mg in two (packs of 30/100): room for partial, multi-line and
# substituted dispensings, and for a change of drug.
DRUG_INDICES = [0, 1, 2, 4, 5]
RUN_DRUGS = [catalogue.drug_id(i) for i in DRUG_INDICES]


@dataclass(frozen=True)
class Package:
    number: str
    size: Decimal
    unit: str


@dataclass(frozen=True)
class Drug:
    id: str
    group: str | None
    packages: list[Package]


@dataclass
class Medication:
    id: str
    drug_id: str
    version: int
    acked_version: int
    status: str = "active"
    private_org: str | None = None


@dataclass
class Prescription:
    id: str
    medication_id: str
    drug_id: str
    package_number: str
    substitution_allowed: bool
    status: str = "open"
    order: tuple[str, str] | None = None  # (order id, pharmacy id) of the open claim


@dataclass
class Dispensing:
    id: str
    prescription_id: str
    pharmacy_id: str
    undo_acked: bool = False


@dataclass
class Citizen:
    cpr: str
    id: str
    medications: dict[str, Medication] = field(default_factory=dict)
    prescriptions: dict[str, Prescription] = field(default_factory=dict)
    dispensings: dict[str, Dispensing] = field(default_factory=dict)
    card_version: int = 1  # the highest card version any read or review has shown


@dataclass
class World:
    drugs: dict[str, Drug]
    tokens: dict[str, str]
    citizens: list[Citizen] = field(default_factory=list)  # the ones in play now
    retired: list[Citizen] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def auth(self, username: str) -> str:
        return "Bearer " + self.tokens[username]

    def every_citizen(self) -> list[Citizen]:
        with self.lock:
            return self.citizens + self.retired

    def pick_citizen(self, rng: random.Random) -> Citizen:
        with self.lock:
            return rng.choice(self.citizens)

    def substitutes(self, drug_id: str) -> list[Package]:
        """Packages of other drugs in the drug's substitution group."""
        group = self.drugs[drug_id].group
        return [
            p
            for d in self.drugs.values()
            if d.id != drug_id and group is not None and d.group == group
            for p in d.packages
        ]


T = TypeVar("T")


def recent(rng: random.Random, items: dict[str, T], last: int = 6) -> T | None:
    """One of the most recently learned items: recent objects are where clients collide."""
    with_keys = list(items.values())[-last:]
    return rng.choice(with_keys) if with_keys else None


def random_cpr(rng: random.Random) -> str:
    """A synthetic CPR number with a valid date (not one of the demo citizens')."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(30, 99)
    return f"{day:02d}{month:02d}{year:02d}{rng.randint(4, 9)}{rng.randint(0, 999):03d}"
