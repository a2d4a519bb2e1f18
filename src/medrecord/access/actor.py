from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    doctor = "doctor"
    nurse = "nurse"
    pharmacist = "pharmacist"
    pharmacy_assistant = "pharmacy_assistant"
    citizen = "citizen"
    admin = "admin"


PROFESSIONAL_ROLES = frozenset(
    {Role.doctor, Role.nurse, Role.pharmacist, Role.pharmacy_assistant, Role.admin}
)


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller, as the use cases see it (never the HTTP request)."""

    subject: str
    name: str
    role: Role
    organisation_id: str | None = None
    cpr: str | None = None
    on_behalf_of: str | None = None

    def snapshot(self) -> dict[str, Any]:
        """Who, as stored on rows they create or change."""
        return {
            "subject": self.subject,
            "name": self.name,
            "role": str(self.role),
            "organisation_id": self.organisation_id,
            "on_behalf_of": self.on_behalf_of,
        }
