from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from medrecord.models import OrganisationKind


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[0-9A-Za-z-]{1,32}$", examples=["380101000016001"])
    name: str = Field(min_length=1, max_length=200, examples=["Lægerne på Nørrebro"])
    kind: OrganisationKind


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: str
