"""Settings from the environment (prefix ``MEDRECORD_``), one cached instance per process."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import platformdirs
from limits import parse
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    dev = "dev"
    production = "production"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("medrecord"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDRECORD_", extra="ignore")

    environment: Environment = Field(
        default=Environment.dev,
        description="`dev` mints its own signing key and allows demo tokens and demo sign-in; "
        "`production` needs the identity provider's keys and a database URL.",
    )
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL the application connects with (e.g. "
        "`postgresql://user:pw@host/medrecord`). Unset: an embedded PostgreSQL in data_dir "
        "(dev, or production with allow_embedded_database).",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="The embedded PostgreSQL's data and the dev signing key. Default: the "
        "per-user data directory.",
    )
    allow_embedded_database: bool = Field(
        default=False,
        description="Production only: start the embedded PostgreSQL when "
        "MEDRECORD_DATABASE_URL is unset (a trial). Off: production refuses to start without "
        "a database URL. Dev always may.",
    )

    # Least privilege (docs/reliability.md): the app connects as a role that may read and write
    # rows (only append to audit_event); the owner of the tables migrates and grants it that.
    migration_database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL of the tables' owner, for migrations. Unset: "
        "MEDRECORD_DATABASE_URL migrates and nothing is granted.",
    )
    database_app_role: str = Field(
        default="medrecord_app",
        min_length=1,
        max_length=63,
        description="The role that receives the app's rights after each migration: "
        "MEDRECORD_DATABASE_URL's login (or a role it inherits from).",
    )

    jwt_issuer: str = Field(
        default="https://login.medrecord.example", description="The `iss` every token must carry."
    )
    jwt_audience: str = Field(
        default="medrecord-api", description="The `aud` every token must carry."
    )
    jwt_public_key_pem: str | None = Field(
        default=None, description="PEM public key that verifies tokens (production)."
    )
    jwks_url: str | None = Field(
        default=None,
        description="JWKS URL of the identity provider (production: this or jwt_public_key_pem).",
    )
    jwt_leeway_seconds: int = Field(
        default=30, description="Clock skew allowed when checking a token's `exp` and `nbf`."
    )

    ui_idle_timeout_seconds: int = Field(
        default=15 * 60, ge=1, description="A web UI session unused this long is signed out."
    )
    ui_absolute_timeout_seconds: int = Field(
        default=12 * 60 * 60, ge=1, description="A web UI session ends this long after sign-in."
    )
    oidc_metadata_url: str | None = Field(
        default=None,
        description="OpenID Connect discovery URL of the identity provider (web UI login).",
    )
    oidc_client_id: str | None = Field(
        default=None, description="This service's client id at the identity provider (web UI)."
    )
    oidc_client_secret: str | None = Field(
        default=None, description="Its client secret (web UI login)."
    )
    oidc_redirect_url: str | None = Field(
        default=None, description="This service's /ui/login/callback URL as registered."
    )

    max_body_bytes: int = Field(
        default=1024 * 1024, description="A larger request body is refused with 413."
    )
    max_json_depth: int = Field(
        default=32,
        ge=2,
        description="Deepest nesting of arrays and objects a JSON body may have; deeper: 422.",
    )
    # Connections per worker, all kept: overflow connections are closed when returned, so
    # under steady load above the pool size each request paid a new connection (issue 12's
    # profile). Per worker: db_pool_size + db_read_pool_size; 4 workers x (16 + 8) stay under
    # PostgreSQL's default max_connections of 100.
    db_pool_size: int = Field(
        default=16,
        ge=1,
        description="Database connections per worker for requests, all kept open (README, Sizing).",
    )
    db_max_overflow: int = Field(
        default=0,
        ge=0,
        description="Extra connections per worker beyond db_pool_size at peaks, closed when "
        "returned.",
    )
    db_read_pool_size: int = Field(
        default=8,
        ge=1,
        description="Connections per worker for the card read's async pool (one statement each).",
    )
    log_level: str = Field(
        default="INFO", description="DEBUG, INFO, WARNING or ERROR; logs are JSON lines."
    )

    # Timeouts: nothing waits longer than a pharmacist would (see docs/reliability.md).
    db_statement_timeout_ms: int = Field(
        default=10_000, ge=0, description="A statement running longer is cancelled: 503 (0: never)."
    )
    db_lock_timeout_ms: int = Field(
        default=5_000, ge=0, description="A lock wait longer than this is given up: 503 (0: never)."
    )
    db_idle_in_transaction_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        description="A session idle inside an open transaction longer than this is ended.",
    )
    db_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Longest wait for a free database connection; then 503."
    )
    db_connect_timeout_seconds: int = Field(
        default=5, ge=1, description="Longest wait to open a database connection; then 503."
    )
    retry_after_seconds: int = Field(
        default=5, ge=1, description="The Retry-After of a 503 (a 429 says when its window frees)."
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A client must send its request headers within this; else 408 (or closed).",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A client must send its whole request body within this; else 408.",
    )

    # Rate limits (limits' notation, e.g. "20/minute"); state is shared by all workers.
    failed_authentication_limit: str = Field(
        default="30/minute", description="Failed authentications per client address."
    )
    unknown_cpr_limit: str = Field(
        default="30/minute",
        description="Look-ups of CPR numbers that are not registered, per caller.",
    )

    @field_validator("failed_authentication_limit", "unknown_cpr_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        # Refuse to start with a limit the limiter cannot read, not on the first refusal.
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '30/minute': {value!r}") from exc
        return value

    @property
    def is_dev(self) -> bool:
        return self.environment is Environment.dev

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_metadata_url and self.oidc_client_id and self.oidc_redirect_url)

    @property
    def dev_key_path(self) -> Path:
        return self.data_dir / "dev-signing-key.pem"


@lru_cache
def get_settings() -> Settings:
    return Settings()
