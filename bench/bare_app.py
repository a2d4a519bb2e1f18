"""The bare FastAPI limit: one async route returning a small JSON, served by uvicorn with the
options ``medrecord serve`` uses (``medrecord.serving.uvicorn_options``): the same HTTP protocol
class, keep-alive, access log off and log level. Whatever the app's ``/healthz`` costs beyond
this is the middleware stack's."""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

from medrecord.config import Settings
from medrecord.serving import uvicorn_options

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    options = uvicorn_options(Settings())
    common = {"host": "127.0.0.1", "port": args.port, "access_log": False, "log_level": "warning"}
    if args.workers == 1:
        uvicorn.run(app, **common, **options)
    else:
        uvicorn.run("bench.bare_app:app", workers=args.workers, **common, **options)


if __name__ == "__main__":
    main()
