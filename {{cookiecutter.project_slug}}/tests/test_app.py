"""The web app answers as clients expect."""

import pytest
{%- if cookiecutter.framework == "flask" %}

from {{ cookiecutter.package_name }}.app import create_app


@pytest.fixture
def client():
    """A test client talking to the app in-process."""
    return create_app().test_client()
{%- else %}
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.app import app


@pytest.fixture
def client():
    """A test client talking to the app in-process."""
    return TestClient(app)
{%- endif %}


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json{% if cookiecutter.framework == "fastapi" %}(){% endif %}["status"] == "ok"


@pytest.mark.parametrize("name", ["world", "Docker"])
def test_hello_greets_by_name(client, name):
    response = client.get(f"/hello/{name}")
    assert response.status_code == 200
    assert response.json{% if cookiecutter.framework == "fastapi" %}(){% endif %} == {"message": f"Hello, {name}!"}


def test_unknown_path_is_404(client):
    assert client.get("/nope").status_code == 404
