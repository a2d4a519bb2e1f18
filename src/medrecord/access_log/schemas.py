from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from medrecord.access.schemas import PersonRef


class AccessLogEntry(BaseModel):
    """One access to the citizen's data, as the citizen sees it in their log ("Min Log")."""

    occurred_at: datetime
    actor_name: str
    actor_role: str
    organisation_id: str | None
    organisation_name: str | None
    action: str = Field(examples=["medication-card.read"])
    resource_type: str
    purpose: str = Field(examples=["treatment"])
    emergency: bool = Field(description="Emergency access (værdispring) without a relation.")
    reason: str | None = Field(description="The reason given for emergency or consent access.")
    outcome: str = Field(examples=["success"])


class AccessLogPage(BaseModel):
    entries: list[AccessLogEntry] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page. "
        "Stable while new entries arrive."
    )


class EmergencyAccess(BaseModel):
    audit_event_id: uuid.UUID
    occurred_at: datetime
    citizen_cpr: str
    actor_name: str
    actor_role: str
    organisation_id: str | None
    action: str
    reason: str | None
    reviewed_at: datetime | None
    reviewed_by: PersonRef | None
    conclusion: str | None


class EmergencyReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conclusion: str = Field(
        min_length=5, max_length=1000, examples=["Justified: unconscious patient in the ER."]
    )
