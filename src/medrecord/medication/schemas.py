from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from medrecord.access.schemas import PersonRef
from medrecord.drug.schemas import DrugSummary
from medrecord.medication import rules


def _number(value: Decimal) -> int | float:
    # Doses are numbers in JSON ("morning": 1), not strings.
    return int(value) if value == value.to_integral_value() else float(value)


PositiveQuantity = Annotated[
    Decimal,
    Field(gt=0, le=10000, max_digits=8, decimal_places=3),
    PlainSerializer(_number, when_used="json"),
]


class DosageKind(StrEnum):
    fixed = "fixed"
    as_needed = "as_needed"
    temporary = "temporary"


class TimedDose(BaseModel):
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["08:00"])
    quantity: PositiveQuantity


class Dosage(BaseModel):
    """Structured dosage (FMK: dosering), turned into a human text by the server."""

    model_config = ConfigDict(extra="forbid")

    kind: DosageKind = Field(description="fixed, as_needed or temporary", examples=["fixed"])
    unit: str = Field(min_length=1, max_length=40, examples=["tablet"])
    morning: PositiveQuantity | None = Field(default=None, examples=[1])
    noon: PositiveQuantity | None = None
    evening: PositiveQuantity | None = Field(default=None, examples=[1])
    night: PositiveQuantity | None = None
    timed: list[TimedDose] = Field(default_factory=list, max_length=24)
    max_per_day: PositiveQuantity | None = Field(
        default=None, description="For as-needed dosages: the most a day."
    )
    note: str | None = Field(default=None, max_length=200, examples=["with food"])

    @model_validator(mode="after")
    def _one_schedule(self) -> Dosage:
        day_parts = any(getattr(self, p) is not None for p in rules.DAY_PARTS)
        if day_parts and self.timed:
            raise ValueError("give doses per day part or at times, not both")
        if self.kind is not DosageKind.as_needed and not (day_parts or self.timed):
            raise ValueError("a fixed or temporary dosage needs at least one dose")
        return self

    def text(self) -> str:
        return rules.dosage_text(
            kind=self.kind,
            unit=self.unit,
            per_day_part={p: getattr(self, p) for p in rules.DAY_PARTS},
            timed=[(t.time, t.quantity) for t in self.timed],
            max_per_day=self.max_per_day,
            note=self.note,
        )

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class MedicationWrite(BaseModel):
    """A whole medication as the prescriber states it. PUT replaces every field: omitted
    optional fields are cleared, as in FMK."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "drug_id": "28100118785",
                    "indication_code": "I10",
                    "indication_text": "High blood pressure",
                    "route": "oral",
                    "dosage": {"kind": "fixed", "unit": "tablet", "morning": 1},
                    "substitution_allowed": True,
                    "start_date": "2026-11-21",
                }
            ]
        },
    )

    drug_id: str = Field(min_length=1, max_length=20, examples=["28100007919"])
    indication_code: str | None = Field(default=None, max_length=20, examples=["I10"])
    indication_text: str | None = Field(
        default=None, min_length=1, max_length=500, examples=["High blood pressure"]
    )
    route: str = Field(default="oral", min_length=1, max_length=60, examples=["oral"])
    dosage: Dosage
    substitution_allowed: bool = True
    start_date: date | None = Field(default=None, examples=["2026-11-21"])
    started_previously: bool = Field(
        default=False, description="Started before it was recorded here (no known start date)."
    )
    end_date: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> MedicationWrite:
        if not (self.indication_code or self.indication_text):
            raise ValueError("give an indication: indication_code or indication_text")
        if self.start_date is None and not self.started_previously:
            raise ValueError("give start_date, or started_previously=true")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class MedicationPause(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paused_from: date | None = Field(default=None, description="Default: today.")
    paused_to: date | None = Field(default=None, description="Open-ended when omitted.")


class MedicationWithdraw(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, examples=["Side effects: dizziness"])


class MedicationSummary(BaseModel):
    """A medication as every view shows it (the card adds prescriptions; a read, its history)."""

    id: uuid.UUID
    version: int = Field(description="Medication version; sent as the ETag.")
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


class MedicationRead(MedicationSummary):
    withdrawn_at: datetime | None
    created_at: datetime
    created_by: PersonRef


class MedicationVersionRead(BaseModel):
    version: int
    change: str = Field(examples=["updated"])
    changed_at: datetime
    changed_by: PersonRef
    state: dict[str, Any]
