# medrecord's production image (docker-compose.yml). Two stages: the build stage installs the
# locked dependencies first, in their own layer (rebuilt only when pyproject.toml or uv.lock
# change), then medrecord itself as a wheel with its migrations; the runtime stage copies the
# virtual environment alone and runs it as an unprivileged user.
#
# No embedded PostgreSQL: pgserver is in the "embedded" extra and group, and --no-default-groups
# leaves it (and the test tools of the "dev" group) out. Production connects to its own server
# (MEDRECORD_DATABASE_URL) and refuses to start without one.

FROM python:3.12-slim AS build
RUN pip install --no-cache-dir "uv==0.13.*"
# Bytecode compiled once here, not by every worker at start; copies, not links, so the venv
# stands alone; the image's own Python, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app

# 1. Dependencies only: this layer survives every code change.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-default-groups --no-install-project

# 2. medrecord itself, installed as a wheel (not editable): src/ is not needed at run time, and
#    the wheel carries migrations/ and alembic.ini.
COPY README.md alembic.ini ./
COPY migrations ./migrations
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-default-groups --no-editable


FROM python:3.12-slim
# A fixed uid, so volumes and Kubernetes' runAsUser can name it; no login shell, no home.
RUN groupadd --system --gid 10001 medrecord \
    && useradd --system --uid 10001 --gid medrecord --no-create-home \
       --shell /usr/sbin/nologin medrecord \
    && install -d -o medrecord -g medrecord -m 0700 /data
COPY --from=build /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    MEDRECORD_ENVIRONMENT=production \
    MEDRECORD_DATA_DIR=/data
USER medrecord:medrecord
WORKDIR /data
EXPOSE 8000
# 0.0.0.0 inside the container; docker-compose.yml publishes it on 127.0.0.1 only, for the
# TLS-terminating proxy in front (README, "Operations").
CMD ["medrecord", "serve", "--host", "0.0.0.0", "--port", "8000"]
