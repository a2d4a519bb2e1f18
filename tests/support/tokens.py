"""Bearer tokens for test callers, signed by the test server's own key."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from medrecord.access.tokens import TokenSigner
from medrecord.models import Organisation

_counter = itertools.count(1)


@dataclass
class Tokens:
    """Mints tokens and Authorization headers; every call is a new caller (a fresh subject)
    unless ``sub`` is given."""

    signer: TokenSigner

    def token(
        self,
        *,
        role: str,
        org: str | None = None,
        cpr: str | None = None,
        sub: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> str:
        n = next(_counter)
        return self.signer.mint(
            sub=sub or f"user-{n}",
            name=name or f"Test {role} {n}",
            role=role,
            org=org,
            cpr=cpr,
            **kwargs,
        )

    def headers(
        self,
        *,
        role: str,
        org: Organisation | str | None = None,
        cpr: str | None = None,
        **kwargs: Any,
    ) -> dict[str, str]:
        org_id = org.id if isinstance(org, Organisation) else org
        return {"Authorization": "Bearer " + self.token(role=role, org=org_id, cpr=cpr, **kwargs)}
