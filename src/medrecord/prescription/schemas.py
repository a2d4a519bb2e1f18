from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from medrecord.access.schemas import PersonRef
from medrecord.citizen.schemas import CitizenSummary
from medrecord.dosage.schemas import DosageTexts
from medrecord.drug.schemas import DrugSummary
from medrecord.models import IntervalUnit

PackageNumber = Field(pattern=r"^[0-9]{6}$", examples=["100008"])


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# An amount in units (tablets, ml ...): a JSON number, 100 rather than "100.00".
Units = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="json")]


class PrescriptionCreate(BaseModel):
    """A prescription from an active medication, with FMK's limits."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "medication_id": "0b8f7c1e-5d1a-4f7e-9c43-2a6d1f0e9b21",
                    "package_number": "100556",
                    "package_quantity": 1,
                    "iterations": 4,
                    "iteration_interval": 3,
                    "iteration_interval_unit": "months",
                    "valid_from": "2026-11-21",
                    "valid_to": "2028-11-20",
                    "substitution_allowed": True,
                    "supplementary_instructions": "Tages med rigeligt vand",
                }
            ]
        },
    )

    medication_id: uuid.UUID
    package_number: str = PackageNumber
    package_quantity: int = Field(default=1, ge=1, le=999, description="Packages per iteration.")
    iterations: int = Field(default=1, ge=1, le=99, description="Iterations (udleveringer).")
    iteration_interval: int | None = Field(
        default=None, ge=1, le=999, description="Least time between iterations, in its unit."
    )
    iteration_interval_unit: IntervalUnit = Field(
        default=IntervalUnit.days,
        description="days, weeks or months; counted in Copenhagen calendar days.",
    )
    iteration_interval_days: int | None = Field(
        default=None,
        ge=1,
        le=999,
        description="Deprecated short form of iteration_interval with the unit days.",
    )
    valid_from: date = Field(examples=["2026-11-21"])
    valid_to: date = Field(examples=["2028-11-20"])
    substitution_allowed: bool = True
    supplementary_instructions: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="For the label, beside the dosage text (e.g. 'Tages med rigeligt vand').",
    )

    @model_validator(mode="after")
    def _window(self) -> PrescriptionCreate:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.iteration_interval_days is not None:
            if self.iteration_interval is not None:
                raise ValueError("give iteration_interval, not also iteration_interval_days")
            self.iteration_interval = self.iteration_interval_days
            self.iteration_interval_unit = IntervalUnit.days
        if self.iterations > 1 and self.iteration_interval is None:
            raise ValueError("iteration_interval is required when iterations > 1")
        return self

    def interval(self) -> tuple[int, IntervalUnit] | None:
        if self.iteration_interval is None:
            return None
        return self.iteration_interval, self.iteration_interval_unit


class PrescriptionCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, examples=["Dose changed"])


class Claim(BaseModel):
    order_id: uuid.UUID
    pharmacy_id: str
    pharmacy_name: str
    status: str


class PrescriptionRead(BaseModel):
    id: uuid.UUID
    medication_id: uuid.UUID
    medication_version: int = Field(description="The medication version it was made from.")
    drug_id: str
    drug: DrugSummary
    package_number: str
    package_quantity: int = Field(description="Packages per iteration.")
    package_size: Units = Field(description="What one prescribed package holds, in unit.")
    iterations: int
    unit: str = Field(description="The unit amounts are counted in (the package's).")
    units_per_iteration: Units
    prescribed_units: Units = Field(description="iterations x packages x package size")
    dispensed_units: Units
    remaining_units: Units
    remaining_iterations: int = Field(description="Iterations not yet wholly dispensed.")
    dispensable_now_units: Units = Field(
        description="What one dispensing may hand out now: a whole iteration or the rest of a"
        " begun one (0 when nothing remains or the prescription is not open)."
    )
    earliest_next_iteration: date | None = Field(
        description="The first day a new iteration may begin (the interval); null: no wait."
    )
    iteration_interval: int | None
    iteration_interval_unit: IntervalUnit | None
    dosage_texts: dict[str, DosageTexts] = Field(
        description="The medication version's dosage texts, Danish (da) and English (en)."
    )
    indication_code: str | None
    indication_text: str | None
    supplementary_instructions: str | None
    valid_from: date
    valid_to: date
    substitution_allowed: bool
    status: str = Field(description="open, completed, cancelled, expired or invalid")
    cancellation_reason: str | None
    invalid_reason: str | None = Field(description="Why the prescription became invalid.")
    last_dispensed_at: datetime | None
    prescriber: PersonRef
    claimed_by: Claim | None
    created_at: datetime


class OrderCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class OrderRead(BaseModel):
    id: uuid.UUID
    prescription_id: uuid.UUID
    pharmacy_id: str
    pharmacy_name: str
    status: str
    ordered_by: PersonRef
    created_at: datetime


class DispensaryView(BaseModel):
    """What a pharmacy counter sees of a citizen: who they are and what can be dispensed."""

    citizen: CitizenSummary
    prescriptions: list[PrescriptionRead]
