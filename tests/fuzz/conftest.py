"""What the fuzz tests share: the OpenAPI document they generate from, an app whose rate limits
stay out of the way, and the roles that may call each operation."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from medrecord.access.actor import Role
from medrecord.access.permissions import ROLE_PERMISSIONS, Permission
from medrecord.config import Settings
from medrecord.main import create_app
from tests.support.world import World


def openapi_document() -> dict[str, Any]:
    """The document as /openapi.json serves it (built at collection: one test per operation)."""
    with tempfile.TemporaryDirectory(prefix="medrecord-fuzz-") as data_dir:
        return create_app(Settings(data_dir=Path(data_dir))).openapi()


_soak = False


def pytest_configure(config: pytest.Config) -> None:
    # Read before the fuzz modules are imported: the example count is fixed at decoration.
    global _soak
    _soak = bool(config.getoption("--soak"))


def soaking() -> bool:
    return _soak


def fuzz_examples() -> int:
    """Examples per operation (issue 11: ≥ 50 in CI, ≥ 1,000 under --soak)."""
    return 1000 if _soak else 50


def roles_for(operation: dict[str, Any]) -> list[Role]:
    """Every role holding the operation's permission (x-permission), and one that does not, so
    the denial path is fuzzed too. Public operations are called as nobody."""
    permission = operation.get("x-permission")
    if permission is None:
        return []
    if permission == "authenticated":
        return list(Role)
    holders = [role for role in Role if Permission(permission) in ROLE_PERMISSIONS[role]]
    outsider = next(role for role in Role if role not in holders)
    return [*holders, outsider]


def world_path_parameters(world: World) -> dict[str, str]:
    """Path parameters naming the world's real objects: the generated ones almost never exist,
    so without these the fuzz would only ever reach 404."""
    return {
        "cpr": world.cpr,
        "medication_id": str(world.medication.id),
        "prescription_id": str(world.prescription.id),
        "order_id": str(world.order.id),
        "dispensing_id": str(world.dispensing.id),
        "audit_event_id": str(world.emergency_event.id),
        "drug_id": str(world.drug.id),
    }


class CurrentApp:
    """The ASGI app schemathesis calls, standing for the running test's app: the schema is
    loaded once at collection (one test per operation), each test's app lives in the test's
    rolled-back transaction. schemathesis' own probes (a request without credentials, an
    unsupported method) reach the same app through it."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "no fuzz test is running"
        await self.app(scope, receive, send)


CURRENT_APP = CurrentApp()
# tests/fuzz/checks.py registers the exact version of this check for a service with rules.
REPLACED_CHECKS = [positive_data_acceptance]


def load_schema() -> Any:
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = CURRENT_APP
    # An If-Match that names no version cannot hold: 412, as RFC 9110 §13.1.1 evaluates it,
    # is this service's refusal of it (not a 400).
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "412"]
    # A write without the If-Match it requires: 428 Precondition Required (RFC 6585 §3).
    missing = schema.config.checks.missing_required_header
    missing.expected_statuses = [*missing.expected_statuses, "428"]
    return schema


@pytest.fixture
def fuzz_app(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> Iterator[FastAPI]:
    """The test app with rate limits far above what one fuzz run sends: schemathesis sends
    many unknown CPRs and bad tokens from one address, and a 429 there proves nothing (the
    limits have their own tests)."""
    unlimited = settings.model_copy(
        update={
            "failed_authentication_limit": "1000000/minute",
            "unknown_cpr_limit": "1000000/minute",
        }
    )
    app = create_app(unlimited, engine=engine)
    app.state.sessionmaker = session_factory
    CURRENT_APP.app = app
    yield app
    CURRENT_APP.app = None


@pytest.fixture
def fuzz_client(fuzz_app: FastAPI) -> Iterator[Any]:
    """One in-process client for a whole test (a client per request would run the app's
    lifespan each time)."""
    with schemathesis.python.asgi.get_client(CURRENT_APP) as client:
        yield client
