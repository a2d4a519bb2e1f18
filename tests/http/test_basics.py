"""Health, readiness, metrics, request ids and RFC 9457 problems for everything that can fail."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from medrecord import errors, problems
from tests.support.tokens import Tokens


class Thing(BaseModel):
    quantity: int


PROBLEM = "application/problem+json"


def assert_problem(response: object, status: int, slug: str | None = None) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str)
    assert isinstance(body["type"], str) and body["type"].startswith("https://")
    if slug:
        assert body["type"].endswith("/" + slug)
    return body


def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'medrecord_http_requests_total{method="GET",route="/healthz",status="200"}' in text


def test_every_response_carries_a_request_id_and_a_safe_incoming_one_is_kept(
    client: TestClient,
) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    kept = client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\twith tab"})
    assert len(generated) == 32
    assert kept == "abc-123"
    assert replaced.headers["x-request-id"] != "bad id\twith tab"


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not-found")


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    assert_problem(client.delete("/healthz"), 405, "method-not-allowed")


def test_missing_token_is_401_problem_with_www_authenticate(client: TestClient) -> None:
    response = client.get("/api/v1/citizens/0101701234/medication-card")
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_body_over_one_mebibyte_is_refused_with_413(client: TestClient) -> None:
    body = b'{"x": "' + b"a" * (1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/citizens/0101701234/medication-card",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413, "request-too-large")


def test_chunked_body_over_limit_is_refused_with_413(client: TestClient) -> None:
    def chunks() -> object:
        for _ in range(20):
            yield b"a" * 100_000

    response = client.post("/healthz", content=chunks())  # type: ignore[arg-type]
    assert_problem(response, 413, "request-too-large")


@pytest.mark.parametrize("text", ["bad\u0000value", "bell\u0007", "esc\u001b[31m"])
def test_control_characters_in_json_strings_are_refused_with_422(
    client: TestClient, text: str
) -> None:
    response = client.post(
        "/api/v1/citizens/0101701234/medication-card/review",
        json={"note": {"nested": [text]}},
    )
    body = assert_problem(response, 422, "control-characters")
    assert body["errors"] == [
        {
            "field": "body.note.nested.0",
            "message": "control characters are not allowed",
            "type": "control_characters",
        }
    ]


def test_nul_byte_in_the_url_is_refused_with_422(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/drugs?search=a%00b"), 422, "control-characters")


def test_malformed_json_is_a_422_problem_naming_the_error(app: FastAPI, client: TestClient) -> None:
    @app.post("/test-only/things")
    def create_thing(thing: Thing) -> dict[str, int]:
        return {"quantity": thing.quantity}

    bad_json = client.post(
        "/test-only/things", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    wrong_type = client.post("/test-only/things", json={"quantity": "many"})

    assert_problem(bad_json, 422, "validation-error")
    body = assert_problem(wrong_type, 422, "validation-error")
    assert body["errors"][0]["field"] == "body.quantity"  # type: ignore[index]


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (errors.NotFound("gone"), 404, "not-found"),
        (errors.AccessDenied("no"), 403, "forbidden"),
        (problems.PrescriptionClaimed("taken"), 409, "prescription-claimed"),
        (errors.PreconditionFailed("stale"), 412, "version-mismatch"),
        (errors.PreconditionRequired("If-Match needed"), 428, "precondition-required"),
        (problems.InvalidCpr("bad"), 422, "invalid-cpr"),
    ],
)
def test_domain_errors_map_to_problems(
    app: FastAPI, client: TestClient, error: errors.DomainError, status: int, slug: str
) -> None:
    @app.get("/test-only/fail")
    def fail() -> None:
        raise error

    body = assert_problem(client.get("/test-only/fail"), status, slug)
    assert body["detail"] == error.detail


def test_unexpected_error_is_a_bare_500_without_internals(app: FastAPI, client: TestClient) -> None:
    @app.get("/test-only/crash")
    def crash() -> None:
        raise RuntimeError("SELECT secret FROM citizen -- Traceback")

    response = client.get("/test-only/crash")
    body = assert_problem(response, 500, "internal-error")
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]


def test_docs_are_served_without_a_cdn(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/docs-static/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-static/swagger-ui.css").status_code == 200


def test_openapi_has_title_description_tags_and_problem_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"].startswith("medrecord")
    assert "medication" in spec["info"]["description"]
    assert {t["name"] for t in spec["tags"]} >= {"medication card", "operations"}
    assert "Problem" in spec["components"]["schemas"]
    card = spec["paths"]["/api/v1/citizens/{cpr}/medication-card"]["get"]
    assert {"401", "403", "404"} <= set(card["responses"])
    assert card["responses"]["403"]["content"]["application/problem+json"]


def test_ui_placeholder_is_served(client: TestClient) -> None:
    response = client.get("/ui")
    assert response.status_code == 200
    assert "medrecord" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/drugs?offset=9223372036854775808",
        "/api/v1/drugs?offset=1000001",
        "/api/v1/admin/emergency-accesses?offset=9223372036854775808",
    ],
)
def test_an_offset_beyond_any_page_is_a_422_not_a_database_error(
    client: TestClient, tokens: Tokens, path: str
) -> None:
    admin = tokens.headers(role="admin", org="REGION-H")

    response = client.get(path, headers=admin)

    assert_problem(response, 422, "validation-error")


def test_405_names_every_method_the_path_supports(client: TestClient) -> None:
    # GET and PUT of one medication are two routes; Allow must name both (RFC 9110 §15.5.6).
    response = client.delete(
        "/api/v1/citizens/0703541234/medications/6f1f7e0c-2c8b-4d0e-9a8b-1b2c3d4e5f60"
    )

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "PUT"} <= allowed
    assert "DELETE" not in allowed
