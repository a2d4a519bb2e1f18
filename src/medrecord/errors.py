"""Domain errors: a problem ``code`` (the RFC 9457 type slug) and a title, no HTTP status.

``medrecord.http`` maps the classes to status codes at the edge.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code: str = "domain-error"
    title: str = "Domain error"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class AccessDenied(DomainError):
    code = "forbidden"
    title = "Access denied"


class NoTreatmentRelation(AccessDenied):
    code = "no-treatment-relation"
    title = "No treatment relation"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication required"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class RuleViolation(DomainError):
    code = "rule-violation"
    title = "Rule violation"


class PreconditionFailed(DomainError):
    """The client's version (If-Match) is stale."""

    code = "version-mismatch"
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    """A write that needs If-Match came without it."""

    code = "precondition-required"
    title = "Precondition required"


class BadRequest(DomainError):
    """A request that lacks something the protocol needs (e.g. an Idempotency-Key)."""

    code = "bad-request"
    title = "Bad request"
