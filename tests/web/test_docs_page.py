"""The API docs work in a real browser under their strict CSP, with no CDN."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.ui_server import Server


def test_docs_render_every_operation_without_a_csp_violation(
    ui_server: Server, new_page: Callable[[], Any]
) -> None:
    page = new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    external: list[str] = []
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(ui_server.base) else None,
    )

    page.goto(ui_server.base + "/docs")
    page.wait_for_selector(".opblock", timeout=15_000)

    assert page.locator(".opblock").count() > 20
    assert problems == []
    assert [u for u in external if not u.startswith("data:")] == []
