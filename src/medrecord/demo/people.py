"""Demo organisations, staff (identities the dev token command mints) and citizens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from medrecord.access.actor import Role

# (SOR-style id, name, kind)
ORGANISATIONS: list[tuple[str, str, str]] = [
    ("380101000016001", "Lægerne på Nørrebro", "gp_practice"),
    ("380102000016002", "Lægehuset Vesterbro", "gp_practice"),
    ("380103000016003", "Aarhus Lægecenter", "gp_practice"),
    ("380201000016004", "Rigshospitalet, Kardiologisk Afdeling", "hospital"),
    ("380202000016005", "Aarhus Universitetshospital, Medicinsk Afdeling", "hospital"),
    ("380301000016006", "Nørrebro Apotek", "pharmacy"),
    ("380302000016007", "Vesterbro Apotek", "pharmacy"),
    ("380303000016008", "Aarhus Løve Apotek", "pharmacy"),
    ("380401000016009", "Københavns Kommune, Hjemmeplejen Nørrebro", "municipality"),
]
GP_NORREBRO, GP_VESTERBRO, GP_AARHUS = (o[0] for o in ORGANISATIONS[:3])
RIGSHOSPITALET, AUH = ORGANISATIONS[3][0], ORGANISATIONS[4][0]
PHARMACY_NORREBRO, PHARMACY_VESTERBRO, PHARMACY_AARHUS = (o[0] for o in ORGANISATIONS[5:8])
HOME_CARE = ORGANISATIONS[8][0]
OPERATIONS_ORG = "medrecord-operations"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    name: str
    role: Role
    organisation_id: str


STAFF: list[DemoStaff] = [
    DemoStaff("dr.jensen", "Karen Jensen", Role.doctor, GP_NORREBRO),
    DemoStaff("nurse.larsen", "Mette Larsen", Role.nurse, GP_NORREBRO),
    DemoStaff("dr.nielsen", "Peter Nielsen", Role.doctor, GP_VESTERBRO),
    DemoStaff("dr.hansen", "Anne Hansen", Role.doctor, GP_AARHUS),
    DemoStaff("dr.pedersen", "Lars Pedersen", Role.doctor, RIGSHOSPITALET),
    DemoStaff("nurse.andersen", "Sofie Andersen", Role.nurse, RIGSHOSPITALET),
    DemoStaff("dr.christensen", "Henrik Christensen", Role.doctor, AUH),
    DemoStaff("pharm.madsen", "Camilla Madsen", Role.pharmacist, PHARMACY_NORREBRO),
    DemoStaff("assist.olsen", "Jonas Olsen", Role.pharmacy_assistant, PHARMACY_NORREBRO),
    DemoStaff("pharm.thomsen", "Ida Thomsen", Role.pharmacist, PHARMACY_VESTERBRO),
    DemoStaff("assist.poulsen", "Emil Poulsen", Role.pharmacy_assistant, PHARMACY_VESTERBRO),
    DemoStaff("pharm.johansen", "Louise Johansen", Role.pharmacist, PHARMACY_AARHUS),
    DemoStaff("homecare.moller", "Birgitte Møller", Role.nurse, HOME_CARE),
    DemoStaff("admin.knudsen", "Rasmus Knudsen", Role.admin, OPERATIONS_ORG),
]

# (username, CPR, name, GP practice). Synthetic CPR numbers with valid dates; the last digit
# is odd for a man and even for a woman, as in CPR.
CITIZENS: list[tuple[str, str, str, str]] = [
    ("citizen.anna", "0703541234", "Anna Sørensen", GP_NORREBRO),
    ("citizen.bent", "1209421357", "Bent Rasmussen", GP_NORREBRO),
    ("citizen.camilla", "2511882468", "Camilla Berg", GP_NORREBRO),
    ("citizen.dorthe", "0402491578", "Dorthe Kjær", GP_NORREBRO),
    ("citizen.erik", "1806372681", "Erik Lund", GP_NORREBRO),
    ("citizen.frederik", "3009654791", "Frederik Holm", GP_NORREBRO),
    ("citizen.grethe", "1501341802", "Grethe Mortensen", GP_NORREBRO),
    ("citizen.hans", "2207511913", "Hans Jakobsen", GP_VESTERBRO),
    ("citizen.inge", "0910462024", "Inge Frandsen", GP_VESTERBRO),
    ("citizen.jakob", "1403793135", "Jakob Dam", GP_VESTERBRO),
    ("citizen.kirsten", "2802442246", "Kirsten Bach", GP_VESTERBRO),
    ("citizen.lene", "0611673356", "Lene Vinther", GP_VESTERBRO),
    ("citizen.mads", "1705904469", "Mads Eriksen", GP_VESTERBRO),
    ("citizen.nina", "2304024578", "Nina Lauridsen", GP_AARHUS),
    ("citizen.ole", "0108381681", "Ole Kristiansen", GP_AARHUS),
    ("citizen.pia", "1912572790", "Pia Skov", GP_AARHUS),
    ("citizen.rasmus", "0510854803", "Rasmus Vestergaard", GP_AARHUS),
    ("citizen.signe", "2103964912", "Signe Overgaard", GP_AARHUS),
    ("citizen.torben", "1310331025", "Torben Iversen", GP_AARHUS),
    ("citizen.ulla", "0806483134", "Ulla Schmidt", GP_AARHUS),
    ("citizen.oliver", "1203194019", "Oliver Nielsen", GP_NORREBRO),  # a child, born 2019
]


def sex(cpr: str) -> Literal["F", "M"]:
    """The sex a CPR number states: its last digit is odd for a man, even for a woman."""
    return "M" if int(cpr[-1]) % 2 else "F"


def staff_by_username(username: str) -> DemoStaff | None:
    return next((s for s in STAFF if s.username == username), None)


def citizen_by_username(username: str) -> tuple[str, str, str, str] | None:
    return next((c for c in CITIZENS if c[0] == username), None)
