"""The organisations of the synthetic Denmark: GP practices, pharmacies and hospital
departments, with SOR-style ids in a range of their own (the demo's start with 380)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from medrecord.models.organisation import OrganisationKind
from medrecord.seed.population import FIRST_NAMES_F, FIRST_NAMES_M, SURNAMES
from medrecord.seed.treatments import copy_json

GP_PRACTICES, PHARMACIES, HOSPITAL_DEPARTMENTS = 2000, 500, 50
# Staff per organisation by role: a practice's doctors, a pharmacy's pharmacists, a ward's
# doctors, a region's administrators (who review emergency accesses).
STAFF = {"doctor": 3, "pharmacist": 4, "admin": 2}

TOWNS = (
    "København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Randers", "Kolding", "Horsens",
    "Vejle", "Roskilde", "Herning", "Hørsholm", "Helsingør", "Silkeborg", "Næstved",
    "Fredericia", "Viborg", "Køge", "Holstebro", "Taastrup", "Slagelse", "Hillerød",
    "Sønderborg", "Svendborg", "Hjørring", "Holbæk", "Frederikshavn", "Nørresundby",
    "Ringsted", "Haderslev",
)  # fmt: skip
HOSPITALS = (
    "Rigshospitalet", "Aarhus Universitetshospital", "Odense Universitetshospital",
    "Aalborg Universitetshospital", "Herlev Hospital",
)  # fmt: skip
DEPARTMENTS = (
    "Kardiologisk Afdeling", "Medicinsk Afdeling", "Ortopædkirurgisk Afdeling",
    "Geriatrisk Afdeling", "Lungemedicinsk Afdeling", "Endokrinologisk Afdeling",
    "Neurologisk Afdeling", "Onkologisk Afdeling", "Akutafdelingen", "Børneafdelingen",
)  # fmt: skip


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    kind: str

    def staff(self, role: str, n: int = 1) -> str:
        """The COPY text of a staff member's snapshot, as ``Actor.snapshot`` makes it."""
        return copy_json(
            {
                "subject": self.subject(role, n),
                "name": self.person(role, n),
                "role": role,
                "organisation_id": self.id,
                "on_behalf_of": None,
            }
        )

    def subject(self, role: str, n: int) -> str:
        return f"{role}-{n}@{self.id}"

    def person(self, role: str, n: int) -> str:
        """Staff member ``n``'s name: a Danish name fixed by the organisation, role and n (a
        person's name, as tokens carry it, not a label: shorter in every snapshot too)."""
        h = zlib.crc32(f"{self.id}:{role}:{n}".encode())
        first = FIRST_NAMES_F if h & 1 else FIRST_NAMES_M
        return f"{first[(h >> 1) % len(first)]} {SURNAMES[(h >> 8) % len(SURNAMES)]}"


def _id(kind: int, i: int) -> str:
    return f"48{kind}{i:06d}000016"


def gp_practices() -> list[Organisation]:
    return [
        Organisation(_id(1, i), f"Lægerne {TOWNS[i % len(TOWNS)]} {i // len(TOWNS) + 1}",
                     OrganisationKind.gp_practice)
        for i in range(GP_PRACTICES)
    ]  # fmt: skip


def pharmacies() -> list[Organisation]:
    return [
        Organisation(_id(3, i), f"{TOWNS[i % len(TOWNS)]} Apotek {i // len(TOWNS) + 1}",
                     OrganisationKind.pharmacy)
        for i in range(PHARMACIES)
    ]  # fmt: skip


def hospital_departments() -> list[Organisation]:
    n = len(DEPARTMENTS)
    return [
        Organisation(_id(2, i), f"{HOSPITALS[i // n]}, {DEPARTMENTS[i % n]}",
                     OrganisationKind.hospital)
        for i in range(HOSPITAL_DEPARTMENTS)
    ]  # fmt: skip


def all_organisations() -> list[Organisation]:
    return [*gp_practices(), *pharmacies(), *hospital_departments()]
