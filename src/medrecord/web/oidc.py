"""OpenID Connect authorization-code login (with PKCE) for production, via authlib.

The identity provider's access token is the same JWT the API accepts, so it is verified by the
same TokenVerifier; the web session then holds that identity server-side.
"""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from typing import Any

import httpx2
import structlog
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from medrecord.access.tokens import TokenVerifier
from medrecord.config import Settings
from medrecord.errors import Unauthenticated
from medrecord.web.login import PHARMACY_ROLES, signed_in

OIDC_COOKIE = "medrecord_oidc"
log = structlog.get_logger("medrecord.oidc")

router = APIRouter()


@lru_cache(maxsize=4)
def provider_metadata(url: str) -> dict[str, Any]:
    response = httpx2.get(url, timeout=10)
    response.raise_for_status()
    metadata: dict[str, Any] = response.json()
    return metadata


def _client(settings: Settings) -> OAuth2Client:
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        redirect_uri=settings.oidc_redirect_url,
        scope="openid profile",
        code_challenge_method="S256",
    )


@router.get("/login/oidc")
def oidc_start(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.oidc_enabled:
        return RedirectResponse("/ui/login", status_code=303)
    metadata = provider_metadata(settings.oidc_metadata_url or "")
    verifier = generate_token(48)
    with _client(settings) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_COOKIE, json.dumps({"state": state, "verifier": verifier}), max_age=600,
        httponly=True, samesite="lax", secure=not settings.is_dev, path="/ui",
    )  # fmt: skip
    return response


@router.get("/login/callback")
def oidc_callback(request: Request, code: str = "", state: str = "") -> Response:
    settings: Settings = request.app.state.settings
    try:
        pending = json.loads(request.cookies.get(OIDC_COOKIE, "{}"))
    except ValueError:
        pending = {}
    if not (settings.oidc_enabled and code and pending.get("state")):
        return RedirectResponse("/ui/login", status_code=303)
    if not secrets.compare_digest(str(pending["state"]), state):
        return RedirectResponse("/ui/login", status_code=303)
    try:
        metadata = provider_metadata(settings.oidc_metadata_url or "")
        with _client(settings) as client:
            token = client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=pending.get("verifier")
            )
    except Exception:
        log.warning("oidc_token_exchange_failed", exc_info=True)
        return RedirectResponse("/ui/login", status_code=303)
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        actor = verifier.verify(str(token.get("access_token", "")))
    except Unauthenticated:
        return RedirectResponse("/ui/login", status_code=303)
    if actor.role not in PHARMACY_ROLES:
        return RedirectResponse("/ui/login", status_code=303)
    db = request.app.state.sessionmaker()
    try:
        response = signed_in(request, db, actor)
    finally:
        db.close()
    response.delete_cookie(OIDC_COOKIE, path="/ui")
    return response
