"""Sequences of calls that follow the document's OpenAPI links, as the role each operation
needs: create a medication → prescribe it → claim the prescription → dispense → undo (and the
reads between). Every check runs on every response; the run fails unless the chain was walked
to the end, so a broken link or a refusal on the way cannot pass as "no failures found"."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from sqlalchemy import Connection

from medrecord import clock
from medrecord.access.actor import Role
from tests.fuzz import checks  # noqa: F401  (registers the check)
from tests.fuzz.conftest import (
    REPLACED_CHECKS,
    load_schema,
    soaking,
    world_path_parameters,
)
from tests.support.tokens import Tokens
from tests.support.world import World

CHAIN = [
    "GET /api/v1/drugs",
    "POST /api/v1/citizens/{cpr}/medications",
    "GET /api/v1/citizens/{cpr}/medications/{medication_id}",
    "POST /api/v1/citizens/{cpr}/prescriptions",
    "POST /api/v1/citizens/{cpr}/prescriptions/{prescription_id}/order",
    "POST /api/v1/citizens/{cpr}/prescriptions/{prescription_id}/dispensings",
    "GET /api/v1/citizens/{cpr}/dispensings/{dispensing_id}",
    "POST /api/v1/citizens/{cpr}/dispensings/{dispensing_id}/undo",
]
# Only the chain's operations: with all 34, scenarios spend their steps on roots that lead
# nowhere (the stateless run covers those).
schema = load_schema().include(name=CHAIN)

# Who calls each permission in the run: the world's GP doctor writes and prescribes, its
# pharmacist claims and dispenses (the stateless run covers every role on every operation).
CALLER_BY_PERMISSION = {
    "medication:write": Role.doctor,
    "medication:mark-private": Role.doctor,
    "card:review": Role.doctor,
    "card:read": Role.doctor,
    "prescription:write": Role.doctor,
    "treatment-relation:declare": Role.doctor,
    "treatment-relation:read": Role.doctor,
    "prescription:read-dispensable": Role.pharmacist,
    "dispensing:write": Role.pharmacist,
    "access-log:read": Role.citizen,
    "admin:manage": Role.admin,
    "authenticated": Role.doctor,
}
CREATE = "POST /api/v1/citizens/{cpr}/medications"
PRESCRIBE = "POST /api/v1/citizens/{cpr}/prescriptions"
CLAIM = "POST /api/v1/citizens/{cpr}/prescriptions/{prescription_id}/order"
DISPENSE = "POST /api/v1/citizens/{cpr}/prescriptions/{prescription_id}/dispensings"
UNDO = "POST /api/v1/citizens/{cpr}/dispensings/{dispensing_id}/undo"


def scenarios() -> int:
    return 1000 if soaking() else 100


def test_the_dispensing_chain_follows_the_documents_links(
    fuzz_client: Any, world: World, tokens: Tokens, connection: Connection
) -> None:
    succeeded: Counter[str] = Counter()
    linked: Counter[str] = Counter()

    class Chain(schema.as_state_machine()):  # type: ignore[misc]
        # Every scenario starts from the same world: hypothesis replays the beginnings of
        # scenarios it has seen and requires them to behave the same.
        def setup(self) -> None:
            self.scenario = connection.begin_nested()

        def teardown(self) -> None:
            self.scenario.rollback()

        def step(self, input: Any) -> Any:
            # Whether this step follows a link whose values were applied (not a fresh root).
            self.via_link = input.transition is not None and input.is_applied
            if input.transition is None:
                on_world_objects(input.case, world)
            return super().step(input)

        def before_call(self, case: Any) -> None:
            on_world(case, world)
            role = CALLER_BY_PERMISSION.get(case.operation.definition.raw.get("x-permission"))
            if role is not None and not case.operation.schema.is_security_param_negated(case):
                case.headers = {**(case.headers or {}), **world.headers(tokens, role)}

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"session": fuzz_client}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            if 200 <= response.status_code < 300:
                succeeded[case.operation.label] += 1
                if self.via_link:
                    linked[case.operation.label] += 1

        def validate_response(
            self,
            response: Any,
            case: Any,
            additional_checks: Any = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=REPLACED_CHECKS,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Chain.run(
        settings=settings(
            max_examples=scenarios(),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=not soaking(),
            database=None,
        )
    )

    print(f"stateful run: {dict(succeeded)}; through links: {dict(linked)}")
    # Creating and prescribing are reached only through links (from the catalogue, from the
    # created medication): schemathesis starts no scenario there.
    for label in (CREATE, PRESCRIBE):
        assert succeeded[label] > 0, f"never reached: {label} ({dict(succeeded)})"
    for label in (CLAIM, DISPENSE, UNDO):
        assert linked[label] > 0, f"never reached through a link: {label} ({dict(linked)})"


def on_world_objects(case: Any, world: World) -> None:
    """A scenario that starts at a claim, a dispensing or an undo starts at the world's open
    prescription or its dispensing (a random id only meets 404, which the stateless run
    covers), so that its later steps have something to follow."""
    if not case.path_parameters:
        return
    real = world_path_parameters(world)
    case.path_parameters = {
        name: real[name] if name in ("prescription_id", "dispensing_id") else value
        for name, value in case.path_parameters.items()
    }


def on_world(case: Any, world: World) -> None:
    """Point the generated case at the world's citizen and catalogue, so that a link followed
    can succeed: random drugs and packages are refused at the first step (the stateless run
    fuzzes those), and a chain that never gets past it proves nothing about the later steps."""
    if case.path_parameters and "cpr" in case.path_parameters:
        case.path_parameters = {**case.path_parameters, "cpr": world.cpr}
    real = world_path_parameters(world)
    if case.path_parameters and "drug_id" in case.path_parameters:
        case.path_parameters = {**case.path_parameters, "drug_id": real["drug_id"]}
    if case.headers:
        # Declared purposes are the stateless run's to fuzz; here the callers have relations.
        case.headers = {
            name: value
            for name, value in case.headers.items()
            if name.lower() not in ("x-access-purpose", "x-access-reason", "if-match")
        }
    body = case.body
    if not isinstance(body, dict):
        return
    label = case.operation.label
    today = clock.today()
    if label == CREATE and "drug_id" in body:
        body["drug_id"] = world.drug.id
        body.pop("end_date", None)
        if not body.get("indication_code") and not body.get("indication_text"):
            body["indication_text"] = "Pain"
        if not body.get("start_date") and not body.get("started_previously"):
            body["start_date"] = today.isoformat()
    elif label == PRESCRIBE:
        body["package_number"] = world.package.package_number
        body["valid_from"] = today.isoformat()
        body["valid_to"] = (today + timedelta(days=365)).isoformat()
    elif label == DISPENSE:
        if isinstance(body.get("package_number"), str):
            body["package_number"] = world.package.package_number
        lines = body.get("lines")
        for line in lines if isinstance(lines, list) else []:
            if isinstance(line, dict):
                line["package_number"] = world.package.package_number
