"""The web app: a health endpoint for Docker, an example endpoint, and a visit counter kept in
DATA_DIR to show where state goes."""
{%- if cookiecutter.framework == "flask" %}

from pathlib import Path

from flask import Flask, jsonify
from gunicorn.app.base import BaseApplication

from {{ cookiecutter.package_name }} import __version__, store
from {{ cookiecutter.package_name }}.config import Settings


def create_app(settings=None):
    """Build the Flask app (gunicorn calls this once per worker)."""
    settings = settings or Settings.from_env()
    # Flask's instance folder is DATA_DIR, so nothing the app writes lands next to the code.
    app = Flask(__name__, instance_path=str(Path(settings.data_dir).resolve()))

    @app.get("/healthz")
    def healthz():
        """Answer 200 while the service can serve requests."""
        return jsonify(status="ok", version=__version__)

    @app.get("/hello/<name>")
    def hello(name):
        """An example endpoint."""
        return jsonify(message=f"Hello, {name}!")

    @app.get("/visits")
    def visits():
        """How many visits were counted, across restarts."""
        return jsonify(visits=store.count(settings, "visits"))

    @app.post("/visits")
    def visit():
        """Count a visit: a write to the database in DATA_DIR."""
        return jsonify(visits=store.hit(settings, "visits"))

    return app


class GunicornServer(BaseApplication):
    """gunicorn configured from Settings instead of a config file or command line."""

    def __init__(self, settings):
        self.settings = settings
        super().__init__()

    def load_config(self):
        """Bind HOST:PORT and log to stdout; write nothing to the (read-only) disk."""
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("accesslog", "-")
        self.cfg.set("loglevel", self.settings.log_level.lower())
        self.cfg.set("worker_tmp_dir", "/dev/shm")
        self.cfg.set("control_socket_disable", True)

    def load(self):
        """Give gunicorn the app to serve."""
        return create_app(self.settings)
{%- elif cookiecutter.framework == "fastapi" %}

from fastapi import FastAPI

from {{ cookiecutter.package_name }} import __version__, store
from {{ cookiecutter.package_name }}.config import Settings


def create_app(settings=None):
    """Build the FastAPI app (uvicorn calls this factory once per worker)."""
    settings = settings or Settings.from_env()
    app = FastAPI(title="{{ cookiecutter.project_name }}", version=__version__)

    @app.get("/healthz")
    def healthz():
        """Answer 200 while the service can serve requests."""
        return {"status": "ok", "version": __version__}

    @app.get("/hello/{name}")
    def hello(name: str):
        """An example endpoint."""
        return {"message": f"Hello, {name}!"}

    @app.get("/visits")
    def visits():
        """How many visits were counted, across restarts."""
        return {"visits": store.count(settings, "visits")}

    @app.post("/visits")
    def visit():
        """Count a visit: a write to the database in DATA_DIR."""
        return {"visits": store.hit(settings, "visits")}

    return app
{%- endif %}
