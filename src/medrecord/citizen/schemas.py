from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class CitizenCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"cpr": "070354-1234", "name": "Anna Sørensen", "gp_practice_id": "380101000016001"}
            ]
        },
    )

    cpr: str = Field(description="DDMMYY-NNNN or 10 digits.", examples=["070354-1234"])
    name: str = Field(min_length=1, max_length=200, examples=["Anna Sørensen"])
    gp_practice_id: str | None = Field(
        default=None, max_length=32, description="The GP practice the citizen is listed with."
    )


class CitizenSummary(BaseModel):
    """Who the citizen is, as shown with their card or at the pharmacy counter."""

    model_config = ConfigDict(from_attributes=True)

    cpr: str = Field(examples=["0101701234"])
    name: str
    birth_date: date
    gp_practice_id: str | None


class CitizenRead(CitizenSummary):
    id: uuid.UUID
