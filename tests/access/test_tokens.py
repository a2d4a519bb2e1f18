"""Token verification at the front door: only well-signed, current tokens for us get in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from medrecord import clock
from medrecord.access.tokens import TokenSigner, key_id

URL = "/api/v1/citizens/010101-0001/medication-card"  # unknown citizen: 404 once authenticated


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: object) -> dict[str, object]:
    now = int(clock.now().timestamp())
    base: dict[str, object] = {
        "iss": "https://login.medrecord.example",
        "aud": "medrecord-api",
        "sub": "u1",
        "name": "Dr. Test",
        "role": "doctor",
        "org": "380101000016001",
        "loa": "substantial",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(signer: TokenSigner, payload: dict[str, object], kid: str | None = None) -> str:
    kid = kid or key_id(signer.private_key.public_key())
    return jwt.encode(payload, signer.private_key, algorithm="ES256", headers={"kid": kid})  # type: ignore[arg-type]


def alg_none(_: TokenSigner) -> str:
    head = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{head}.{b64(json.dumps(claims()).encode())}."


def hs256_with_public_key(signer: TokenSigner) -> str:
    public_pem = signer.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims()).encode())
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def other_key_same_kid(signer: TokenSigner) -> str:
    other = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(
        claims(), other, algorithm="ES256", headers={"kid": key_id(signer.private_key.public_key())}
    )


def rsa_key_same_kid(signer: TokenSigner) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(
        claims(), other, algorithm="RS256", headers={"kid": key_id(signer.private_key.public_key())}
    )


def tampered_payload(signer: TokenSigner) -> str:
    head, _, sig = sign(signer, claims(role="nurse")).split(".")
    return f"{head}.{b64(json.dumps(claims(role='doctor')).encode())}.{sig}"


FORGED: dict[str, Callable[[TokenSigner], str]] = {
    "expired": lambda s: sign(s, claims(exp=int(clock.now().timestamp()) - 120)),
    "not yet valid (nbf)": lambda s: sign(s, claims(nbf=int(clock.now().timestamp()) + 3600)),
    "wrong audience": lambda s: sign(s, claims(aud="another-service")),
    "wrong issuer": lambda s: sign(s, claims(iss="https://evil.example")),
    "alg none": alg_none,
    "HS256 signed with the public key": hs256_with_public_key,
    "signed by another key": other_key_same_kid,
    "RS256 by another key": rsa_key_same_kid,
    "tampered payload": tampered_payload,
    "unknown kid": lambda s: sign(s, claims(), kid="not-our-key"),
    "professional without org": lambda s: sign(s, claims(org=None)),
    "loa below substantial": lambda s: sign(s, claims(loa="low")),
    "no loa": lambda s: sign(s, claims(loa=None)),
    "citizen without cpr": lambda s: sign(s, claims(role="citizen", org=None)),
    "unknown role": lambda s: sign(s, claims(role="superuser")),
    "no subject": lambda s: sign(s, claims(sub=None)),
    "no expiry": lambda s: sign(s, claims(exp=None)),
    "garbage": lambda s: "not-a-token",
}


@pytest.mark.parametrize("variant", list(FORGED))
def test_forged_or_invalid_token_is_refused_with_401(
    client: TestClient, signer: TokenSigner, variant: str
) -> None:
    token = FORGED[variant](signer)

    response = client.get(URL, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401, variant
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith('Bearer realm="medrecord"')


def test_valid_token_gets_past_the_front_door(client: TestClient, signer: TokenSigner) -> None:
    response = client.get(URL, headers={"Authorization": f"Bearer {sign(signer, claims())}"})
    assert response.status_code == 404


def test_minted_dev_token_is_accepted(client: TestClient, signer: TokenSigner) -> None:
    token = signer.mint(sub="u", name="N", role="doctor", org="380101000016001")
    assert client.get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_basic_auth_is_not_a_bearer_token(client: TestClient) -> None:
    response = client.get(URL, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_token_expired_in_the_clock_sense(client: TestClient, signer: TokenSigner) -> None:
    token = signer.mint(sub="u", name="N", role="doctor", org="o", ttl=timedelta(seconds=-60))
    assert client.get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 401
