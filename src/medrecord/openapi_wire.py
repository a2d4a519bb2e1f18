"""What the front door enforces on every request, written into the OpenAPI document, so a
client (or a generated one, or schemathesis) never sends a request the document calls valid
and gets a 422 for it.

FastAPI documents each model field; it cannot know the rules the front door applies to all of
them (middleware.py): no control characters in text, and no ``null`` where HTTP has no null;
nor the answers every route can give whatever its code: a body that cannot be read, too large
or too slow, and the database busy or unreachable (503 with Retry-After).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# The front door's rule (middleware._CONTROL) as a JSON Schema pattern: C0 controls other than
# TAB, LF and CR, DEL, and the C1 controls are refused in the URL and in JSON text.
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
# A header value is one line (middleware._HEADER_CONTROL): only TAB of the controls.
HEADER_PATTERN = "^[^\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f]*$"


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_BASE = "https://medrecord.example/problems/"
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def _example(slug: str, status: int, title: str, detail: str) -> dict[str, Any]:
    return {
        "summary": title,
        "value": {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail},
    }


# What the front door answers to a body it cannot take, before any route runs.
BODY_REFUSALS: dict[str, dict[str, Any]] = {
    "400": {
        "description": "The body cannot be parsed as the declared content type.",
        "examples": {
            "bad-request": _example(
                "bad-request", 400, "Bad Request", "There was an error parsing the body"
            )
        },
    },
    "408": {
        "description": "The body did not arrive within the body deadline.",
        "examples": {
            "request-timeout": _example(
                "request-timeout",
                408,
                "Request timeout",
                "The request body did not arrive within 30 s.",
            )
        },
    },
    "413": {
        "description": "The body is larger than the service takes.",
        "examples": {
            "request-too-large": _example(
                "request-too-large",
                413,
                "Request too large",
                "Request bodies are limited to 1048576 bytes.",
            )
        },
    },
}


def _database_faults(faults: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """What any route that reads the database may answer while it is busy or unreachable."""
    return {
        "description": "The database is busy or unreachable: nothing was done; retry after "
        "Retry-After seconds.",
        "headers": RETRY_AFTER,
        "examples": {
            slug: _example(slug, 503, title, detail) for slug, (title, detail) in faults.items()
        },
    }


def _add_response(operation: dict[str, Any], status: str, entry: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if status in responses:
        return
    response: dict[str, Any] = {
        "description": entry["description"],
        "content": {
            "application/problem+json": {"schema": PROBLEM_REF, "examples": entry["examples"]}
        },
    }
    if "headers" in entry:
        response["headers"] = entry["headers"]
    responses[status] = response


def describe_front_door(
    document: dict[str, Any], database_faults: Mapping[str, tuple[str, str]]
) -> None:
    """Add the front door's rules to the request side of ``document`` and the answers every
    route can give to its responses (in place). ``database_faults``: the 503 problems, by type
    slug (title, detail)."""
    faults = _database_faults(database_faults)
    components = document.get("components", {}).get("schemas", {})
    body_schemas: set[str] = set()
    for operation in _operations(document):
        if "x-permission" in operation:
            _add_response(operation, "503", faults)
        if "requestBody" in operation:
            for status, entry in BODY_REFUSALS.items():
                _add_response(operation, status, entry)
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema")
            if schema is None:
                continue
            # Parameters travel as text: a generated ``null`` would arrive as the word "null".
            _drop_null(schema)
            pattern = HEADER_PATTERN if parameter.get("in") == "header" else TEXT_PATTERN
            _restrict_text(schema, pattern)
        for media in operation.get("requestBody", {}).get("content", {}).values():
            schema = media.get("schema", {})
            _restrict_text(schema, TEXT_PATTERN)
            body_schemas |= _refs(schema, components)
    for name in body_schemas:
        _restrict_text(components[name], TEXT_PATTERN)


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch"}:
                yield operation


def _drop_null(schema: dict[str, Any]) -> None:
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if options is not None:
            schema[key] = [option for option in options if option.get("type") != "null"]


def _restrict_text(schema: Any, pattern: str) -> None:
    """Every free-text string inside ``schema`` (not following $refs) gets ``pattern``."""
    if isinstance(schema, list):
        for item in schema:
            _restrict_text(item, pattern)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not any(
        key in schema for key in ("format", "enum", "const")
    ):
        own = schema.get("pattern")
        if own is None:
            schema["pattern"] = pattern
        elif not (own.startswith("^") and own.endswith("$")) and pattern not in str(schema):
            # A pattern that says only part of the text (e.g. "\\S": not blank) still leaves
            # the rest free: the front door's rule applies beside it.
            schema.setdefault("allOf", []).append({"pattern": pattern})
    for key, value in schema.items():
        if key in {"properties", "patternProperties", "$defs"}:
            for item in value.values():
                _restrict_text(item, pattern)
        elif key in {"items", "additionalProperties", "anyOf", "oneOf", "allOf", "not"}:
            _restrict_text(value, pattern)


def _refs(schema: Any, components: dict[str, Any], seen: set[str] | None = None) -> set[str]:
    """The component schemas ``schema`` reaches through $refs, transitively."""
    seen = set() if seen is None else seen
    if isinstance(schema, list):
        for item in schema:
            _refs(item, components, seen)
    elif isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen and name in components:
                seen.add(name)
                _refs(components[name], components, seen)
        for value in schema.values():
            _refs(value, components, seen)
    return seen
