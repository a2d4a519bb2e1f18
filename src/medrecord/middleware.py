"""Pure ASGI middleware at the front door: request id, body limits, control characters,
metrics and one structured log line per request."""

from __future__ import annotations

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
# The UI loads only its own assets; no framing (clickjacking), forms post only to us.
UI_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
)

# C0 controls other than tab, LF and CR, and DEL: never meaningful in clinical text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


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

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = 1
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    *SECURITY_HEADERS,
                    *(UI_HEADERS if scope["path"].startswith("/ui") else ()),
                ]
            await send(message)

        try:
            refusal = await self._refusal(scope, headers, receive)
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
        self, scope: Scope, headers: dict[str, str], receive: Receive
    ) -> tuple[int, str, str, str, dict[str, Any]] | Receive:
        """Either a refusal (status, code, title, detail, extra) or a receive that replays the
        already-read body to the app."""
        raw_target = (
            unquote(scope["path"]) + "?" + unquote(scope.get("query_string", b"").decode("latin-1"))
        )
        if _CONTROL.search(raw_target):
            return (
                422,
                "control-characters",
                "Invalid request",
                "The URL contains control characters.",
                {
                    "errors": [
                        {
                            "field": "url",
                            "message": "control characters are not allowed",
                            "type": "control_characters",
                        }
                    ]
                },
            )
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
        content_type = headers.get("content-type", "")
        parsed: Any = None
        if body and "json" in content_type:
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
