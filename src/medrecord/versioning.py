"""Optimistic concurrency: a write names the version it read (If-Match); a stale one loses."""

from __future__ import annotations

from medrecord.problems import IfMatchRequired, VersionMismatch


def check_version(current: int, expected: int | None, what: str) -> None:
    """Raise unless ``expected`` (the client's If-Match) is the ``current`` version."""
    if expected is None:
        raise IfMatchRequired(f"Send If-Match with the {what}'s current version (ETag).")
    if expected != current:
        raise VersionMismatch(
            f"The {what} has changed since you read it (now version {current}); read it again.",
            current_version=current,
        )
