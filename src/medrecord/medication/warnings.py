"""Warnings, not refusals: a medication that duplicates another one in use on the card (SPEC
§2). A prescriber may mean it (a second strength of the same drug, a switch in progress), so
the write goes through and the response and the card say what was seen.

One warning per pair, the most specific reason first: the same drug or substitution group,
a shared active substance, the same ATC level 5 (chemical substance), the same ATC level 4
(therapeutic duplication: apixaban beside rivaroxaban), and two antithrombotic agents (ATC
B01A: bleeding risk, apixaban beside acetylsalicylic acid). Interactions beyond these need a
drug-interaction database, which medrecord does not have."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field

from medrecord.models import MedicationStatus

IN_USE = (MedicationStatus.active, MedicationStatus.paused)
ANTITHROMBOTIC = "B01A"


class WarningType(StrEnum):
    same_drug = "same-drug"
    same_substitution_group = "same-substitution-group"
    same_active_substance = "same-active-substance"
    same_atc = "same-atc"
    same_therapeutic_group = "same-therapeutic-group"
    antithrombotics_combined = "antithrombotics-combined"


class MedicationWarning(BaseModel):
    type: WarningType
    message: str = Field(examples=["Eliquis 5 mg is already in use: same active substance."])
    medication_id: uuid.UUID = Field(description="The other medication on the card.")


@dataclass(frozen=True, slots=True)
class DrugFacts:
    id: str
    name: str
    strength: str
    atc_code: str
    substitution_group: str | None
    active_substances: tuple[str, ...]


class DrugLike(Protocol):
    """A catalogue drug as the ORM row or a read model has it."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def strength(self) -> str: ...
    @property
    def atc_code(self) -> str: ...
    @property
    def substitution_group(self) -> str | None: ...
    @property
    def active_substances(self) -> list[str]: ...


def facts(drug: DrugLike) -> DrugFacts:
    return DrugFacts(
        id=drug.id,
        name=drug.name,
        strength=drug.strength,
        atc_code=drug.atc_code,
        substitution_group=drug.substitution_group,
        active_substances=tuple(drug.active_substances),
    )


def _reason(new: DrugFacts, other: DrugFacts) -> tuple[WarningType, str] | None:
    shared = sorted(set(new.active_substances) & set(other.active_substances))
    if new.id == other.id:
        return WarningType.same_drug, "the same drug"
    if new.substitution_group and new.substitution_group == other.substitution_group:
        return WarningType.same_substitution_group, "the same substitution group"
    if shared:
        return WarningType.same_active_substance, f"same active substance ({', '.join(shared)})"
    if new.atc_code == other.atc_code:
        return WarningType.same_atc, f"same ATC code ({new.atc_code})"
    if new.atc_code[:5] == other.atc_code[:5]:
        return WarningType.same_therapeutic_group, f"same therapeutic group ({new.atc_code[:5]})"
    if new.atc_code.startswith(ANTITHROMBOTIC) and other.atc_code.startswith(ANTITHROMBOTIC):
        return WarningType.antithrombotics_combined, "two antithrombotic agents: bleeding risk"
    return None


def duplicate_warnings(
    drug: DrugFacts, others: Iterable[tuple[uuid.UUID, DrugFacts, str]]
) -> list[MedicationWarning]:
    """Warnings for a medication of ``drug`` against the other medications of the card, given
    as (id, drug, current status); only those in use (active or paused) count."""
    warnings: list[MedicationWarning] = []
    for medication_id, other, status in others:
        if status not in IN_USE or (found := _reason(drug, other)) is None:
            continue
        kind, why = found
        warnings.append(
            MedicationWarning(
                type=kind,
                message=f"{other.name} {other.strength} is already in use: {why}.",
                medication_id=medication_id,
            )
        )
    # The gravest first, the same order on every read (the card's rows come in any order).
    rank = {kind: i for i, kind in enumerate(WarningType)}
    return sorted(warnings, key=lambda w: (rank[w.type], w.message, str(w.medication_id)))
