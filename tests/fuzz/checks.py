"""schemathesis' acceptance check, made exact for a service with business rules.

The built-in ``positive_data_acceptance`` expects a request the document calls valid to get
2xx, 401, 403, 404 or 409. A medication record also refuses valid-looking requests for reasons
no schema can state (a CPR number whose digits are not a date, a drug that is not in the
catalogue, a pause that ends before it starts): those are 422 with a domain problem type, or a
``validation-error`` whose every error is one our validators raise (``value_error``,
``dosage_contradiction``): a rule written in Python (an end before a start, a unit that does
not fit the drug's form), which JSON Schema cannot state. What
the document can state, it must: a schema-valid request refused as malformed (400, a
``validation-error``, control characters, JSON too deep, a malformed If-Match) means the
document lies to its clients, and fails here.
"""

from __future__ import annotations

from typing import Any, get_args

import schemathesis
from pydantic_core.core_schema import ErrorType

from medrecord import errors, problems
from medrecord.http import PROBLEM_BASE

# 422s that only the data behind the request can decide: the domain rules.
BUSINESS_RULES = frozenset(
    cls.code
    for cls in vars(problems).values()
    if isinstance(cls, type) and issubclass(cls, errors.RuleViolation)
) - {
    # Stated by the document (X-Access-Purpose lists the two purposes a caller may declare).
    problems.InvalidAccessPurpose.code,
}
# The other answers a valid request may get: who is asking, what exists, what state it is in.
ACCEPTED_STATUSES = frozenset({401, 403, 404, 409, 429})


def _problem(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# pydantic's own error types: each names a constraint the document states (a bound, a
# pattern, a type), except value_error, which our validators raise.
PYDANTIC_CONSTRAINTS = frozenset(get_args(ErrorType)) - {"value_error"}


def _only_python_rules(problem: dict[str, Any]) -> bool:
    """Only our validators' refusals (``value_error``, ``dosage_contradiction``): rules
    written in Python, which JSON Schema cannot state."""
    errors_ = problem.get("errors") or []
    return bool(errors_) and all(e.get("type") not in PYDANTIC_CONSTRAINTS for e in errors_)


@schemathesis.check
def documented_requests_are_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if 200 <= status < 300 or status in ACCEPTED_STATUSES or status >= 500:
        # 5xx is not_a_server_error's to report.
        return None
    problem = _problem(response)
    kind = str(problem.get("type", "")).removeprefix(PROBLEM_BASE)
    if status == 422 and kind in BUSINESS_RULES:
        return None
    if status == 422 and kind == "validation-error" and _only_python_rules(problem):
        return None
    if status == 412 and kind == problems.VersionMismatch.code:
        return None
    raise AssertionError(
        f"{status} {kind}: {case.operation.label} — the OpenAPI document calls this request "
        "valid; either the document misses a constraint or the service enforces one it "
        "should not."
    )
