"""The units a dose is counted in, with their words in Danish and English.

The drug catalogue decides which of these fit a drug (its form); the dosage texts need the
singular and plural of each. Codes are English, as the rest of the API."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    tablet = "tablet"
    capsule = "capsule"
    ml = "ml"
    drop = "drop"
    puff = "puff"
    dose = "dose"
    patch = "patch"
    unit = "unit"  # insulin: international units (FMK: "enheder"/"IE")
    injection = "injection"
    suppository = "suppository"
    sachet = "sachet"
    mg = "mg"


@dataclass(frozen=True)
class Words:
    singular: str
    plural: str


# (Danish, English). Danish follows FMK's Dosis-til-tekst unit table.
WORDS: dict[Unit, tuple[Words, Words]] = {
    Unit.tablet: (Words("tablet", "tabletter"), Words("tablet", "tablets")),
    Unit.capsule: (Words("kapsel", "kapsler"), Words("capsule", "capsules")),
    Unit.ml: (Words("ml", "ml"), Words("ml", "ml")),
    Unit.drop: (Words("dråbe", "dråber"), Words("drop", "drops")),
    Unit.puff: (Words("pust", "pust"), Words("puff", "puffs")),
    Unit.dose: (Words("dosis", "doser"), Words("dose", "doses")),
    Unit.patch: (Words("plaster", "plastre"), Words("patch", "patches")),
    Unit.unit: (Words("enhed", "enheder"), Words("unit", "units")),
    Unit.injection: (Words("injektion", "injektioner"), Words("injection", "injections")),
    Unit.suppository: (Words("stikpille", "stikpiller"), Words("suppository", "suppositories")),
    Unit.sachet: (Words("brev", "breve"), Words("sachet", "sachets")),
    Unit.mg: (Words("mg", "mg"), Words("mg", "mg")),
}
