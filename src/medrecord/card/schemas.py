"""The medication card as one document: the citizen, the card version and review, and every
medication the caller may see with its prescriptions, claims and latest dispensings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from medrecord.access.schemas import PersonRef
from medrecord.citizen.schemas import CitizenSummary
from medrecord.drug.schemas import DrugSummary
from medrecord.prescription.schemas import Claim


class DispensingSummary(BaseModel):
    id: uuid.UUID
    dispensed_at: datetime
    pharmacy_id: str
    package_number: str
    package_quantity: int
    substituted: bool
    status: str


class CardPrescription(BaseModel):
    id: uuid.UUID
    drug_id: str
    package_number: str
    package_quantity: int
    iterations: int
    remaining_iterations: int
    remaining_packages: int = Field(description="Packages that can still be dispensed.")
    iteration_interval_days: int | None
    valid_from: date
    valid_to: date
    status: str = Field(description="open, completed, cancelled, expired or invalid")
    claimed_by: Claim | None
    prescriber: PersonRef
    latest_dispensing: DispensingSummary | None


class CardMedication(BaseModel):
    id: uuid.UUID
    version: int
    drug: DrugSummary
    indication_code: str | None
    indication_text: str | None
    route: str
    dosage: dict[str, Any]
    dosage_text: str = Field(examples=["1 tablet morning and evening"])
    substitution_allowed: bool
    start_date: date | None
    started_previously: bool
    end_date: date | None
    status: str
    paused_from: date | None
    paused_to: date | None
    withdrawal_reason: str | None
    private: bool
    modified_at: datetime
    modified_by: PersonRef
    prescriptions: list[CardPrescription]


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
