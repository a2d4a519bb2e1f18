"""FastAPI glue: per-request sessions and actors, RFC 9457 problem responses, OpenAPI helpers."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Annotated, Any, cast

import structlog
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from medrecord import errors, idempotency, problems, request_context
from medrecord.access.actor import Actor
from medrecord.access.permissions import Permission
from medrecord.access.policy import DeclaredPurpose
from medrecord.access.tokens import TokenVerifier
from medrecord.models import Purpose
from medrecord.ratelimit import service as ratelimit

PROBLEM_BASE = "https://medrecord.example/problems/"
PROBLEM_JSON = "application/problem+json"
WWW_AUTHENTICATE = 'Bearer realm="medrecord"'

log = structlog.get_logger("medrecord.http")

STATUS_BY_ERROR: list[tuple[type[errors.DomainError], int]] = [
    (errors.Unauthenticated, 401),
    (errors.NotFound, 404),
    (errors.AccessDenied, 403),
    (errors.Conflict, 409),
    (errors.PreconditionFailed, 412),
    (errors.PreconditionRequired, 428),
    (errors.RuleViolation, 422),
    (errors.BadRequest, 400),
    (errors.TooManyRequests, 429),
]

_SLUG_BY_STATUS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "version-mismatch",
    413: "request-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
}


def problem(
    status: int,
    *,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    slug = code or _SLUG_BY_STATUS.get(status, "error")
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
    }
    request_id = request_context.request_id.get()
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def status_of(error: errors.DomainError | type[errors.DomainError]) -> int:
    """The HTTP status of a domain error (or of its class), by its base class."""
    cls = error if isinstance(error, type) else type(error)
    for base, status in STATUS_BY_ERROR:
        if issubclass(cls, base):
            return status
    return 400


async def domain_error_problem(_: Request, exc: Exception) -> JSONResponse:
    exc = cast(errors.DomainError, exc)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE + ', error="invalid_token"'
    if isinstance(exc, errors.TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    return problem(
        status, code=exc.code, title=exc.title, detail=exc.detail, headers=headers, **exc.extra
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(StarletteHTTPException, exc)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names the methods of the first route it matched; a path served by
        # several routes (GET and PUT of one medication) supports all of theirs (RFC 9110).
        allowed = _documented_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    return problem(exc.status_code, detail=detail, headers=headers)


def _documented_methods(request: Request) -> list[str]:
    """The methods the OpenAPI document lists for the request's path (HEAD with GET)."""
    paths: dict[str, Any] = request.app.openapi().get("paths", {})
    for template, item in paths.items():
        if compile_path(template)[0].match(request.scope["path"]):
            methods = {method.upper() for method in item}
            if "GET" in methods:
                methods.add("HEAD")
            return sorted(methods)
    return []


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    exc = cast(RequestValidationError, exc)
    field_errors = [
        {
            "field": ".".join(str(part) for part in e.get("loc", ())),
            "message": e.get("msg", "invalid"),
            "type": e.get("type", "invalid"),
        }
        for e in exc.errors()
    ]
    return problem(
        422,
        title="Invalid request",
        detail="The request has invalid fields; see errors.",
        errors=field_errors,
    )


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log with the request id; the client learns nothing internal.
    log.exception("unhandled_error", exc_info=exc)
    return problem(500, title="Internal error", detail="Something went wrong on our side.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, domain_error_problem)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problems that are not domain errors (e.g. 503)."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _problem_example(cls: type[errors.DomainError]) -> dict[str, Any]:
    return {
        "summary": cls.title,
        "value": {
            "type": PROBLEM_BASE + cls.code,
            "title": cls.title,
            "status": status_of(cls),
            "detail": (cls.__doc__ or cls.title).strip().splitlines()[0],
        },
    }


AUTHENTICATED = "authenticated"

RETRY_AFTER_HEADER: dict[str, Any] = {
    "Retry-After": {
        "description": "Seconds until the limit's window frees.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def documented(
    permission: Permission | str,
    *raises: type[errors.DomainError],
    own_only: bool = False,
    responses: dict[int | str, dict[str, Any]] | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Route keyword arguments that document what a route checks and what it can answer:
    ``x-permission`` (``x-own-only`` for /me routes, which serve only the citizen's own data),
    and every problem type it can raise, grouped by status with one example per type
    (``x-problem-types`` lists their slugs).

    Tests read them: the role-by-route matrix fails a route without a permission, and the
    problem-type test fails a route whose list differs from what its code can raise.

    Failed authentications are rate limited, so a route that can answer 401 can answer 429.

    ``parameters`` documents what the route's signature keeps out of the document (a header
    the use case checks itself, so that a missing one is an audited refusal).
    """
    if problems.InvalidToken in raises:
        raises = (*raises, problems.RateLimitExceeded)
    raises = tuple(dict.fromkeys(raises))
    by_status: dict[int | str, dict[str, Any]] = {}
    for cls in sorted(raises, key=lambda c: (status_of(c), c.code)):
        entry = by_status.setdefault(
            status_of(cls),
            {
                "description": HTTPStatus(status_of(cls)).phrase,
                "content": {
                    PROBLEM_JSON: {
                        "schema": {"$ref": "#/components/schemas/Problem"},
                        "examples": {},
                    }
                },
            },
        )
        entry["content"][PROBLEM_JSON]["examples"][cls.code] = _problem_example(cls)
        if issubclass(cls, errors.TooManyRequests):
            entry["headers"] = RETRY_AFTER_HEADER
    extra: dict[str, Any] = {
        "x-permission": str(permission),
        "x-problem-types": sorted({cls.code for cls in raises}),
    }
    if own_only:
        extra["x-own-only"] = True
    if parameters:
        extra["parameters"] = parameters
    return {
        "responses": {**(responses or {}), **by_status},
        "openapi_extra": extra,
    }


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "examples": [PROBLEM_BASE + "no-treatment-relation"],
        },
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}


# --- dependencies ------------------------------------------------------------------------


# The dependencies are coroutines, so FastAPI runs them on the event loop: a sync dependency
# costs a hand-off to the thread pool and back each (a sync generator two), and a request
# used to make five before its route ran. What does I/O goes to the pool explicitly.


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request. It never commits: use cases commit as their last step.
    Creating it opens nothing: its connection is checked out on first use, in the route."""
    session: Session = request.app.state.sessionmaker()
    ratelimit.configure(session, request.app.state.settings)
    try:
        yield session
    finally:
        if session.in_transaction():
            # Ending an open transaction is a round trip (a rollback): not on the event loop.
            await run_in_threadpool(session.close)
        else:
            session.close()


_bearer = HTTPBearer(auto_error=False, description="OIDC access token (JWT, RS256 or ES256).")


async def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[Session, Depends(get_session)],
) -> Actor:
    """The caller a valid bearer token names. A failed authentication is counted against the
    client address and audited before its 401 (429 once the address is over its limit); a
    valid token is served whatever its address has sent before."""
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        if credentials is None or not credentials.credentials.strip():
            raise problems.InvalidToken("A bearer token is required.")
        # A signature check is CPU only (about 0.1 ms for ES256): cheaper here than a hand-off.
        return verifier.verify(credentials.credentials.strip())
    except problems.InvalidToken as refused:
        client = request.client.host if request.client else None
        await run_in_threadpool(
            ratelimit.refuse_authentication, session, client=client, why=refused.detail
        )
        raise


async def get_declared_purpose(
    x_access_purpose: Annotated[
        Purpose | None,
        Header(
            description="`consent` (the citizen consented at the point of care) or `emergency` "
            "(break the glass; needs X-Access-Reason).",
            # The other purposes are the service's own (what an audit row records), never
            # declared by a caller; any other value is refused as invalid-access-purpose.
            json_schema_extra={"enum": [Purpose.consent.value, Purpose.emergency.value]},
        ),
    ] = None,
    x_access_reason: Annotated[
        str | None,
        Header(max_length=1000, description="Why emergency access is needed (≥ 20 characters)."),
    ] = None,
) -> DeclaredPurpose:
    if x_access_reason is not None:
        # Header bytes arrive decoded as Latin-1; the front door has checked they are UTF-8
        # text without controls, so a Danish reason is stored as typed, not as mojibake.
        with contextlib.suppress(UnicodeError):
            x_access_reason = x_access_reason.encode("latin-1").decode("utf-8")
    return DeclaredPurpose(purpose=x_access_purpose, reason=x_access_reason)


_STRONG_ETAG = re.compile(r'^\s*"(\d{1,9})"\s*$')
_IF_MATCH_DESCRIPTION = 'The version you read, as its strong ETag, e.g. `"3"`. Stale → 412.'
# What the document promises to accept (the parser also forgives spaces around it).
_IF_MATCH_SCHEMA: dict[str, Any] = {"pattern": '^"[0-9]{1,9}"$', "examples": ['"1"']}
# A write that always needs the version it read documents If-Match as required, though the
# route takes it as optional: the use case refuses a missing one itself (428, on the citizen's
# log), where FastAPI would answer an unaudited 422.
IF_MATCH_REQUIRED: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": _IF_MATCH_DESCRIPTION,
    "schema": {"type": "string", **_IF_MATCH_SCHEMA},
}


def _version_of(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    match = _STRONG_ETAG.match(if_match)
    if match is None:
        # A value that cannot be a version cannot match one.
        raise problems.InvalidEtag()
    return int(match.group(1))


async def get_if_match(
    if_match: Annotated[
        str | None,
        Header(description=_IF_MATCH_DESCRIPTION, json_schema_extra=_IF_MATCH_SCHEMA),
    ] = None,
) -> int | None:
    return _version_of(if_match)


async def get_required_if_match(
    if_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> int | None:
    # Documented by IF_MATCH_REQUIRED on the route.
    return _version_of(if_match)


def idempotency_key_parameter(*, required: bool, description: str) -> dict[str, Any]:
    """The Idempotency-Key header as the OpenAPI document shows it, with the syntax
    medrecord.idempotency checks. Routes take the header as optional and undocumented
    (IdempotencyKeyDep): the use case refuses a missing or malformed key itself (400, on the
    citizen's log), where FastAPI would answer an unaudited 422."""
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": required,
        "description": description,
        "schema": {
            "type": "string",
            "pattern": idempotency.KEY_PATTERN,
            "examples": ["5f0c3a9e-1d2b-4c1e-9a53-0b7d2e8f6a11"],
        },
    }


IdempotencyKeyDep = Annotated[str | None, Header(alias="Idempotency-Key", include_in_schema=False)]


CprPath = Annotated[
    str,
    Path(
        description="The citizen's CPR number, DDMMYY-NNNN or 10 digits.",
        examples=["070354-1234"],
        max_length=11,
        # The syntax normalise_cpr accepts (SPEC §2); the date in it is checked there.
        json_schema_extra={"pattern": "^[0-9]{6}[- ]?[0-9]{4}$"},
    ),
]
# What every route that names a citizen can answer: the token, the purpose headers, and the
# guard's opening (CPR number, citizen, role, own data, consent, treatment relation).
CITIZEN_PROBLEMS: tuple[type[errors.DomainError], ...] = (
    problems.InvalidToken,
    problems.RateLimitExceeded,
    problems.InvalidAccessPurpose,
    problems.EmergencyReasonRequired,
    problems.InvalidCpr,
    problems.CitizenNotFound,
    problems.RoleNotAllowed,
    problems.NotOwnData,
    problems.ConsentRequired,
    problems.NoTreatmentRelation,
)
# What a write with If-Match can answer.
IF_MATCH_PROBLEMS: tuple[type[errors.DomainError], ...] = (
    problems.InvalidEtag,
    problems.IfMatchRequired,
    problems.VersionMismatch,
)

# Offsets stay far inside a bigint: a client's number never reaches PostgreSQL out of range.
MAX_OFFSET = 1_000_000
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
SessionDep = Annotated[Session, Depends(get_session)]
IfMatchDep = Annotated[int | None, Depends(get_if_match)]
RequiredIfMatchDep = Annotated[int | None, Depends(get_required_if_match)]
ActorDep = Annotated[Actor, Depends(get_actor)]
DeclaredPurposeDep = Annotated[DeclaredPurpose, Depends(get_declared_purpose)]


def model_response(model: BaseModel, *, version: int | None = None) -> Response:
    """``model`` as the answer, serialised once. A route returning the model itself has
    FastAPI dump it to a dict, validate that against the response model and serialise the
    result: three passes over a document the use case has already validated (issue 12
    measured it on the card read). The route keeps ``response_model`` for the document."""
    # by_alias as FastAPI would (no read model has aliases today).
    response = Response(model.model_dump_json(by_alias=True), media_type="application/json")
    if version is not None:
        set_etag(response, version)
    return response


def set_etag(response: Response, version: int) -> None:
    """The object's version as its strong ETag; citizen data is never cached."""
    response.headers["ETag"] = f'"{version}"'
    response.headers["Cache-Control"] = "no-store"
