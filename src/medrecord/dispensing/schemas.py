from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medrecord.access.schemas import PersonRef
from medrecord.drug.schemas import DrugSummary
from medrecord.prescription.schemas import PackageNumber, Units


class DispensingLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    package_number: str = PackageNumber
    package_quantity: int = Field(default=1, ge=1, le=999, description="Packages of this size.")


class DispensingCreate(BaseModel):
    """What is handed out: package lines (sizes of the prescribed drug, or substitutes), or
    the one-line short form. An empty body hands out the prescribed package: a whole
    iteration, or the rest of a begun one in whole packages."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # _one_form, stated for clients: with lines, no short form.
            "if": {"required": ["lines"], "properties": {"lines": {"type": "array"}}},
            "then": {
                "properties": {
                    "package_number": {"type": "null"},
                    "package_quantity": {"type": "null"},
                }
            },
            "examples": [
                {},
                {"package_number": "100075", "package_quantity": 1},
                {
                    "lines": [
                        {"package_number": "100003", "package_quantity": 2},
                        {"package_number": "100001", "package_quantity": 1},
                    ]
                },
            ],
        },
    )

    lines: list[DispensingLineCreate] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="Packages handed out together, e.g. 2 x 50 for 1 x 100. Each package is "
        "of the prescribed drug or, with substitution allowed, of its substitution group; "
        "together never more units than may go out now.",
    )
    package_number: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        description="Short form of one line; default the prescribed package.",
        examples=["100008"],
    )
    package_quantity: int | None = Field(
        default=None,
        ge=1,
        le=999,
        description="Short form: packages of package_number. Default: what fills the "
        "iteration (or its rest).",
    )

    @model_validator(mode="after")
    def _one_form(self) -> DispensingCreate:
        if self.lines is not None and (self.package_number or self.package_quantity):
            raise ValueError("give lines, or package_number/package_quantity, not both")
        return self


class DispensingUndo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, examples=["Wrong citizen at the counter"])


class DispensingLineRead(BaseModel):
    line_number: int
    drug_id: str
    drug: DrugSummary
    package_number: str
    package_quantity: int
    package_size: Units
    units: Units
    substituted: bool


class DispensingRead(BaseModel):
    id: uuid.UUID
    prescription_id: uuid.UUID
    order_id: uuid.UUID | None
    iteration_number: int = Field(description="The iteration this dispensing belongs to.")
    starts_iteration: bool = Field(
        description="It began its iteration (false: the rest of a begun one)."
    )
    pharmacy_id: str
    pharmacist: PersonRef
    lines: list[DispensingLineRead]
    unit: str
    units: Units = Field(description="Units handed out, all lines together.")
    substituted: bool = Field(description="A line hands out another drug than prescribed.")
    dispensed_at: datetime
    status: str = Field(description="completed or undone")
    undone_at: datetime | None
    undo_reason: str | None
    remaining_units: Units = Field(description="Units left on the prescription after this.")
    remaining_iterations: int = Field(description="Iterations not yet wholly dispensed.")
    prescription_status: str


class PharmacyDispensing(BaseModel):
    """A line of the pharmacy's own list of dispensings."""

    citizen_name: str
    citizen_cpr_masked: str = Field(examples=["070354-xxxx"])
    dispensing: DispensingRead
