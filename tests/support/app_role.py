"""The least-privileged login the tests' application connects as (tests/conftest.py makes one
per test session, as `medrecord serve` makes medrecord_app for the embedded PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from medrecord.embedded_postgres import with_login


@dataclass(frozen=True)
class AppRole:
    name: str
    password: str

    def url(self, owner_url: str) -> str:
        """``owner_url`` (libpq or SQLAlchemy) with this role's login instead of the owner's."""
        return with_login(owner_url, self.name, self.password)
