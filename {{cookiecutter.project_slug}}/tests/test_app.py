"""The web app answers as clients expect."""

import pytest
{%- if cookiecutter.framework == "flask" %}

from {{ cookiecutter.package_name }}.app import create_app


@pytest.fixture
def client(settings):
    """A test client talking to the app in-process."""
    return create_app(settings).test_client()
{%- else %}
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.app import create_app


@pytest.fixture
def client(settings):
    """A test client talking to the app in-process."""
    return TestClient(create_app(settings))
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


def test_visits_are_counted_in_the_data_dir(client):
    assert [client.post("/visits").json{% if cookiecutter.framework == "fastapi" %}(){% endif %}["visits"] for _ in range(2)] == [1, 2]
    assert client.get("/visits").json{% if cookiecutter.framework == "fastapi" %}(){% endif %} == {"visits": 2}
