from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medrecord.access.schemas import PersonRef
from medrecord.citizen.schemas import CitizenSummary
from medrecord.drug.schemas import DrugSummary

PackageNumber = Field(pattern=r"^[0-9]{6}$", examples=["100008"])


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
                    "iteration_interval_days": 80,
                    "valid_from": "2026-11-21",
                    "valid_to": "2028-11-20",
                    "substitution_allowed": True,
                }
            ]
        },
    )

    medication_id: uuid.UUID
    package_number: str = PackageNumber
    package_quantity: int = Field(default=1, ge=1, le=9999, description="Packages per iteration.")
    iterations: int = Field(default=1, ge=1, le=999, description="Dispensings allowed.")
    iteration_interval_days: int | None = Field(
        default=None, ge=1, le=999, description="Least days between dispensings."
    )
    valid_from: date = Field(examples=["2026-11-21"])
    valid_to: date = Field(examples=["2028-11-20"])
    substitution_allowed: bool = True

    @model_validator(mode="after")
    def _window(self) -> PrescriptionCreate:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.iterations > 1 and self.iteration_interval_days is None:
            raise ValueError("iteration_interval_days is required when iterations > 1")
        return self


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
    package_quantity: int
    iterations: int
    remaining_iterations: int
    remaining_packages: int
    iteration_interval_days: int | None
    valid_from: date
    valid_to: date
    substitution_allowed: bool
    status: str = Field(description="open, completed, cancelled or expired")
    cancellation_reason: str | None
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
