from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from medrecord.access.schemas import PersonRef
from medrecord.models import RelationKind


class TreatmentRelationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "admitted", "valid_to": "2026-12-05T12:00:00+01:00"}]
        },
    )

    kind: RelationKind = Field(examples=["admitted"])
    valid_to: AwareDatetime = Field(
        description="When the relation ends (at most a year ahead).",
        examples=["2026-12-05T12:00:00+01:00"],
    )
    valid_from: AwareDatetime | None = Field(default=None, description="Default: now.")
    organisation_id: str | None = Field(
        default=None,
        max_length=32,
        description="Admins only: the organisation the relation is for. Doctors and nurses "
        "declare for their own organisation.",
    )


class TreatmentRelationRead(BaseModel):
    id: uuid.UUID | None = Field(description="None for the standing GP relation.")
    organisation_id: str
    organisation_name: str
    kind: str
    valid_from: datetime | None
    valid_to: datetime | None
    declared_by: PersonRef | None
