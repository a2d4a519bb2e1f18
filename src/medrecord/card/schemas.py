"""The medication card as one document: the citizen, the card version and review, and every
medication the caller may see with its prescriptions, claims and latest dispensings."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from medrecord.access.schemas import PersonRef
from medrecord.citizen.schemas import CitizenSummary
from medrecord.medication.schemas import MedicationSummary
from medrecord.medication.warnings import MedicationWarning
from medrecord.models import IntervalUnit
from medrecord.prescription.schemas import Claim, Units


class DispensingLineSummary(BaseModel):
    package_number: str
    package_quantity: int
    units: Units
    substituted: bool


class DispensingSummary(BaseModel):
    id: uuid.UUID
    dispensed_at: datetime
    pharmacy_id: str
    units: Units
    lines: list[DispensingLineSummary]
    status: str


class CardPrescription(BaseModel):
    id: uuid.UUID
    drug_id: str
    package_number: str
    package_quantity: int
    iterations: int
    unit: str
    prescribed_units: Units
    remaining_units: Units = Field(description="Units that can still be dispensed.")
    iteration_interval: int | None
    iteration_interval_unit: IntervalUnit | None
    supplementary_instructions: str | None
    valid_from: date
    valid_to: date
    status: str = Field(description="open, completed, cancelled, expired or invalid")
    cancellation_reason: str | None
    invalid_reason: str | None
    claimed_by: Claim | None
    prescriber: PersonRef
    latest_dispensing: DispensingSummary | None


class CardMedication(MedicationSummary):
    prescriptions: list[CardPrescription]
    warnings: list[MedicationWarning] = Field(
        default_factory=list,
        description="Medications in use on the card this one duplicates (see MedicationRead).",
    )


class MedicationCardRead(BaseModel):
    """A citizen's medication card, as the caller may see it."""

    citizen: CitizenSummary
    version: int = Field(description="Card version; sent as the ETag.")
    reviewed_at: datetime | None
    reviewed_by: PersonRef | None
    medications: list[CardMedication]


class CardReviewRead(BaseModel):
    version: int
    reviewed_at: datetime
    reviewed_by: PersonRef
