"""Small helpers for talking to the API in tests: addresses, versions, request bodies."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from medrecord.dosage.examples import daily
from medrecord.models import Citizen


def base(citizen: Citizen) -> str:
    """The citizen's address under /api/v1."""
    return f"/api/v1/citizens/{citizen.cpr}"


def etag(version: int) -> dict[str, str]:
    """An If-Match header for ``version`` (the ETag the API hands out)."""
    return {"If-Match": f'"{version}"'}


def medication_body(drug: str, /, **overrides: Any) -> dict[str, Any]:
    """A complete, valid medication write for the drug id ``drug``; overrides replace fields."""
    body: dict[str, Any] = {
        "drug_id": drug,
        "indication_code": "I10",
        "indication_text": "High blood pressure",
        "route": "oral",
        "dosage": daily(morning=1),
        "start_date": "2026-11-01",
        "end_date": "2027-11-01",
    }
    body.update(overrides)
    return body


def dispense(
    client: TestClient,
    citizen: Citizen,
    prescription_id: object,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
) -> Any:
    """POST a dispensing with a fresh Idempotency-Key (an empty body: the default)."""
    return client.post(
        f"{base(citizen)}/prescriptions/{prescription_id}/dispensings",
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        json=body or {},
    )
