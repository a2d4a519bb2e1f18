from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(prefix="/ui", include_in_schema=False)

_PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>medrecord — pharmacy</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">
<h1>medrecord — pharmacy</h1>
<p>The pharmacist's web UI is coming. Until then, use the API (<a href="/docs">API docs</a>).</p>
</body></html>"""


@router.get("", response_class=HTMLResponse)
def home() -> HTMLResponse:
    return HTMLResponse(_PLACEHOLDER)
