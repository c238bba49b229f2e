"""The example web app: an endpoint, and a visit counter kept in DATA_DIR to show where state
goes (pyproject.toml's [tool.servicehost] app names its factory; the service answers /healthz)."""
{%- if cookiecutter.framework == "flask" %}

from pathlib import Path

from flask import Flask, jsonify

from {{ cookiecutter.package_name }} import store


def create_app(data_dir=None):
    """Build the Flask app (the server calls this once per worker process)."""
    data_dir = data_dir or store.data_dir()
    # Flask's instance folder is DATA_DIR, so nothing the app writes lands next to the code.
    app = Flask(__name__, instance_path=str(Path(data_dir).resolve()))

    @app.get("/hello/<name>")
    def hello(name):
        """An example endpoint."""
        return jsonify(message=f"Hello, {name}!")

    @app.get("/visits")
    def visits():
        """How many visits were counted, across restarts."""
        return jsonify(visits=store.count(data_dir, "visits"))

    @app.post("/visits")
    def visit():
        """Count a visit: a write to the database in DATA_DIR."""
        return jsonify(visits=store.hit(data_dir, "visits"))

    return app
{%- elif cookiecutter.framework == "fastapi" %}

from fastapi import FastAPI

from {{ cookiecutter.package_name }} import store


def create_app(data_dir=None):
    """Build the FastAPI app (the server calls this once per worker process)."""
    data_dir = data_dir or store.data_dir()
    app = FastAPI(title="{{ cookiecutter.project_name }}")

    @app.get("/hello/{name}")
    def hello(name: str):
        """An example endpoint."""
        return {"message": f"Hello, {name}!"}

    @app.get("/visits")
    def visits():
        """How many visits were counted, across restarts."""
        return {"visits": store.count(data_dir, "visits")}

    @app.post("/visits")
    def visit():
        """Count a visit: a write to the database in DATA_DIR."""
        return {"visits": store.hit(data_dir, "visits")}

    return app
{%- endif %}
