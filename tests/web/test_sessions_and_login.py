"""The web UI's sessions and login, in-process (no browser needed)."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from medrecord import clock
from medrecord.access.tokens import TokenSigner
from medrecord.config import Settings
from medrecord.main import create_app
from medrecord.models import AuditEvent, Organisation, WebSession
from tests.support.factories import make_citizen, make_organisation


def dev_login(client: TestClient, username: str = "pharm.madsen") -> httpx.Response:
    page = client.get("/ui/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/ui/login/dev", data={"username": username, "login_csrf": token.group(1)}
    )
    assert response.status_code == 303 and response.headers["location"] == "/ui"
    return response  # type: ignore[return-value]


@pytest.fixture
def pharmacy_org(db: Session) -> Organisation:
    org = db.get(Organisation, "380301000016006")
    if org is None:
        org = Organisation(id="380301000016006", name="Nørrebro Apotek", kind="pharmacy")
        db.add(org)
        db.flush()
    return org


@pytest.fixture
def ui(app: FastAPI, pharmacy_org: Organisation) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def test_session_cookie_is_httponly_and_lax_and_the_row_holds_no_token(
    ui: TestClient, db: Session
) -> None:
    set_cookie = dev_login(ui).headers["set-cookie"]
    token = ui.cookies.get("medrecord_session") or ""

    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    assert "Secure" not in set_cookie  # dev over plain http; production sets Secure
    rows = db.scalars(select(WebSession)).all()
    assert token and all(token not in (r.token_hash, r.csrf_token) for r in rows)


def test_idle_timeout_and_absolute_lifetime_are_enforced_by_the_server(
    ui: TestClient, settings: Settings
) -> None:
    dev_login(ui)
    assert ui.get("/ui").status_code == 200

    clock.freeze(clock.now() + timedelta(seconds=settings.ui_idle_timeout_seconds + 1))
    idle = ui.get("/ui")
    assert idle.status_code == 303 and "expired" in idle.headers["location"]

    clock.freeze(None)
    dev_login(ui)
    start = clock.now()
    for minutes in range(10, 12 * 60, 10):  # active all day, never idle
        clock.freeze(start + timedelta(minutes=minutes))
        assert ui.get("/ui").status_code == 200, minutes
    clock.freeze(start + timedelta(hours=12, seconds=1))
    assert ui.get("/ui").status_code == 303


def test_logout_kills_the_session_server_side(ui: TestClient, db: Session) -> None:
    dev_login(ui)
    page = ui.get("/ui").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    stolen = ui.cookies.get("medrecord_session")

    ui.post("/ui/logout", data={"csrf_token": csrf.group(1)})

    ui.cookies.set("medrecord_session", stolen or "", path="/ui")
    assert ui.get("/ui").status_code == 303


def test_only_pharmacy_staff_can_use_the_dev_login(ui: TestClient) -> None:
    page = ui.get("/ui/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token is not None
    assert "Karen Jensen" not in page.text  # doctors are not offered
    response = ui.post(
        "/ui/login/dev", data={"username": "dr.jensen", "login_csrf": token.group(1)}
    )
    assert response.headers["location"] == "/ui/login"


def test_ui_pages_carry_a_strict_content_security_policy(ui: TestClient) -> None:
    response = ui.get("/ui/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "cdn" not in response.text.lower()


# --- OpenID Connect against a local identity provider ---------------------------------------


class FakeIdentityProvider:
    """Just enough of an OIDC provider: discovery, authorize (auto-consent), token with PKCE."""

    def __init__(self, signer: TokenSigner, base: str) -> None:
        self.signer, self.base = signer, base
        self.codes: dict[str, str] = {}
        self.app = FastAPI()
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.base,
                "authorization_endpoint": self.base + "/authorize",
                "token_endpoint": self.base + "/token",
            }

        @app.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            assert q["code_challenge_method"] == "S256"
            code = "code-123"
            self.codes[code] = q["code_challenge"]
            return RedirectResponse(
                q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
            )

        @app.post("/token")
        def token(code: str = Form(), code_verifier: str = Form()) -> dict[str, Any]:
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            assert self.codes.pop(code) == challenge
            access = self.signer.mint(
                sub="oidc-pharm", name="Olga OIDC", role="pharmacist", org="380301000016006"
            )
            return {"access_token": access, "token_type": "Bearer", "expires_in": 300}


@pytest.fixture
def identity_provider(signer: TokenSigner) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    idp = FakeIdentityProvider(signer, base)
    server = uvicorn.Server(
        uvicorn.Config(idp.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield base
    server.should_exit = True
    thread.join(timeout=5)


def test_openid_connect_login_with_pkce_signs_the_pharmacist_in(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    identity_provider: str,
    pharmacy_org: Organisation,
) -> None:
    oidc = settings.model_copy(
        update={
            "oidc_metadata_url": identity_provider + "/.well-known/openid-configuration",
            "oidc_client_id": "medrecord-ui",
            "oidc_client_secret": "s3cret",
            "oidc_redirect_url": "http://testserver/ui/login/callback",
        }
    )
    app = create_app(oidc, engine=engine)
    app.state.sessionmaker = session_factory
    with TestClient(app, follow_redirects=False) as client:
        start = client.get("/ui/login/oidc")
        assert start.status_code == 303
        to_idp = start.headers["location"]
        assert to_idp.startswith(identity_provider + "/authorize")
        back = httpx.get(to_idp, follow_redirects=False).headers["location"]
        params = parse_qs(urlparse(back).query)

        forged = client.get(
            "/ui/login/callback", params={"code": params["code"][0], "state": "not-the-state"}
        )
        done = client.get("/ui/login/callback", params={k: v[0] for k, v in params.items()})
        home = client.get("/ui")

    assert forged.headers["location"] == "/ui/login"
    assert done.status_code == 303 and done.headers["location"] == "/ui"
    assert home.status_code == 200 and "Olga OIDC" in home.text


def test_production_cookies_are_secure_and_there_is_no_dev_login(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    db: Session,
    signer: TokenSigner,
    pharmacy_org: Organisation,
) -> None:
    from cryptography.hazmat.primitives import serialization

    pem = (
        signer.private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    production = settings.model_copy(
        update={"environment": "production", "jwt_public_key_pem": pem}
    )
    app = create_app(production, engine=engine)
    app.state.sessionmaker = session_factory  # a session row, if any, lands in this test's tx
    # Over https: production's cookies are Secure, and a client sends those back only over https.
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/ui/login")
        # A valid login CSRF (cookie and form value the same), so the request gets past the
        # CSRF check to the one under test: pharm.madsen is a demo pharmacist whose pharmacy
        # exists, and only the environment may keep her out.
        login_csrf = client.cookies.get("medrecord_login_csrf")
        assert login_csrf
        dev = client.post(
            "/ui/login/dev", data={"username": "pharm.madsen", "login_csrf": login_csrf}
        )
        session_cookie = client.cookies.get("medrecord_session")

    assert "Secure" in page.headers["set-cookie"]
    assert "Sign in as" not in page.text
    assert "/ui/login/dev" not in page.text and "Camilla Madsen" not in page.text
    assert dev.status_code == 303 and dev.headers["location"] == "/ui/login"
    assert "medrecord_session" not in dev.headers.get("set-cookie", "")
    assert session_cookie is None
    assert db.scalars(select(WebSession)).all() == []


def test_housekeeping_forgets_expired_keys_and_idle_sessions_only(
    ui: TestClient, db: Session, settings: Settings
) -> None:
    from medrecord.dispensing.repository import purge_expired_idempotency_records
    from medrecord.models import IdempotencyRecord
    from medrecord.web.sessions import purge_expired

    citizen = make_citizen(db, gp=make_organisation(db))
    now = clock.now()
    for key, expires in (("old", now - timedelta(hours=1)), ("fresh", now + timedelta(hours=1))):
        db.add(
            IdempotencyRecord(
                citizen_id=citizen.id,
                caller_subject="p",
                key=key,
                request_hash="h",
                response_status=201,
                response_body={},
                response_headers={},
                expires_at=expires,
            )
        )
    db.flush()
    dev_login(ui)
    clock.freeze(now + timedelta(seconds=settings.ui_idle_timeout_seconds + 5))
    dev_login(ui)  # a second, fresh session

    keys = purge_expired_idempotency_records(db, now=clock.now())
    sessions = purge_expired(db, settings)

    assert (keys, sessions) == (1, 1)
    assert [r.key for r in db.scalars(select(IdempotencyRecord))] == ["fresh"]
    assert ui.get("/ui").status_code == 200


def test_unknown_cpr_numbers_typed_at_the_counter_are_audited_and_limited(
    app: FastAPI, ui: TestClient, db: Session
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"unknown_cpr_limit": "3/minute"})
    dev_login(ui)
    page = ui.get("/ui")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    unknown = ["010190-1111", "010190-2222", "010190-3333", "010190-4444"]

    answers = [ui.post("/ui/find", data={"cpr": c, "csrf_token": csrf.group(1)}) for c in unknown]

    assert [a.status_code for a in answers] == [422, 422, 422, 429]
    assert "No citizen has this CPR number" in answers[0].text
    assert "Too many CPR numbers" in answers[3].text
    rows = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "citizen.find")
        .order_by(AuditEvent.occurred_at)
    ).all()
    assert [(r.outcome, r.citizen_id) for r in rows] == [("failed", None)] * 3 + [("denied", None)]
    assert all("0101" in (r.reason or "") and "1111" not in (r.reason or "") for r in rows)
