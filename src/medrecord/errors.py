"""Domain errors: the base classes of the problem catalogue (``medrecord.problems``).

A domain error carries a problem ``code`` (the RFC 9457 type slug) and a title, never an HTTP
status: ``medrecord.http.status_of`` maps the base classes to status codes at the edge. Code
raises the catalogue's concrete classes, one per failure, so every problem type is named once.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

_RESERVED = frozenset({"code", "type", "title", "status", "detail", "request_id"})


class DomainError(Exception):
    code: ClassVar[str] = "domain-error"
    title: ClassVar[str] = "Domain error"

    def __init_subclass__(cls) -> None:
        # A problem's title reads as its class name ("PrescriptionClaimed" → "Prescription
        # claimed") unless the class says otherwise.
        super().__init_subclass__()
        if "title" not in vars(cls):
            words = re.findall(r"[A-Z][a-z]*", cls.__name__)
            cls.title = " ".join([words[0], *(w.lower() for w in words[1:])])

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        if reserved := _RESERVED & extra.keys():
            # The slug belongs to the class (one class per failure), and the body's own
            # members cannot be overwritten by an extension member.
            raise TypeError(f"not extension members of a problem: {sorted(reserved)}")
        # The class docstring's first line is the default detail: a raise site may say more.
        detail = detail or (self.__doc__ or self.title).strip().splitlines()[0]
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class AccessDenied(DomainError):
    code = "forbidden"
    title = "Access denied"


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


class TooManyRequests(DomainError):
    """A limited kind of request came too often; ``retry_after`` says when the window frees."""

    code = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


def raise_if(problem: DomainError | None) -> None:
    """Raise the problem a rule found, if any (rules return problems; use cases raise them)."""
    if problem is not None:
        raise problem
