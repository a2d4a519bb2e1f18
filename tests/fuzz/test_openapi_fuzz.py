"""Whatever a client sends, generated from our own OpenAPI document: never a 500, always a
problem+json error."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.core import NotSet

from medrecord.access.actor import Role
from medrecord.config import Settings
from medrecord.main import create_app
from tests.support.tokens import Tokens
from tests.support.world import World

with tempfile.TemporaryDirectory(prefix="medrecord-fuzz-") as _data_dir:
    _spec = create_app(Settings(data_dir=Path(_data_dir))).openapi()
schema = schemathesis.openapi.from_dict(_spec)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_cause_a_server_error(
    case: Any, client: TestClient, world: World, tokens: Tokens
) -> None:
    for role in (Role.doctor, Role.pharmacist):
        kwargs: dict[str, Any] = {
            "params": case.query,
            "headers": {**(case.headers or {}), **world.headers(tokens, role)},
        }
        if isinstance(case.body, bytes | str):
            kwargs["content"] = case.body
            kwargs["headers"]["Content-Type"] = case.media_type or "application/octet-stream"
        elif not isinstance(case.body, NotSet):
            kwargs["json"] = case.body
        response = client.request(case.method, case.formatted_path, **kwargs)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
