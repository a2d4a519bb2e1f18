"""How ``medrecord serve`` runs uvicorn: the HTTP protocol and its timeouts."""

from __future__ import annotations

from typing import Any

from medrecord.config import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` beyond host, port and workers."""
    return {}
