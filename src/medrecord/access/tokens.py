"""Bearer token verification (and, in dev mode, minting with a local key).

Only asymmetric algorithms are accepted, so ``alg=none`` and HMAC signed with the public key are
refused by construction; ``iss``, ``aud``, ``exp`` and ``nbf`` are always verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from medrecord import clock
from medrecord.access.actor import PROFESSIONAL_ROLES, Actor, Role
from medrecord.config import Settings
from medrecord.problems import InvalidToken

ALGORITHMS = ["RS256", "ES256"]
ACCEPTED_LOA = frozenset({"substantial", "high"})
_CPR = re.compile(r"[0-9]{10}", re.ASCII)


def key_id(public_key: PublicKeyTypes) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def load_or_create_dev_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The dev signing key, made on first start and kept in the data directory.

    Workers, the CLI and tests may start together: each writes a candidate to its own file and
    publishes it with ``os.link``, which fails if a key is already there, so exactly one key
    ever exists and everyone loads that one (never a half-written file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        candidate = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)  # atomic, and never replaces a key another made
        finally:
            candidate.unlink(missing_ok=True)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} does not hold an EC (ES256) private key")
    return loaded


@dataclass
class TokenSigner:
    """Mints tokens with the dev key (dev mode and tests only)."""

    private_key: ec.EllipticCurvePrivateKey
    issuer: str
    audience: str

    def mint(
        self,
        *,
        sub: str,
        name: str,
        role: str,
        org: str | None = None,
        cpr: str | None = None,
        ttl: timedelta = timedelta(hours=8),
        loa: str = "substantial",
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = clock.now()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "name": name,
            "role": role,
            "loa": loa,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        if org is not None:
            claims["org"] = org
        if cpr is not None:
            claims["cpr"] = cpr
        claims.update(extra or {})
        public = self.private_key.public_key()
        return jwt.encode(
            claims, self.private_key, algorithm="ES256", headers={"kid": key_id(public)}
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenSigner:
        return cls(
            private_key=load_or_create_dev_key(settings.dev_key_path),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_key: PublicKeyTypes | None = None,
        jwks_url: str | None = None,
        leeway_seconds: int = 30,
    ) -> None:
        if public_key is None and jwks_url is None:
            raise ValueError("a public key or a JWKS URL is needed to verify tokens")
        self.issuer = issuer
        self.audience = audience
        self.public_key = public_key
        self.kid = key_id(public_key) if public_key is not None else None
        self.jwks = jwt.PyJWKClient(jwks_url) if jwks_url else None
        self.leeway = leeway_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        public_key: PublicKeyTypes | None = None
        if settings.jwt_public_key_pem:
            public_key = serialization.load_pem_public_key(settings.jwt_public_key_pem.encode())
        elif settings.jwks_url is None:
            if not settings.is_dev:
                raise ValueError(
                    "production needs MEDRECORD_JWKS_URL or MEDRECORD_JWT_PUBLIC_KEY_PEM"
                )
            public_key = load_or_create_dev_key(settings.dev_key_path).public_key()
        return cls(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            public_key=public_key,
            jwks_url=settings.jwks_url,
            leeway_seconds=settings.jwt_leeway_seconds,
        )

    def _key_for(self, token: str) -> tuple[Any, list[str]]:
        """The key that must have signed ``token`` and the one algorithm that key allows."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("The token is invalid.") from exc
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("The token's signing algorithm is not accepted.")
        if self.jwks is not None:
            try:
                key = self.jwks.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientError as exc:
                raise InvalidToken("The token's signing key is unknown.") from exc
        else:
            kid = header.get("kid")
            if kid is not None and kid != self.kid:
                raise InvalidToken("The token's signing key is unknown.")
            key = self.public_key
        # A key fixes its algorithm: an RSA signature is never checked against an EC key.
        algorithm = "ES256" if isinstance(key, ec.EllipticCurvePublicKey) else "RS256"
        return key, [algorithm]

    def verify(self, token: str) -> Actor:
        key, algorithms = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_nbf": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("The token has expired.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken("The token is not valid yet.") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("The token is not meant for this service.") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("The token comes from an unknown issuer.") from exc
        except (jwt.InvalidTokenError, TypeError, ValueError) as exc:
            raise InvalidToken("The token is invalid.") from exc
        return actor_from_claims(claims)


# Claims end up in audit rows and on screens: bounded by their columns, never a control.
MAX_SUBJECT = 200
MAX_NAME = 200
MAX_ORGANISATION_ID = 32
_CLAIM_TEXT = re.compile(r"[^\x00-\x1f\x7f-\x9f]+")


def _text_claim(claims: dict[str, Any], name: str, max_length: int) -> str:
    """A claim that must be one line of printable text, or raise InvalidToken."""
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidToken(f"The token's '{name}' claim must be non-empty text.")
    if len(value) > max_length:
        raise InvalidToken(f"The token's '{name}' claim is longer than {max_length} characters.")
    if not _CLAIM_TEXT.fullmatch(value):
        raise InvalidToken(f"The token's '{name}' claim contains control characters.")
    return value


def _optional_text_claim(claims: dict[str, Any], name: str, max_length: int) -> str | None:
    return None if claims.get(name) is None else _text_claim(claims, name, max_length)


def actor_from_claims(claims: dict[str, Any]) -> Actor:
    """The caller named by verified claims; every claim checked for type and length first, so
    an odd but validly signed token is a 401, never a 500 or a lost audit row."""
    role_claim = claims.get("role")
    try:
        role = Role(role_claim) if isinstance(role_claim, str) else None
    except ValueError:
        role = None
    if role is None:
        raise InvalidToken("The token names no known role.")
    subject = _text_claim(claims, "sub", MAX_SUBJECT)
    name = _text_claim(claims, "name", MAX_NAME)
    professional = role in PROFESSIONAL_ROLES
    org = (
        _text_claim(claims, "org", MAX_ORGANISATION_ID)
        if professional
        else _optional_text_claim(claims, "org", MAX_ORGANISATION_ID)
    )
    on_behalf_of = _optional_text_claim(claims, "on_behalf_of", MAX_NAME)
    loa = claims.get("loa")
    if loa is not None and not isinstance(loa, str):
        raise InvalidToken("The token's 'loa' claim must be text.")
    if professional and loa not in ACCEPTED_LOA:
        raise InvalidToken("The token's level of assurance is too low.")
    cpr = claims.get("cpr")
    if role is Role.citizen and not (isinstance(cpr, str) and _CPR.fullmatch(cpr)):
        raise InvalidToken("A citizen's token must carry a CPR number.")
    return Actor(
        subject=subject,
        name=name,
        role=role,
        organisation_id=org,
        cpr=cpr if role is Role.citizen else None,
        on_behalf_of=on_behalf_of,
    )
