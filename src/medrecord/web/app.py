"""The web UI as a sub-application: its own routes, static files and error pages."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medrecord import db
from medrecord.errors import DomainError
from medrecord.http import status_of
from medrecord.web import counter, login, oidc, sessions
from medrecord.web.deps import CsrfRejected, LoginRequired, NoCitizen
from medrecord.web.rendering import HERE, page, see_other

PREFIX = "/ui"
log = structlog.get_logger("medrecord.web")


class ErrorPageMiddleware:
    """Inside the UI: anything unexpected is logged once, with the request id, and answered
    with an HTML error page (the sub-application's own outer handler would answer plain text
    and re-raise through the front door)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except Exception:
            log.exception("unhandled_error")
            if started:
                raise
            response = page(Request(scope), "error.html", None, status_code=500,
                            error="Something went wrong on our side.")  # fmt: skip
            await response(scope, receive, send)


class SubApplication(Mount):
    """A mount that also answers its bare prefix: ``/ui`` is served as ``/ui/``."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        root_path = scope.get("root_path", "")
        if scope["type"] == "http" and scope["path"][len(root_path) :] == self.path:
            return Match.FULL, {
                "path_params": {},
                "app_root_path": scope.get("app_root_path", root_path),
                "root_path": root_path + self.path,
                "path": scope["path"] + "/",
                "endpoint": self.app,
            }
        return super().matches(scope)


def create_web_app(state: State) -> FastAPI:
    """The UI, sharing the API application's state (settings, sessionmaker, token verifier)."""
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    web.state = state
    web.include_router(login.router)
    web.include_router(oidc.router)
    web.include_router(counter.router)
    web.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _install_error_pages(web)
    web.add_middleware(ErrorPageMiddleware)
    return web


def _install_error_pages(web: FastAPI) -> None:
    """UI failures answer with pages and redirects, never JSON."""

    async def login_required(request: Request, _: Exception) -> Response:
        expired = sessions.COOKIE in request.cookies
        return see_other("/ui/login?msg=expired" if expired else "/ui/login")

    async def csrf_rejected(request: Request, _: Exception) -> Response:
        return page(request, "error.html", None, status_code=403,
                    error="This form has expired or did not come from this site. "
                    "Go back, reload the page and try again.")  # fmt: skip

    async def no_citizen(request: Request, _: Exception) -> Response:
        return see_other("/ui")

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)  # noqa: S101 - registered for DomainError only
        return page(request, "error.html", None, status_code=status_of(exc), error=exc.detail)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        text = {404: "There is no such page.", 405: "That is not something this page does."}
        return page(
            request,
            "error.html",
            None,
            status_code=exc.status_code,
            error=text.get(exc.status_code, "The request could not be handled."),
        )

    async def invalid_form(request: Request, _: Exception) -> Response:
        return page(request, "error.html", None, status_code=422,
                    error="The form has invalid fields. Go back and check them.")  # fmt: skip

    async def database_fault(request: Request, exc: Exception) -> Response:
        if db.database_fault(exc) is None:
            raise exc  # not the database's fault: the error page's 500
        response = page(request, "error.html", None, status_code=503,
                        error="The medication record is busy or cannot be reached just now. "
                        "Wait a few seconds and try again.")  # fmt: skip
        response.headers["Retry-After"] = str(request.app.state.settings.retry_after_seconds)
        return response

    handlers: dict[Any, Any] = {
        **dict.fromkeys(db.DATABASE_FAULT_CLASSES, database_fault),
        RequestValidationError: invalid_form,
        LoginRequired: login_required,
        CsrfRejected: csrf_rejected,
        NoCitizen: no_citizen,
        DomainError: domain_error,
        StarletteHTTPException: http_error,
    }
    for exc_class, handler in handlers.items():
        web.add_exception_handler(exc_class, handler)
