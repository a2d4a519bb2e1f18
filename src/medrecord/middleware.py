"""Pure ASGI middleware at the front door: request id, body size and deadline, JSON depth,
control characters, response security headers, metrics and one structured log line per
request."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medrecord import request_context
from medrecord.citizen.rules import mask_cprs_in
from medrecord.config import Settings, get_settings
from medrecord.http import problem

log = structlog.get_logger("medrecord.access")

REQUESTS = Counter("medrecord_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "medrecord_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
# HTML loads only our own assets; no framing (clickjacking), forms post only to us.
_CSP = b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
# Swagger UI sets inline styles and data: images; its scripts still come from us only.
_DOCS_CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
# Static assets may be cached; every other answer may carry citizen data and never is.
_CACHEABLE_PREFIXES = ("/docs-static/", "/ui/static/")

# C0 controls other than tab, LF and CR, DEL, and the C1 controls (U+0080-U+009F, e.g. CSI
# "clear screen"): never meaningful in clinical text, dangerous on an admin's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A header value is one line: only TAB of the controls.
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Headers whose text is stored (the emergency reason goes into the audit row).
_CHECKED_HEADERS = (b"x-access-reason",)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# A JSON string (skipped whole) or a bracket: nesting is counted without parsing, so a body
# nested 100,000 deep never reaches a recursive parser.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


def json_too_deep(body: bytes, limit: int) -> bool:
    """Whether ``body`` opens more than ``limit`` arrays/objects inside each other."""
    depth = 0
    for match in _JSON_TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _invalid(code: str, detail: str, field: str, message: str, kind: str) -> Refusal:
    return (
        422,
        code,
        "Invalid request",
        detail,
        {"errors": [{"field": field, "message": message, "type": kind}]},
    )


def _control_char_fields(value: Any, path: str = "body") -> list[str]:
    if isinstance(value, str):
        return [path] if _CONTROL.search(value) else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if isinstance(key, str) and _CONTROL.search(key):
                found.append(f"{path}.{key!r}")
            found += _control_char_fields(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        return [
            f for i, item in enumerate(value) for f in _control_char_fields(item, f"{path}.{i}")
        ]
    return []


Refusal = tuple[int, str, str, str, dict[str, Any]]


def _settings_of(scope: Scope) -> Settings:
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


def _route_label(scope: Scope, entry_root_path: str) -> str:
    """The matched route template, with the mount it lives under (``/ui/citizen``, not
    ``/citizen``), or "unmatched". Routing records both in the request's scope."""
    path = getattr(scope.get("route"), "path", None)
    if not path:
        return "unmatched"
    mount = scope.get("root_path", "")[len(entry_root_path) :]
    return f"{mount}{path}"


class FrontDoorMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_context.request_id.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        entry_root_path = scope.get("root_path", "")
        status_holder = {"status": 500, "started": 0}

        settings = _settings_of(scope)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = 1
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    *_response_headers(scope["path"], message.get("headers", []), settings),
                ]
            await send(message)

        try:
            refusal = await self._refusal(scope, headers, receive, settings)
            if isinstance(refusal, tuple):
                status, code, title, detail, extra = refusal
                await problem(status, code=code, title=title, detail=detail, **extra)(
                    scope, receive, send_with_id
                )
            else:
                try:
                    await self.app(scope, refusal, send_with_id)
                except Exception:
                    # Answer here, inside the request-id scope; the client learns nothing internal.
                    log.exception("unhandled_error")
                    if status_holder["started"]:
                        raise
                    await problem(
                        500, title="Internal error", detail="Something went wrong on our side."
                    )(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_label(scope, entry_root_path)
            REQUESTS.labels(scope["method"], route, status_holder["status"]).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                route=route,
                path=mask_cprs_in(scope["path"]),
                status=status_holder["status"],
                duration_ms=round(elapsed * 1000, 1),
            )
            structlog.contextvars.unbind_contextvars("request_id")
            request_context.request_id.reset(token)

    async def _refusal(
        self, scope: Scope, headers: dict[str, str], receive: Receive, settings: Settings
    ) -> Refusal | Receive:
        """Either a refusal (status, code, title, detail, extra) or a receive that replays the
        already-read body to the app."""
        raw_target = (
            unquote(scope["path"]) + "?" + unquote(scope.get("query_string", b"").decode("latin-1"))
        )
        if _CONTROL.search(raw_target):
            return _invalid(
                "control-characters",
                "The URL contains control characters.",
                "url",
                "control characters are not allowed",
                "control_characters",
            )
        for name, value in scope["headers"]:
            if name.lower() in _CHECKED_HEADERS and (refusal := _header_refusal(name, value)):
                return refusal
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return (
                413,
                "request-too-large",
                "Request too large",
                f"Request bodies are limited to {self.max_body_bytes} bytes.",
                {},
            )
        body = bytearray()
        try:
            # The deadline covers the whole body: a client trickling 1 byte/s is cut off.
            async with asyncio.timeout(settings.body_timeout_seconds):
                more = True
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        break
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
                    if len(body) > self.max_body_bytes:
                        return (
                            413,
                            "request-too-large",
                            "Request too large",
                            f"Request bodies are limited to {self.max_body_bytes} bytes.",
                            {},
                        )
        except TimeoutError:
            return (
                408,
                "request-timeout",
                "Request timeout",
                f"The request body did not arrive within {settings.body_timeout_seconds:g} s.",
                {"headers": {"Connection": "close"}},
            )
        content_type = headers.get("content-type", "")
        parsed: Any = None
        if body and "json" in content_type:
            if json_too_deep(bytes(body), settings.max_json_depth):
                return (
                    422,
                    "json-too-deep",
                    "Invalid request",
                    f"JSON may nest arrays and objects at most {settings.max_json_depth} deep.",
                    {
                        "errors": [
                            {
                                "field": "body",
                                "message": "nested too deep",
                                "type": "json_too_deep",
                            }
                        ]
                    },
                )
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = None  # FastAPI reports malformed JSON as a validation error
        elif body and "application/x-www-form-urlencoded" in content_type:
            parsed = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        if parsed is not None:
            fields = _control_char_fields(parsed)
            if fields:
                return (
                    422,
                    "control-characters",
                    "Invalid request",
                    "Text may not contain NUL or other control characters.",
                    {
                        "errors": [
                            {
                                "field": f,
                                "message": "control characters are not allowed",
                                "type": "control_characters",
                            }
                            for f in fields
                        ]
                    },
                )
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return replay


def _header_refusal(name: bytes, value: bytes) -> Refusal | None:
    field = "header." + name.decode("latin-1").lower()
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return _invalid(
            "control-characters",
            f"{name.decode('latin-1')} must be UTF-8 text.",
            field,
            "not UTF-8 text",
            "control_characters",
        )
    if _HEADER_CONTROL.search(text):
        return _invalid(
            "control-characters",
            f"{name.decode('latin-1')} may not contain control characters.",
            field,
            "control characters are not allowed",
            "control_characters",
        )
    return None


def _response_headers(
    path: str, headers: list[tuple[bytes, bytes]], settings: Settings
) -> list[tuple[bytes, bytes]]:
    """Security headers for every answer: nosniff and referrer policy; CSP and no framing on
    every HTML page (docs included); no-store unless the answer is a static asset or already
    says how to cache; HSTS in production (TLS is terminated in front of us)."""
    names = {name.lower() for name, _ in headers}
    added = list(SECURITY_HEADERS)
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html"):
        csp = _DOCS_CSP if path == "/docs" else _CSP
        added += [(b"content-security-policy", csp), (b"x-frame-options", b"DENY")]
    if b"cache-control" not in names and not path.startswith(_CACHEABLE_PREFIXES):
        added.append((b"cache-control", b"no-store"))
    if not settings.is_dev:
        added.append(HSTS)
    return added
