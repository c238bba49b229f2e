# (c) The multi-stage pattern of uv's Docker guide ("Using uv in Docker", sections "Caching",
# "Intermediate layers" and "Non-editable installs", https://docs.astral.sh/uv/guides/integration/docker/):
# uv as the installer, UV_COMPILE_BYTECODE and UV_LINK_MODE=copy, a cache mount for uv's cache,
# the lock file bind-mounted, dependencies installed before the project is added, then the
# project installed non-editable, and only the venv copied into a clean final stage.
#
# The one change made to run here: each uv/pip step mounts the CA bundle secret (ca_cert, with
# SSL_CERT_FILE pointing uv at it; pip_conf for pip) that every build on this machine needs to
# reach PyPI. Adapted because of what this machine and app are, not to change the pattern:
# - uv comes from PyPI (pip install uv==$UV_VERSION) instead of COPY --from=ghcr.io/astral-sh/uv:
#   no registry is reachable here;
# - the benchmark app is a setup.py project locked by pip-tools (requirements/base.txt, the lock
#   every variant installs), so `uv sync --locked --no-install-project` / `uv sync --locked
#   --no-editable` become their pip-interface equivalents `uv pip sync` of that lock and
#   `uv pip install --no-deps` of the project;
# - the guide's `COPY --chown=app:app` needs an `app` user, created as uv-docker-example does.
ARG PYTHON_IMAGE=python:3.14-slim
FROM ${PYTHON_IMAGE} AS builder
ARG UV_VERSION=0.13.9
RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \
    --mount=type=secret,id=ca_cert \
    pip install "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy

WORKDIR /app

# Install dependencies
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=requirements/base.txt,target=requirements/base.txt \
    --mount=type=secret,id=ca_cert \
    export SSL_CERT_FILE=/run/secrets/ca_cert \
 && uv venv /app/.venv \
 && uv pip sync --require-hashes requirements/base.txt

# Copy the project into the intermediate image
ADD . /app

# Install the project, non-editable
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=secret,id=ca_cert \
    SSL_CERT_FILE=/run/secrets/ca_cert uv pip install --no-deps /app

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 999 app \
 && useradd --system --gid 999 --uid 999 --create-home app

# Copy the environment, but not the source code
COPY --from=builder --chown=app:app /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH"
USER app
# The app the baked project names in pyproject.toml, which a non-editable install leaves behind.
ENV APP="bench_service.app:create_app()"
CMD ["bench-service", "serve"]
