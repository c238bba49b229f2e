{%- set asgi = cookiecutter.framework == "fastapi" -%}
"""Health, answered by the service itself for any app: {% if cookiecutter.framework == "none" -%}
the worker's heartbeat, a file whose age
`healthcheck` reads (Docker's HEALTHCHECK runs it)."""

import os
import time
from pathlib import Path


def beat(settings):
    """Record that the worker is alive."""
    Path(settings.heartbeat_file).touch()


def heartbeat_age(settings):
    """Seconds since the last heartbeat, or None when there has been none."""
    try:
        return time.time() - os.stat(settings.heartbeat_file).st_mtime
    except FileNotFoundError:
        return None


def problem(settings):
    """Why the worker is not healthy, in one sentence, or None."""
    age = heartbeat_age(settings)
    if age is not None and age < 3 * settings.interval + 1:
        return None
    if age is None:
        return f"no heartbeat in {settings.heartbeat_file} yet"
    return f"the last heartbeat in {settings.heartbeat_file} is {age:.0f} s old"
{%- else -%}
HEALTH_PATH (default
/healthz) answers before the app sees the request, so the health check needs nothing from the
app (no route, no allowed Host header). An app may add a readiness function (READY, e.g. "the
database answers"): the same endpoint then reports 503 while it fails. HEALTH_PATH/live answers
200 while the process serves at all (liveness)."""
{% if asgi %}
import asyncio
{%- endif %}
import json
{%- if cookiecutter.database == "postgres" %}
import os
{%- endif %}
from importlib.metadata import version

{% if cookiecutter.database == "postgres" -%}
from servicehost import database
{% endif -%}
from servicehost.load import load

VERSION = version("{{ cookiecutter.project_slug }}")


# HEALTH_PATH/live: the process answers, whatever the app's readiness (an orchestrator's liveness
# probe: a database outage must not restart every replica).
ALIVE = 200, {"status": "alive", "version": VERSION}


def report(ready):
    """(status code, JSON body) for the health endpoint, asking `ready` (None: always ready)."""
    try:
        reason = ready() if ready else None
    except Exception as error:  # the app is not ready, whatever the reason
        reason = f"{type(error).__name__}: {error}"
    if reason in (None, True):
        return 200, {"status": "ok", "version": VERSION}
    reason = "not ready" if reason is False else str(reason)
    return 503, {"status": "unavailable", "reason": reason, "version": VERSION}


def readiness(settings):
{%- if cookiecutter.database == "postgres" %}
    """The service's readiness: the database answers (DATABASE_URL), then the app's readiness
    function, if it has one."""
    app_ready = load(settings.ready, "READY") if settings.ready else None

    def ready():
        url = os.environ.get("DATABASE_URL")
        why = database.problem(url) if url else None
        if why:
            return f"the database at {database.where(url)} does not answer: {why}"
        return app_ready() if app_ready else None

    return ready
{%- else %}
    """The app's readiness function, or None when it has none."""
    return load(settings.ready, "READY") if settings.ready else None
{%- endif %}
{%- if asgi %}


async def no_app(scope, receive, send):
    """The ASGI app while none is set (APP empty): 404 for every request."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
    elif scope["type"] == "http":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def wrap(app, settings):
    """The ASGI app (None: no app yet), with settings.health_path answered first. Every other
    scope (lifespan, websockets) goes to the app untouched."""
    ready = readiness(settings)
    app = app or no_app
    live = settings.health_path.rstrip("/") + "/live"

    async def service(scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in (settings.health_path, live):
            return await app(scope, receive, send)
        if scope["path"] == live:
            status, body = ALIVE
        else:
            status, body = await asyncio.to_thread(report, ready)
        content = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    return service
{%- else %}


REASONS = {200: "200 OK", 503: "503 Service Unavailable"}


def no_app(environ, start_response):
    """The WSGI app while none is set (APP empty): 404 for every request."""
    start_response("404 Not Found", [("Content-Length", "0")])
    return [b""]


def wrap(app, settings):
    """The WSGI app (None: no app yet), with settings.health_path answered first."""
    ready = readiness(settings)
    app = app or no_app
    live = settings.health_path.rstrip("/") + "/live"

    def service(environ, start_response):
        path = environ.get("PATH_INFO")
        if path not in (settings.health_path, live):
            return app(environ, start_response)
        status, body = ALIVE if path == live else report(ready)
        content = json.dumps(body).encode()
        start_response(
            REASONS[status],
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(content))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [content]

    return service
{%- endif %}
{%- endif %}
