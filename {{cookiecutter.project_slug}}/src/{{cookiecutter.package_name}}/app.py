{%- set postgres = cookiecutter.database == "postgres" -%}
{%- set at = "" if postgres else "data_dir, " -%}
"""The example web app: an endpoint, and a visit counter kept in {% if postgres %}the database{% else %}DATA_DIR{% endif %} to show where state
goes (pyproject.toml's [tool.servicehost] app names its factory; the service answers /healthz)."""
{%- if cookiecutter.framework == "flask" %}
{%- if not postgres %}

from pathlib import Path
{%- endif %}

from flask import Flask, jsonify

from {{ cookiecutter.package_name }} import store


def create_app({% if not postgres %}data_dir=None{% endif %}):
    """Build the Flask app (the server calls this once per worker process)."""
{%- if postgres %}
    app = Flask(__name__)
{%- else %}
    data_dir = data_dir or store.data_dir()
    # Flask's instance folder is DATA_DIR, so nothing the app writes lands next to the code.
    app = Flask(__name__, instance_path=str(Path(data_dir).resolve()))
{%- endif %}

    @app.get("/hello/<name>")
    def hello(name):
        """An example endpoint."""
        return jsonify(message=f"Hello, {name}!")

    @app.get("/visits")
    def visits():
        """How many visits were counted, across restarts."""
        return jsonify(visits=store.count({{ at }}"visits"))

    @app.post("/visits")
    def visit():
        """Count a visit: a write to the database{% if not postgres %} in DATA_DIR{% endif %}."""
        return jsonify(visits=store.hit({{ at }}"visits"))
{%- if postgres %}

    @app.errorhandler(store.Unavailable)
    def unavailable(error):
        """503 while the database does not answer: retry later (the health check says so too)."""
        return jsonify(error="the database is unavailable"), 503
{%- endif %}

    return app
{%- elif cookiecutter.framework == "fastapi" %}

from fastapi import FastAPI
{%- if postgres %}
from fastapi.responses import JSONResponse
{%- endif %}

from {{ cookiecutter.package_name }} import store


def create_app({% if not postgres %}data_dir=None{% endif %}):
    """Build the FastAPI app (the server calls this once per worker process)."""
{%- if not postgres %}
    data_dir = data_dir or store.data_dir()
{%- endif %}
    app = FastAPI(title="{{ cookiecutter.project_name }}")

    @app.get("/hello/{name}")
    def hello(name: str):
        """An example endpoint."""
        return {"message": f"Hello, {name}!"}

    @app.get("/visits")
    def visits():
        """How many visits were counted, across restarts."""
        return {"visits": store.count({{ at }}"visits")}

    @app.post("/visits")
    def visit():
        """Count a visit: a write to the database{% if not postgres %} in DATA_DIR{% endif %}."""
        return {"visits": store.hit({{ at }}"visits")}
{%- if postgres %}

    @app.exception_handler(store.Unavailable)
    def unavailable(request, error):
        """503 while the database does not answer: retry later (the health check says so too)."""
        return JSONResponse({"error": "the database is unavailable"}, status_code=503)
{%- endif %}

    return app
{%- endif %}
