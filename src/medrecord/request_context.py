"""Per-request values that domain code may read without seeing the HTTP request."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
