{%- set framework = cookiecutter.framework -%}
"""The server{% if framework == "none" %} loop{% endif %}: `serve` for production, and `dev` for the dev loop, with
{% if framework == "flask" %}Werkzeug's reloader{% elif framework == "django" %}Django's reloader{% elif framework == "fastapi" %}uvicorn's reloader{% else %}watchfiles{% endif %} (a dev tool, never in the service image)."""
{%- if framework == "none" %}

import logging
import signal
import subprocess
import sys
import threading

from servicehost import health
from servicehost.load import load
from servicehost.settings import ROOT

log = logging.getLogger(__name__)


class Worker:
    """Calls the app (a function doing one unit of work) every WORK_INTERVAL seconds, leaves a
    heartbeat for the health check, and stops after the current unit on SIGTERM or SIGINT."""

    def __init__(self, settings, work=None):
        self.settings = settings
        self.work = work or (load(settings.app) if settings.app else None)
        self.done = 0
        self.stopping = threading.Event()

    def stop(self, *_):
        """Finish the current unit, then leave the loop (the SIGTERM and SIGINT handler)."""
        self.stopping.set()

    def loop(self):
        """Work, beat, and wait an interval, until stopped. A unit that fails is logged and
        leaves no heartbeat: the health check turns unhealthy while every unit fails."""
        log.info("worker started, one unit every %s s", self.settings.interval)
        while not self.stopping.is_set():
            try:
                if self.work:
                    self.work()
            except Exception:
                log.exception("a unit of work failed; the next in %s s", self.settings.interval)
            else:
                self.done += 1
                health.beat(self.settings)
            self.stopping.wait(self.settings.interval)
        log.info("worker stopped after %d units", self.done)


def serve(settings):
    """Run the worker until SIGTERM (`docker stop`) or SIGINT (Ctrl-C)."""
    worker = Worker(settings)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.loop()
    return 0


def dev(settings, debug):
    """Restart `serve` in a new process on every change under src/ (watchfiles passes SIGTERM
    and SIGINT on as SIGINT, which stops the worker at once); with the debugger, run it here."""
    if debug:
        return serve(settings)
    import watchfiles

    watchfiles.run_process(
        ROOT / "src",
        target=subprocess.list2cmdline([sys.executable, "-m", "servicehost", "serve"]),
        target_type="command",
        watch_filter=watchfiles.PythonFilter(),
    )
    return 0
{%- else %}

from gunicorn.app.base import BaseApplication

from servicehost import health
from servicehost.load import load
{%- if framework == "fastapi" %}
from servicehost.settings import ROOT, Settings
{%- endif %}


{% if framework == "fastapi" -%}
def service(settings=None):
    """The app with its health endpoint (uvicorn's reloader calls it without the settings)."""
    settings = settings or Settings.load()
{%- else -%}
def service(settings):
    """The app with its health endpoint."""
{%- endif %}
    return health.wrap(load(settings.app) if settings.app else None, settings)


class Gunicorn(BaseApplication):
    """gunicorn configured from the settings instead of a config file or command line."""

    def __init__(self, settings):
        self.settings = settings
        super().__init__()

    def load_config(self):
        """Bind HOST:PORT with WORKERS processes{% if framework == "fastapi" %} (uvicorn's workers, for ASGI){% endif %}, log to
        stdout (each request with ACCESS_LOG), write nothing to the disk."""
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", self.settings.workers)
{%- if framework == "fastapi" %}
        self.cfg.set("worker_class", "uvicorn_worker.UvicornWorker")
{%- endif %}
        # SIGTERM: stop accepting, let the requests in flight finish, then exit 0.
        self.cfg.set("graceful_timeout", self.settings.graceful_timeout)
        if self.settings.access_log:
            self.cfg.set("accesslog", "-")
        self.cfg.set("loglevel", self.settings.log_level.lower())
        self.cfg.set("worker_tmp_dir", "/dev/shm")
        self.cfg.set("control_socket_disable", True)

    def load(self):
        """The app, loaded in each worker process."""
        return service(self.settings)


def serve(settings):
    """Serve with gunicorn{% if framework == "fastapi" %} running uvicorn's workers{% else %}, a production WSGI server{% endif %}, on HOST:PORT with WORKERS processes."""
    Gunicorn(settings).run()
    return 0
{%- if framework == "fastapi" %}


def dev(settings, debug):
    """Serve one process that restarts on every change under src/ (not with the debugger: it
    follows one process, and a reload would replace it)."""
    import uvicorn

    uvicorn.run(
        "servicehost.server:service",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=not debug,
        reload_dirs=[str(ROOT / "src")],
    )
    return 0
{%- elif framework == "flask" %}


def dev(settings, debug):
    """Serve with Werkzeug's reloader: a parent process watches the files and restarts the
    serving child on every change (not with the debugger: it follows one process)."""
    from werkzeug.serving import run_simple

    run_simple(
        settings.host,
        settings.port,
        service(settings),
        use_reloader=not debug,
        reloader_interval=0.2,
        threaded=True,
    )
    return 0
{%- else %}


def dev(settings, debug):
    """Serve with Django's development server and its reloader, which restarts the process on
    every change (not with the debugger: it follows one process)."""
    from django.core.servers.basehttp import run
    from django.utils import autoreload

    def inner():
        run(settings.host, settings.port, service(settings), threading=True)

    if debug:
        inner()
    else:
        autoreload.run_with_reloader(inner)
    return 0
{%- endif %}
{%- endif %}
