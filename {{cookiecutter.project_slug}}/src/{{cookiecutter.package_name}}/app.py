"""The web app: a health endpoint for Docker and one example endpoint to grow from."""
{%- if cookiecutter.framework == "flask" %}

from flask import Flask, jsonify
from gunicorn.app.base import BaseApplication

from {{ cookiecutter.package_name }} import __version__


def create_app():
    """Build the Flask app (gunicorn calls this once per worker)."""
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        """Answer 200 while the service can serve requests."""
        return jsonify(status="ok", version=__version__)

    @app.get("/hello/<name>")
    def hello(name):
        """An example endpoint."""
        return jsonify(message=f"Hello, {name}!")

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
        return create_app()
{%- elif cookiecutter.framework == "fastapi" %}

from fastapi import FastAPI

from {{ cookiecutter.package_name }} import __version__

app = FastAPI(title="{{ cookiecutter.project_name }}", version=__version__)


@app.get("/healthz")
def healthz():
    """Answer 200 while the service can serve requests."""
    return {"status": "ok", "version": __version__}


@app.get("/hello/{name}")
def hello(name: str):
    """An example endpoint."""
    return {"message": f"Hello, {name}!"}
{%- endif %}
