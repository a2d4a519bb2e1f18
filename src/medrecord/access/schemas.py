"""Who did something, as the API shows it: the actor snapshot stored on rows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class PersonRef(BaseModel):
    """Who did something, as recorded at the time."""

    name: str
    role: str
    organisation_id: str | None = None

    @classmethod
    def of(cls, snapshot: dict[str, Any]) -> PersonRef:
        """From an ``Actor.snapshot()`` stored on a row."""
        return cls(
            name=snapshot["name"],
            role=snapshot["role"],
            organisation_id=snapshot.get("organisation_id"),
        )
