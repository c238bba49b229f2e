"""The example {% if cookiecutter.framework == "none" %}worker works and counts{% else %}app answers as clients expect{% endif %} (delete this file with the example)."""
{%- if cookiecutter.framework == "none" %}

from {{ cookiecutter.package_name }} import store, worker


def test_work_counts_units_across_restarts(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    store.init_db(tmp_path)
    assert [worker.work() for _ in range(3)] == [1, 2, 3]
    assert store.count(tmp_path, "units") == 3
{%- else %}

import pytest
{%- if cookiecutter.framework == "fastapi" %}
from fastapi.testclient import TestClient
{%- endif %}

from {{ cookiecutter.package_name }} import store
from {{ cookiecutter.package_name }}.app import create_app


@pytest.fixture
def client(tmp_path):
    """A test client talking to the example app in-process, its database in tmp_path."""
    store.init_db(tmp_path)
{%- if cookiecutter.framework == "flask" %}
    return create_app(str(tmp_path)).test_client()
{%- else %}
    return TestClient(create_app(str(tmp_path)))
{%- endif %}


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
{%- endif %}


def test_the_release_step_creates_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    store.init_db(tmp_path)
    store.init_db(tmp_path)  # idempotent: every release runs it
    assert (tmp_path / store.DATABASE).is_file()
