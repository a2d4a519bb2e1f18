"""The OpenAPI document is the integration contract for clinicians' systems."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from medrecord.middleware import _CONTROL, _HEADER_CONTROL
from medrecord.openapi_wire import HEADER_PATTERN, TEXT_PATTERN

IF_MATCH_WRITES = [
    ("put", "/api/v1/citizens/{cpr}/medications/{medication_id}"),
    ("post", "/api/v1/citizens/{cpr}/medications/{medication_id}/pause"),
    ("post", "/api/v1/citizens/{cpr}/medications/{medication_id}/resume"),
    ("post", "/api/v1/citizens/{cpr}/medications/{medication_id}/withdraw"),
    ("post", "/api/v1/citizens/{cpr}/medications/{medication_id}/mark-private"),
    ("post", "/api/v1/citizens/{cpr}/medications/{medication_id}/unmark-private"),
    ("post", "/api/v1/citizens/{cpr}/medication-card/review"),
]


@pytest.fixture(scope="module")
def spec(client_module: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client_module.get("/openapi.json").json()
    return document


@pytest.fixture(scope="module")
def client_module(settings: Any, engine: Any) -> Any:
    from medrecord.main import create_app

    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def api_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1")
        for method, op in item.items()
    ]


def test_every_api_route_documents_401_and_its_problems_as_problem_json(
    spec: dict[str, Any],
) -> None:
    operations = api_operations(spec)
    assert len(operations) >= 20
    for method, path, op in operations:
        assert "401" in op["responses"], (method, path)
        problems = [s for s in op["responses"] if s.startswith(("4", "5"))]
        for status in problems:
            content = op["responses"][status].get("content", {})
            assert "application/problem+json" in content, (method, path, status)
        assert op.get("summary") and op.get("tags"), (method, path)


@pytest.mark.parametrize(("method", "path"), IF_MATCH_WRITES)
def test_versioned_writes_declare_if_match_and_412_428(
    spec: dict[str, Any], method: str, path: str
) -> None:
    op = spec["paths"][path][method]
    headers = {p["name"].lower(): p for p in op.get("parameters", []) if p["in"] == "header"}
    # Required: a client generated from the document sends it, never meeting the 428.
    assert headers["if-match"]["required"] is True
    assert re.fullmatch(headers["if-match"]["schema"]["pattern"], '"3"')
    assert {"412", "428"} <= set(op["responses"])


def test_creating_a_medication_documents_if_match_as_optional(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/api/v1/citizens/{cpr}/medications"]["post"]
    [if_match] = [p for p in op["parameters"] if p["name"].lower() == "if-match"]
    assert if_match["required"] is False


def test_a_caller_may_declare_only_consent_or_emergency(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/api/v1/citizens/{cpr}/medication-card"]["get"]
    [purpose] = [p for p in op["parameters"] if p["name"].lower() == "x-access-purpose"]
    assert purpose["schema"]["enum"] == ["consent", "emergency"]


def test_parameters_are_never_documented_as_null(spec: dict[str, Any]) -> None:
    # HTTP has no null: a generated client would send the word "null" and get a 422.
    for method, path, op in api_operations(spec):
        for parameter in op.get("parameters", []):
            assert '"type": "null"' not in json.dumps(parameter["schema"]), (method, path)


def test_every_api_route_documents_the_503_of_a_busy_database_with_retry_after(
    spec: dict[str, Any],
) -> None:
    for method, path, op in api_operations(spec):
        answer = op["responses"]["503"]
        assert "Retry-After" in answer["headers"], (method, path)
        examples = answer["content"]["application/problem+json"]["examples"]
        assert set(examples) == {"database-busy", "database-unavailable"}, (method, path)


def test_routes_with_a_body_document_the_front_doors_refusals(spec: dict[str, Any]) -> None:
    with_body = [(m, p, op) for m, p, op in api_operations(spec) if "requestBody" in op]
    assert len(with_body) >= 10
    for method, path, op in with_body:
        assert {"400", "408", "413", "422"} <= set(op["responses"]), (method, path)


def test_free_text_is_documented_with_the_front_doors_control_character_rule(
    spec: dict[str, Any],
) -> None:
    components = spec["components"]["schemas"]
    reason = components["MedicationWithdraw"]["properties"]["reason"]
    assert reason["pattern"] == TEXT_PATTERN
    free_text = next(
        schema["properties"]["free_text"]
        for name, schema in components.items()
        if name.startswith("FreeTextDosage")
    )
    # Its own pattern says only "not blank": the front door's rule stands beside it.
    assert {"pattern": TEXT_PATTERN} in free_text["allOf"]


@pytest.mark.parametrize(
    ("pattern", "refused"), [(TEXT_PATTERN, _CONTROL), (HEADER_PATTERN, _HEADER_CONTROL)]
)
def test_the_documented_text_rule_is_exactly_the_front_doors(
    pattern: str, refused: re.Pattern[str]
) -> None:
    # Every code point from NUL to beyond the C1 block, and a few far ones.
    for code in [*range(0x00, 0x180), 0x2028, 0xFEFF, 0x1F600]:
        text = f"a{chr(code)}b"
        assert (re.fullmatch(pattern, text) is not None) is (refused.search(text) is None), hex(
            code
        )


def test_dispensing_declares_idempotency_key_and_its_conflicts(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/api/v1/citizens/{cpr}/prescriptions/{prescription_id}/dispensings"]["post"]
    headers = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
    assert "idempotency-key" in headers
    assert {"400", "409", "422"} <= set(op["responses"])


def test_request_schemas_carry_examples(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("MedicationWrite", "PrescriptionCreate", "DispensingCreate", "CitizenCreate"):
        properties = schemas[name]["properties"]
        assert any("examples" in p or "example" in p for p in properties.values()), name


@pytest.mark.parametrize(
    "name",
    [
        "MedicationWrite",
        "PrescriptionCreate",
        "DispensingCreate",
        "TreatmentRelationCreate",
        "CitizenCreate",
    ],
)
def test_request_bodies_carry_a_whole_example_that_validates(
    spec: dict[str, Any], name: str
) -> None:
    import importlib

    modules = {
        "MedicationWrite": "medrecord.medication.schemas",
        "PrescriptionCreate": "medrecord.prescription.schemas",
        "DispensingCreate": "medrecord.dispensing.schemas",
        "TreatmentRelationCreate": "medrecord.treatment_relation.schemas",
        "CitizenCreate": "medrecord.citizen.schemas",
    }
    model = getattr(importlib.import_module(modules[name]), name)
    examples = spec["components"]["schemas"][name]["examples"]
    assert examples
    for example in examples:
        model.model_validate(example)


def test_routes_are_secured_with_bearer_tokens(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_every_schema_reference_resolves(spec: dict[str, Any]) -> None:
    import json
    import re

    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs <= set(spec["components"]["schemas"])
