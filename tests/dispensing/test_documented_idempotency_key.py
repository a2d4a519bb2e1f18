"""The OpenAPI document states what a dispensing's Idempotency-Key must be (found by fuzzing: it
was documented as an optional free string, and schema-valid keys were refused with 400)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from medrecord import problems
from medrecord.dispensing.idempotency import checked_key


def _documented_key(app: FastAPI) -> dict[str, object]:
    operation = app.openapi()["paths"][
        "/api/v1/citizens/{cpr}/prescriptions/{prescription_id}/dispensings"
    ]["post"]
    [key] = [p for p in operation["parameters"] if p["name"].lower() == "idempotency-key"]
    return key


def test_the_key_is_documented_as_required(app: FastAPI) -> None:
    assert _documented_key(app)["required"] is True


@pytest.mark.parametrize(
    "key",
    [
        "5f0c3a9e-1d2b-4c1e-9a53-0b7d2e8f6a11",
        "!",
        "~" * 200,
        "~" * 201,
        "",
        "two words",
        "tab\tinside",
        "ærø",
        "\x7f",
    ],
)
def test_the_documented_syntax_is_the_one_checked(app: FastAPI, key: str) -> None:
    schema = _documented_key(app)["schema"]
    assert isinstance(schema, dict)
    documented = re.fullmatch(schema["pattern"], key) is not None
    try:
        checked_key(key)
    except (problems.InvalidIdempotencyKey, problems.IdempotencyKeyRequired):
        accepted = False
    else:
        accepted = True
    assert documented == accepted
