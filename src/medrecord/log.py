"""Structured JSON logs. Tokens never reach a log; CPR numbers are masked on the way out."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from medrecord.citizen.rules import mask_cprs_in

_SECRET_KEYS = {"authorization", "token", "access_token", "password", "cookie"}
# Anything shaped like a JWT, wherever it turns up (an exception message, a header dump).
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")


def _scrub(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if key.lower() in _SECRET_KEYS:
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = _JWT.sub("[token]", mask_cprs_in(value))
    return event


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time (redirections and captures apply)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            _scrub,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
