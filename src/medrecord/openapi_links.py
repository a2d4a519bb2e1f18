"""OpenAPI links along the dispensing chain: a created medication is prescribed, the
prescription claimed and dispensed, the dispensing undone; a drug found in the catalogue is
added to a card. A client (or a generated one, or
schemathesis' state machine) follows a response into the next request without guessing ids.

Routes add them with ``documented(..., responses=linked(201, "Created", PRESCRIBE, ...))``:
FastAPI merges that entry into the route's own success response.
"""

from __future__ import annotations

from typing import Any

# As mounted in main.create_app; a link whose target is missing fails the stateful fuzz test.
API_PREFIX = "/api/v1"


def _operation_ref(method: str, path: str) -> str:
    # A JSON pointer into paths: "/" inside the path is escaped as "~1" (RFC 6901).
    return "#/paths/" + (API_PREFIX + path).replace("~", "~0").replace("/", "~1") + "/" + method


def _link(
    method: str,
    path: str,
    description: str,
    *,
    params: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
    same_citizen: bool = True,
) -> dict[str, Any]:
    # Every route of the chain is under the same citizen; the catalogue names none.
    citizen = {"path.cpr": "$request.path.cpr"} if same_citizen else {}
    link: dict[str, Any] = {
        "operationRef": _operation_ref(method, path),
        "description": description,
        "parameters": {**citizen, **(params or {})},
    }
    if body is not None:
        link["requestBody"] = body
    return link


def linked(
    status: int, description: str, **links: dict[str, Any]
) -> dict[int | str, dict[str, Any]]:
    """A ``responses`` entry for ``status`` carrying ``links`` (name → link)."""
    return {status: {"description": description, "links": links}}


ADD_MEDICATION = _link(
    "post",
    "/citizens/{cpr}/medications",
    "Add the first drug found to a citizen's card (the citizen is yours to name).",
    body={"drug_id": "$response.body#/0/id"},
    same_citizen=False,
)
READ_MEDICATION = _link(
    "get",
    "/citizens/{cpr}/medications/{medication_id}",
    "Read the medication just created.",
    params={"path.medication_id": "$response.body#/id"},
)
PRESCRIBE = _link(
    "post",
    "/citizens/{cpr}/prescriptions",
    "Prescribe from this medication.",
    body={"medication_id": "$response.body#/id"},
)
ORDER = _link(
    "post",
    "/citizens/{cpr}/prescriptions/{prescription_id}/order",
    "Claim this prescription for your pharmacy.",
    params={"path.prescription_id": "$response.body#/id"},
)
DISPENSE = _link(
    "post",
    "/citizens/{cpr}/prescriptions/{prescription_id}/dispensings",
    "Dispense this prescription.",
    params={"path.prescription_id": "$response.body#/id"},
)
DISPENSE_ORDERED = _link(
    "post",
    "/citizens/{cpr}/prescriptions/{prescription_id}/dispensings",
    "Dispense the prescription this order claims.",
    params={"path.prescription_id": "$response.body#/prescription_id"},
)
READ_DISPENSING = _link(
    "get",
    "/citizens/{cpr}/dispensings/{dispensing_id}",
    "Read the dispensing just made.",
    params={"path.dispensing_id": "$response.body#/id"},
)
UNDO = _link(
    "post",
    "/citizens/{cpr}/dispensings/{dispensing_id}/undo",
    "Undo this dispensing (same pharmacy, within 7 days, with a reason).",
    params={"path.dispensing_id": "$response.body#/id"},
)
