"""The application factory: API under /api/v1, web UI under /ui, docs at /docs (no CDN)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine

from medrecord import __version__
from medrecord.access.tokens import TokenVerifier
from medrecord.access_log.api import router as access_log_router
from medrecord.card.api import me_router
from medrecord.card.api import router as card_router
from medrecord.citizen.api import router as citizen_router
from medrecord.config import Settings, get_settings
from medrecord.db import (
    DATABASE_FAULT_CLASSES,
    DatabaseFault,
    database_answers,
    database_fault,
    make_engine,
    make_sessionmaker,
)
from medrecord.dispensing.api import pharmacy_router
from medrecord.dispensing.api import router as dispensing_router
from medrecord.drug.api import router as drug_router
from medrecord.http import (
    PROBLEM_BASE,
    PROBLEM_JSON,
    PROBLEM_SCHEMA,
    install_problem_handlers,
    problem,
    problem_responses,
)
from medrecord.log import configure_logging
from medrecord.medication.api import router as medication_router
from medrecord.middleware import FrontDoorMiddleware
from medrecord.openapi_wire import describe_front_door
from medrecord.organisation.api import router as organisation_router
from medrecord.prescription.api import router as prescription_router
from medrecord.treatment_relation.api import router as relation_router
from medrecord.web.app import PREFIX as WEB_PREFIX
from medrecord.web.app import SubApplication, create_web_app

log = structlog.get_logger("medrecord.db")

DESCRIPTION = """
**medrecord** keeps one current medication list per citizen — the shared medication record
(modelled on Denmark's *Fælles Medicinkort*). GPs and hospital doctors prescribe, pharmacies
dispense, nurses read, citizens see their own list and who looked at it.

* Every route needs a bearer JWT (OIDC access token) with `sub`, `name`, `role`, `org`
  (professionals), `cpr` (citizens) and `loa`.
* Versions are strong ETags (`"3"`): writes send `If-Match`; stale → 412, missing → 428.
* Dispensings need an `Idempotency-Key`; a retry with the same key replays the first answer.
* Every error is RFC 9457 `application/problem+json`; every access to a citizen is audited.
"""

TAGS = [
    {"name": "medication card", "description": "The citizen's one medication list."},
    {
        "name": "medications",
        "description": "Treatments on the card: create, replace, pause, resume, withdraw, "
        "private marking and version history. Writes need If-Match.",
    },
    {
        "name": "prescriptions",
        "description": "Prescriptions made from medications, and pharmacies' orders (claims).",
    },
    {
        "name": "dispensings",
        "description": "Pharmacies hand out iterations of a prescription; Idempotency-Key "
        "required.",
    },
    {
        "name": "access",
        "description": "Treatment relations, the citizen's access log and emergency reviews.",
    },
    {"name": "catalogue", "description": "The drug catalogue."},
    {"name": "registry", "description": "Citizens and organisations (admins)."},
    {"name": "operations", "description": "Liveness, readiness and metrics."},
]


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if not hasattr(app.state, "sessionmaker"):
            owned = make_engine(_database_url(settings), settings)
            app.state.sessionmaker = make_sessionmaker(owned)
            app.state.engine = owned
        yield
        if owned is not None:
            owned.dispose()

    app = FastAPI(
        title="medrecord — shared medication record API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    if engine is not None:
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)

    install_problem_handlers(app)
    _install_database_fault_handlers(app, settings)
    app.add_middleware(FrontDoorMiddleware, max_body_bytes=settings.max_body_bytes)

    api = APIRouter(prefix="/api/v1")
    api.include_router(citizen_router)
    api.include_router(organisation_router)
    api.include_router(drug_router)
    api.include_router(card_router)
    api.include_router(medication_router)
    api.include_router(me_router)
    api.include_router(relation_router)
    api.include_router(access_log_router)
    api.include_router(prescription_router)
    api.include_router(dispensing_router)
    api.include_router(pharmacy_router)
    app.include_router(api)
    app.router.routes.append(SubApplication(WEB_PREFIX, app=create_web_app(app.state)))
    _add_operations(app)
    _add_docs(app)
    return app


def _database_url(settings: Settings) -> str:
    if settings.database_url is None:
        raise RuntimeError(
            "MEDRECORD_DATABASE_URL is not set; start through `medrecord serve`, which starts "
            "the embedded PostgreSQL."
        )
    from medrecord.embedded_postgres import sqlalchemy_url

    return sqlalchemy_url(settings.database_url)


_FAULT_PROBLEMS = {
    DatabaseFault.busy: (
        "Database busy",
        "The medication record is too busy to answer in time; this request changed nothing. "
        "Try again in a few seconds.",
    ),
    DatabaseFault.unavailable: (
        "Database unavailable",
        "The medication record's database cannot be reached just now. Try again in a few seconds.",
    ),
}


def _install_database_fault_handlers(app: FastAPI, settings: Settings) -> None:
    """The database busy or unreachable: 503 with Retry-After, in plain words (never SQL,
    never a stack). Anything else of those classes keeps its handling (the front door's 500)."""

    async def database_problem(_: Request, error: Exception) -> JSONResponse:
        fault = database_fault(error)
        if fault is None:
            raise error
        orig = getattr(error, "orig", error)
        # No message: SQLAlchemy's carries the statement and its parameters (CPR numbers).
        log.warning(
            "database_fault",
            fault=str(fault),
            error=type(error).__name__,
            cause=type(orig).__name__,
            sqlstate=getattr(orig, "sqlstate", None),
        )
        title, detail = _FAULT_PROBLEMS[fault]
        return problem(
            503,
            code=str(fault),
            title=title,
            detail=detail,
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )

    for cls in DATABASE_FAULT_CLASSES:
        app.add_exception_handler(cls, database_problem)


def _add_operations(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Never touches the database or a worker thread."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses=problem_responses(503))
    async def readyz() -> Any:
        """Readiness: the database answers, asked on a connection of its own within 1.5 s
        (an exhausted pool or busy worker threads do not make it wait)."""
        if await database_answers(app.state.engine):
            return JSONResponse({"status": "ready"})
        return problem(
            503,
            code="not-ready",
            detail="The database does not answer.",
            headers={"Retry-After": str(app.state.settings.retry_after_seconds)},
        )

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics."""
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/docs-static/swagger-ui.css">
<link rel="icon" href="/docs-static/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs-static/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
DOCS_INIT_JS = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def _add_docs(app: FastAPI) -> None:
    # Swagger UI assets come from a Python package: hospital networks have no CDN.
    static = files("fastapi_offline") / "static"
    app.mount("/docs-static", StaticFiles(directory=str(static)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # No inline script: the page's CSP allows scripts from this origin only.
        return HTMLResponse(DOCS_PAGE.replace("{title}", app.title + " — docs"))

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(DOCS_INIT_JS, media_type="text/javascript")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        # Validation errors are problem+json too (FastAPI documents its own JSON shape); keep
        # the domain problem types a route lists for 422 beside them.
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {})
                if "422" not in responses:
                    continue
                content = responses["422"].get("content", {}).get(PROBLEM_JSON, {})
                examples = {
                    "validation-error": {
                        "summary": "Invalid request",
                        "value": {
                            "type": PROBLEM_BASE + "validation-error",
                            "title": "Invalid request",
                            "status": 422,
                            "detail": "The request has invalid fields; see errors.",
                            "errors": [{"field": "body.reason", "message": "Field required"}],
                        },
                    },
                    **content.get("examples", {}),
                }
                responses["422"] = {
                    "description": "Invalid request: `errors` names each field.",
                    "content": {
                        PROBLEM_JSON: {
                            "schema": {"$ref": "#/components/schemas/Problem"},
                            "examples": examples,
                        }
                    },
                }
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        describe_front_door(schema, {str(fault): texts for fault, texts in _FAULT_PROBLEMS.items()})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
