from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from medrecord.access.schemas import PersonRef
from medrecord.drug.schemas import DrugSummary


class DispensingCreate(BaseModel):
    """What is handed out; an empty body dispenses the prescribed package and quantity."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{}, {"package_number": "100075", "package_quantity": 1}]},
    )

    package_number: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        description="The package handed out; default the prescribed one. Another package "
        "must be in the same substitution group, and substitution allowed.",
        examples=["100008"],
    )
    package_quantity: int | None = Field(
        default=None, ge=1, le=9999, description="Default: the prescribed quantity (the most)."
    )


class DispensingUndo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, examples=["Wrong citizen at the counter"])


class DispensingRead(BaseModel):
    id: uuid.UUID
    prescription_id: uuid.UUID
    order_id: uuid.UUID | None
    iteration_number: int
    pharmacy_id: str
    pharmacist: PersonRef
    drug_id: str
    drug: DrugSummary
    package_number: str
    package_quantity: int
    substituted: bool
    dispensed_at: datetime
    status: str = Field(description="completed or undone")
    undone_at: datetime | None
    undo_reason: str | None
    remaining_iterations: int = Field(description="Iterations left on the prescription after this.")
    prescription_status: str


class PharmacyDispensing(BaseModel):
    """A line of the pharmacy's own list of dispensings."""

    citizen_name: str
    citizen_cpr_masked: str = Field(examples=["070354-xxxx"])
    dispensing: DispensingRead
