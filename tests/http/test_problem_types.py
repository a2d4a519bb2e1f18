"""The problem-type catalogue and each route's declared problem types hold to the code.

The reach of a route (its endpoint, its dependencies and every medrecord function they call,
transitively) is computed from the source by ``tests.support.raises``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import fastapi.routing
import pytest
from fastapi.routing import APIRoute

from medrecord import errors
from medrecord.config import Settings
from medrecord.main import create_app
from tests.support.raises import (
    base_error_constructions,
    catalogue,
    dependency_calls,
    qualified_name,
    reachable_problems,
    referenced_anywhere,
)


def _api_routes() -> list[tuple[str, APIRoute]]:
    with tempfile.TemporaryDirectory(prefix="medrecord-problems-") as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)))
    return [
        (f"{sorted(c.methods or ['?'])[0]} {c.path}", c.route)
        for c in fastapi.routing.iter_route_contexts(app.routes)
        if isinstance(c.route, APIRoute) and c.path.startswith("/api/v1")
    ]


ROUTES = _api_routes()


def _declared(route: APIRoute) -> set[str]:
    return set((route.openapi_extra or {}).get("x-problem-types", []))


def _reach(route: APIRoute) -> set[str]:
    roots = [qualified_name(route.endpoint)]
    roots += [qualified_name(call) for call in dependency_calls(route.dependant)]
    return {cls.code for cls in reachable_problems([r for r in roots if r])}


def test_there_are_routes_to_check() -> None:
    assert len(ROUTES) >= 30


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[name for name, _ in ROUTES])
def test_route_declares_exactly_the_problem_types_its_code_can_raise(
    name: str, route: APIRoute
) -> None:
    declared, reach = _declared(route), _reach(route)

    assert reach - declared == set(), f"{name} can raise undeclared problem types"
    assert declared - reach == set(), f"{name} declares problem types its code never raises"


def test_every_catalogue_problem_is_raised_somewhere() -> None:
    never = {cls.__name__ for cls in set(catalogue().values()) - referenced_anywhere()}

    assert never == set()


def test_code_raises_catalogue_classes_never_bare_base_errors() -> None:
    assert base_error_constructions() == {}


def test_problem_slugs_are_unique_per_failure_and_documented() -> None:
    classes = list(catalogue().values())
    slugs = [cls.code for cls in classes]
    # The generic slugs of the base classes are reused only by their one catalogue class.
    assert len(slugs) == len(set(slugs)), sorted(s for s in slugs if slugs.count(s) > 1)
    assert all(cls.__doc__ and cls.__doc__.strip() for cls in classes)
    assert all(issubclass(cls, errors.DomainError) for cls in classes)


def test_the_reach_analysis_sees_a_problem_through_a_rule_and_a_dependency() -> None:
    """The analysis itself can fail: the dispensing route reaches TooEarly only through
    dispensing.rules, and InvalidToken only through the bearer-token dependency."""
    dispense = dict(ROUTES)[
        "POST /api/v1/citizens/{cpr}/prescriptions/{prescription_id}/dispensings"
    ]

    reach = _reach(dispense)

    assert {"too-early", "unauthenticated", "idempotency-key-required"} <= reach
    assert "not-dispensing-pharmacy" not in reach  # only undo can say that
