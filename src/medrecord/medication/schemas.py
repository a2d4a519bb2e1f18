from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from medrecord.access.schemas import PersonRef
from medrecord.dosage import examples
from medrecord.dosage.schemas import DerivedDosage, Dosage
from medrecord.drug.schemas import DrugSummary
from medrecord.medication.warnings import MedicationWarning

# Treatment dates a clinician can mean (and date arithmetic on them cannot overflow).
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
TreatmentDate = Annotated[
    date,
    Field(ge=EARLIEST, le=LATEST),
    # JSON Schema has no bounds for dates: the years, as a pattern beside format: date.
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^(19|20|21)[0-9]{2}-"}),
]


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
                    "dosage": {
                        "unit": "tablet",
                        "periods": [
                            {"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}
                        ],
                    },
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
    dosage: Dosage = Field(description="Structured (unit and periods) or free text; see SPEC §2.1.")
    substitution_allowed: bool = True
    start_date: TreatmentDate | None = Field(default=None, examples=["2026-11-21"])
    started_previously: bool = Field(
        default=False, description="Started before it was recorded here (no known start date)."
    )
    end_date: TreatmentDate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> MedicationWrite:
        if not (self.indication_code or self.indication_text):
            raise ValueError("give an indication: indication_code or indication_text")
        if self.start_date is None and not self.started_previously:
            raise ValueError("give start_date, or started_previously=true")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


def _example(shape: examples.Shape) -> dict[str, Any]:
    return {
        "summary": shape.summary,
        "description": shape.description,
        "value": {
            "drug_id": shape.drug_id,
            "indication_text": shape.description.split(":")[0].rstrip("."),
            "route": shape.route,
            "dosage": shape.dosage,
            "substitution_allowed": True,
            "start_date": "2026-12-01",
        },
    }


# Whole requests, one per dosage shape, for the API documentation (on demo catalogue drugs).
WRITE_EXAMPLES = {name: _example(shape) for name, shape in examples.SHAPES.items()}


class MedicationPause(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paused_from: date | None = Field(default=None, description="Default: today.")
    paused_to: date | None = Field(default=None, description="Open-ended when omitted.")


class MedicationWithdraw(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, examples=["Side effects: dizziness"])


class MedicationSummary(BaseModel):
    """A medication as every view shows it (the card adds prescriptions; a read, its history)."""

    # Documented as clients write a dosage: the dosage's serializer (dosage.schemas.Sent) would be
    # documented as any object, and any object matches both branches of the dosage's oneOf.
    model_config = ConfigDict(json_schema_mode_override="validation")

    id: uuid.UUID
    version: int = Field(description="Medication version; sent as the ETag.")
    drug: DrugSummary
    indication_code: str | None
    indication_text: str | None
    route: str
    dosage: Dosage
    dosage_derived: DerivedDosage = Field(
        description="Derived by the server: type, daily doses, Danish and English texts."
    )
    dosage_text: str = Field(
        description="The Danish label text, or the long text when no label text fits.",
        examples=["1 tablet morgen og aften"],
    )
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
    warnings: list[MedicationWarning] = Field(
        default_factory=list,
        description="Medications in use on the card this one duplicates (a warning, not a "
        "refusal): the same drug, substitution group, active substance or ATC group.",
    )
    invalidated_prescriptions: list[uuid.UUID] = Field(
        default_factory=list,
        description="Open prescriptions this change made invalid (the drug changed): the "
        "pharmacies can no longer dispense them; prescribe the new drug.",
    )


class MedicationVersionRead(BaseModel):
    version: int
    change: str = Field(examples=["updated"])
    changed_at: datetime
    changed_by: PersonRef
    state: dict[str, Any]
