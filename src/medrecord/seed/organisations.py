"""The organisations of the synthetic Denmark: GP practices, pharmacies and hospital
departments, with SOR-style ids in a range of their own (the demo's start with 380)."""

from __future__ import annotations

from dataclasses import dataclass

from medrecord.models.organisation import OrganisationKind
from medrecord.seed.treatments import copy_json

GP_PRACTICES, PHARMACIES, HOSPITAL_DEPARTMENTS = 2000, 500, 50

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
        """The COPY text of a staff member's snapshot (subject, name, role, organisation)."""
        return copy_json(
            {
                "subject": f"{role}-{n}@{self.id}",
                "name": f"{role.capitalize()} {n}, {self.name}",
                "role": role,
                "organisation_id": self.id,
                "on_behalf_of": None,
            }
        )


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
