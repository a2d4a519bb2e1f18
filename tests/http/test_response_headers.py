"""What every answer says about itself: citizen data is never cached, every HTML page (the docs
included) forbids framing and foreign scripts, production insists on HTTPS; and a client that
trickles its body is cut off."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from medrecord.access.actor import Role
from medrecord.access.permissions import Permission, Scope, scope_of
from medrecord.config import Environment, Settings
from medrecord.http import AUTHENTICATED
from medrecord.main import create_app
from tests.access.test_role_matrix import ROUTES, SCENARIOS
from tests.support.asgi import call_asgi, status_and_body
from tests.support.tokens import Tokens
from tests.support.world import World

GET_ROUTES = [(path, op) for method, path, op in ROUTES if method == "GET"]


def _allowed_role(op: dict[str, Any]) -> Role:
    if op["x-permission"] == AUTHENTICATED:
        return Role.doctor
    for role in (Role.doctor, Role.pharmacist, Role.admin, Role.citizen, Role.nurse):
        scope = scope_of(role, Permission(op["x-permission"]))
        if scope is not None and (not op.get("x-own-only") or scope is Scope.own):
            return role
    raise AssertionError(f"no role may call {op}")


@pytest.mark.parametrize(("path", "op"), GET_ROUTES, ids=[p for p, _ in GET_ROUTES])
def test_every_api_read_says_no_store(
    client: TestClient, db: Session, tokens: Tokens, world: World, path: str, op: dict[str, Any]
) -> None:
    role = _allowed_role(op)
    call = SCENARIOS[("GET", path)](world, role, db)
    headers = {**world.headers(tokens, role), **call.headers}
    permission = op["x-permission"]
    if permission != AUTHENTICATED and scope_of(role, Permission(permission)) is Scope.consent:
        headers["X-Access-Purpose"] = "consent"

    response = client.get(call.url, headers=headers)

    assert response.is_success, (path, response.status_code, response.text[:300])
    assert response.headers["cache-control"] == "no-store", path


def test_refusals_are_not_cached_either(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/citizens/{world.cpr}/medication-card")

    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/docs", "/ui/login", "/ui/no-such-page"])
def test_every_html_page_forbids_framing_and_foreign_content(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.headers["content-type"].startswith("text/html"), path
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "script-src" not in csp or "'unsafe-inline'" not in csp.split("script-src")[1]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # inline scripts would need 'unsafe-inline'


def test_static_assets_may_be_cached(client: TestClient) -> None:
    response = client.get("/docs-static/swagger-ui.css")

    assert response.status_code == 200
    assert response.headers.get("cache-control") != "no-store"


def _production_settings(data_dir: Path) -> Settings:
    public_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return Settings(
        environment=Environment.production,
        data_dir=data_dir,
        jwt_public_key_pem=public_pem.decode(),
    )


def test_production_answers_carry_hsts_and_dev_answers_do_not(
    tmp_path: Path, engine: Engine, client: TestClient
) -> None:
    production = create_app(_production_settings(tmp_path), engine=engine)
    with TestClient(production) as prod_client:
        for path in ("/healthz", "/docs", "/api/v1/drugs"):
            hsts = prod_client.get(path).headers["strict-transport-security"]
            assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 31536000

    assert "strict-transport-security" not in client.get("/healthz").headers


def test_a_body_trickled_slower_than_the_deadline_is_cut_off_with_408(
    app: FastAPI, world: World, tokens: Tokens
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"body_timeout_seconds": 0.5})

    async def trickle() -> dict[str, Any]:
        await asyncio.sleep(0.2)  # one byte now and then, never the end of the body
        return {"type": "http.request", "body": b" ", "more_body": True}

    auth = world.headers(tokens, Role.doctor)["Authorization"].encode()
    started = time.monotonic()
    status, headers, body = status_and_body(
        call_asgi(
            app,
            method="POST",
            path=f"/api/v1/citizens/{world.cpr}/medications",
            headers=[(b"authorization", auth), (b"content-type", b"application/json")],
            receive=trickle,
        )
    )
    elapsed = time.monotonic() - started

    assert status == 408
    assert (b"connection", b"close") in headers
    assert b"request-timeout" in body
    assert 0.5 <= elapsed < 2
