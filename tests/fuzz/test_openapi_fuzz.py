"""Whatever a client sends, generated from our own OpenAPI document, as every role: never a
server error, never an answer the document does not describe. Every schemathesis check is on
(status codes, content types, headers and bodies conform; schema-invalid data is refused and
valid data accepted; auth is not ignored; unsupported methods are refused)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

from medrecord.access.actor import Role
from tests.fuzz import checks  # noqa: F401  (registers the check)
from tests.fuzz.conftest import (
    REPLACED_CHECKS,
    fuzz_examples,
    load_schema,
    roles_for,
    soaking,
    world_path_parameters,
)
from tests.support.tokens import Tokens
from tests.support.world import World

schema = load_schema()
PATH = ParameterLocation.PATH


@schema.parametrize()
@settings(
    max_examples=fuzz_examples(),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not soaking(),
)
def test_generated_requests_conform_to_the_document_as_every_role(
    case: Any, fuzz_client: Any, world: World, tokens: Tokens
) -> None:
    roles = roles_for(case.operation.definition.raw)
    if case.operation.schema.is_security_param_negated(case):
        # Credentials missing or malformed on purpose: sent as generated, they must get a 401.
        case.call_and_validate(session=fuzz_client, excluded_checks=REPLACED_CHECKS)
        return
    # As generated: ids that almost never exist (the 404 and 422 paths).
    send_as(case, roles[0] if roles else None, fuzz_client, world, tokens)
    # The same request on the world's real objects, as each role that may and one that may not
    # (unless the path is what was made invalid: then it stays as generated).
    if case.path_parameters and not (case.meta and case.meta.is_negative_at(PATH)):
        real = world_path_parameters(world)
        case.path_parameters = {
            name: real.get(name, value) for name, value in case.path_parameters.items()
        }
    for role in roles or [None]:
        send_as(case, role, fuzz_client, world, tokens)


def send_as(case: Any, role: Role | None, client: Any, world: World, tokens: Tokens) -> None:
    if role is not None:
        case.headers = {**(case.headers or {}), **world.headers(tokens, role)}
    case.call_and_validate(session=client, excluded_checks=REPLACED_CHECKS)
