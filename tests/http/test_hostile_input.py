"""What an attacker sends at the front door gets a 4xx problem and changes nothing: JSON nested
too deep, C0/C1 control characters in text and in X-Access-Reason, CPR numbers wrapped in
exotic spaces, and tokens whose claims are the wrong type or too long."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medrecord.access.tokens import TokenSigner
from medrecord.models import AuditEvent, Citizen, Drug, Medication
from tests.http.test_basics import assert_problem
from tests.support.asgi import call_asgi, status_and_body
from tests.support.tokens import Tokens


def _medications_of(db: Session, citizen: Citizen) -> int:
    return db.scalar(select(func.count()).where(Medication.citizen_id == citizen.id)) or 0


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
@pytest.mark.parametrize("bracket", ["[", '{"a":'])
def test_json_nested_deeper_than_the_limit_is_refused_with_422(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    depth: int,
    bracket: str,
) -> None:
    closing = "]" if bracket == "[" else "}"
    body = bracket * depth + "1" + closing * depth

    response = client.post(
        f"/api/v1/citizens/{citizen.cpr}/medications",
        content=body,
        headers={**doctor, "Content-Type": "application/json"},
    )

    problem = assert_problem(response, 422, "json-too-deep")
    assert "32" in str(problem["detail"])
    assert _medications_of(db, citizen) == 0


def test_brackets_inside_strings_do_not_count_as_nesting(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    response = client.post(
        f"/api/v1/citizens/{citizen.cpr}/medications",
        json={
            "drug_id": str(drug.id),
            "indication_text": "[" * 200 + " {{ brackets in text are text " + "]" * 200,
            "start_date": "2026-01-01",
            "dosage": {"type": "free_text", "text": "1 tablet as agreed"},
        },
        headers=doctor,
    )

    assert response.status_code != 422 or "json-too-deep" not in response.text


@pytest.mark.parametrize("character", ["\u0085", "\u009b", "\u0080", "\u009f"])
def test_c1_control_characters_in_json_strings_are_refused(
    client: TestClient, db: Session, citizen: Citizen, doctor: dict[str, str], character: str
) -> None:
    response = client.post(
        f"/api/v1/citizens/{citizen.cpr}/medications",
        json={"indication_text": f"Pain{character}2J", "drug_id": "x"},
        headers=doctor,
    )

    problem = assert_problem(response, 422, "control-characters")
    assert problem["errors"] == [
        {
            "field": "body.indication_text",
            "message": "control characters are not allowed",
            "type": "control_characters",
        }
    ]
    assert _medications_of(db, citizen) == 0


def test_tab_cr_and_lf_are_allowed_in_free_text(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], drug: Drug
) -> None:
    response = client.post(
        f"/api/v1/citizens/{citizen.cpr}/medications",
        json={
            "drug_id": str(drug.id),
            "indication_text": "Pain\tafter\r\nsurgery",
            "start_date": "2026-01-01",
            "dosage": {"type": "free_text", "text": "1 tablet\nas agreed"},
        },
        headers=doctor,
    )

    assert "control-characters" not in response.text


def _emergency_rows(db: Session, citizen: Citizen) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.citizen_id == citizen.id, AuditEvent.purpose == "emergency"
            )
        )
    )


@pytest.mark.parametrize(
    "raw_reason",
    [
        b"Unconscious patient in ER \x1b[2J",
        "Unconscious patient in ER \u009b2J".encode(),
        "Unconscious patient in ER \u0085 again".encode(),
    ],
)
def test_control_characters_in_x_access_reason_are_refused_before_any_audit_row(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    tokens: Tokens,
    raw_reason: bytes,
) -> None:
    stranger = tokens.headers(role="doctor", org="HOSPITAL-X")

    response = client.get(
        f"/api/v1/citizens/{citizen.cpr}/medication-card",
        headers=[
            *stranger.items(),
            ("X-Access-Purpose", "emergency"),
            ("X-Access-Reason", raw_reason),  # type: ignore[list-item]
        ],
    )

    problem = assert_problem(response, 422, "control-characters")
    assert problem["errors"][0]["field"] == "header.x-access-reason"  # type: ignore[index]
    assert _emergency_rows(db, citizen) == []


def test_an_access_reason_that_is_not_utf8_is_refused(
    app: FastAPI, db: Session, citizen: Citizen, tokens: Tokens
) -> None:
    stranger = tokens.headers(role="doctor", org="HOSPITAL-X")

    status, _, body = status_and_body(
        call_asgi(
            app,
            method="GET",
            path=f"/api/v1/citizens/{citizen.cpr}/medication-card",
            headers=[
                (b"authorization", stranger["Authorization"].encode()),
                (b"x-access-purpose", b"emergency"),
                (b"x-access-reason", b"Unconscious patient in ER \xff\xfe not UTF-8"),
            ],
        )
    )

    assert status == 422
    assert b"control-characters" in body
    assert _emergency_rows(db, citizen) == []


def test_a_danish_access_reason_is_kept_as_typed(
    client: TestClient, db: Session, citizen: Citizen, tokens: Tokens
) -> None:
    stranger = tokens.headers(role="doctor", org="HOSPITAL-X")
    reason = "Bevidstløs patient på skadestuen, Ærø"

    response = client.get(
        f"/api/v1/citizens/{citizen.cpr}/medication-card",
        headers=[
            *stranger.items(),
            ("X-Access-Purpose", "emergency"),
            ("X-Access-Reason", reason.encode()),  # type: ignore[list-item]
        ],
    )

    assert response.status_code == 200, response.text
    [row] = _emergency_rows(db, citizen)
    assert row.reason == reason


@pytest.mark.parametrize(
    "wrapped",
    [
        "{cpr}%C2%A0",  # no-break space
        "%E3%80%80{cpr}",  # ideographic space
        "{cpr}%E2%80%83",  # em space
        "%09{cpr}",  # tab
        "%20{cpr}",  # a plain space around it is not one of the accepted forms either
        "{cpr}%0A",  # a newline after it ($ would let it through)
        "{head}%C2%A0{tail}",  # a no-break space as the separator
        "{head}.{tail}",
    ],
)
def test_cpr_numbers_accept_exactly_the_three_forms_of_the_spec(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], wrapped: str
) -> None:
    path = wrapped.format(cpr=citizen.cpr, head=citizen.cpr[:6], tail=citizen.cpr[6:])

    response = client.get(f"/api/v1/citizens/{path}/medication-card", headers=doctor)

    assert_problem(response, 422, "invalid-cpr")


@pytest.mark.parametrize("form", ["{head}{tail}", "{head}-{tail}", "{head}%20{tail}"])
def test_the_three_forms_of_a_cpr_number_are_accepted(
    client: TestClient, citizen: Citizen, doctor: dict[str, str], form: str
) -> None:
    path = form.format(head=citizen.cpr[:6], tail=citizen.cpr[6:])

    response = client.get(f"/api/v1/citizens/{path}/medication-card", headers=doctor)

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "claims",
    [
        {"loa": ["high"]},
        {"loa": {"level": "high"}},
        {"name": "N" * 201},
        {"sub": "s" * 201},
        {"org": "O" * 33},
        {"name": "Dr.\x00Nul"},
        {"name": "Dr.\u009bClear"},
        {"name": 42},
        {"sub": 42},
        {"org": ["GP-1"]},
        {"role": ["doctor"]},
        {"on_behalf_of": "x" * 201},
        {"on_behalf_of": "Dr.\x1bEscape"},
    ],
    ids=lambda c: next(iter(c)) + ":" + type(next(iter(c.values()))).__name__,
)
def test_a_validly_signed_token_with_odd_claims_is_a_401(
    client: TestClient,
    db: Session,
    signer: TokenSigner,
    citizen: Citizen,
    claims: dict[str, object],
) -> None:
    base = {"sub": "dr-odd", "name": "Dr. Odd", "role": "doctor", "org": citizen.gp_practice_id}
    overridden = {k: v for k, v in {**base, **claims}.items() if k in base}
    token = signer.mint(
        **overridden,  # type: ignore[arg-type]
        extra={k: v for k, v in claims.items() if k not in base},
    )

    response = client.get(
        f"/api/v1/citizens/{citizen.cpr}/medication-card",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Nothing of the citizen's was read.
    assert not db.scalars(select(AuditEvent).where(AuditEvent.citizen_id == citizen.id)).all()
