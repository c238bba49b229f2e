"""The example {% if cookiecutter.framework == "none" %}worker works and counts{% else %}app answers as clients expect{% endif %} (delete this file with the example)."""
{%- if cookiecutter.framework == "django" %}

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings

from servicehost.load import load
from servicehost.settings import Settings


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The static files, collected as the image build collects them (hashed, compressed)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(autouse=True)
def static_root(settings, collected_static):
    """Every test serves the collected files, with DEBUG off (pytest-django's default)."""
    settings.STATIC_ROOT = collected_static
    return collected_static


@pytest.mark.parametrize("name", ["world", "Docker"])
def test_hello_greets_by_name(client, name):
    response = client.get(f"/hello/{name}")
    assert response.status_code == 200
    assert response.json() == {"message": f"Hello, {name}!"}


def test_unknown_path_is_404(client):
    assert client.get("/nope").status_code == 404


@pytest.mark.django_db
def test_visits_are_counted_in_the_database(client):
    assert [client.post("/visits").json()["visits"] for _ in range(2)] == [1, 2]
    assert client.get("/visits").json() == {"visits": 2}
    assert client.put("/visits").status_code == 405


@pytest.mark.django_db
def test_the_page_links_its_collected_static_file(client):
    page = client.get("/")
    assert page.status_code == 200 and b"Visits counted: <strong>0</strong>" in page.content
    # A hashed name from collectstatic's manifest, which WhiteNoise serves, compressed on request.
    url = re.search(r'href="(/static/visits/style\.[0-9a-f]{12}\.css)"', page.content.decode())
    assert url, page.content
    css = client.get(url.group(1), headers={"accept-encoding": "gzip"})
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert css["Content-Encoding"] == "gzip"


def test_the_settings_come_from_the_environment(tmp_path):
    environ = {
        **os.environ,
{%- if cookiecutter.database == "postgres" %}
        "DATABASE_URL": "postgresql://shop:pw@db.example:5433/shop",
{%- endif %}
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "s3cret",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "example.com, .example.org",
    }
    show = (
        "import json\n"
        "from {{ cookiecutter.package_name }} import settings as s\n"
        "print(json.dumps("
        "[str(s.DATABASES['default']['NAME']), s.SECRET_KEY, s.DEBUG, s.ALLOWED_HOSTS]))"
    )
    python = [sys.executable, "-c", show]
    shown = subprocess.run(python, env=environ, capture_output=True, text=True)
    assert json.loads(shown.stdout) == [
{%- if cookiecutter.database == "postgres" %}
        "shop",
{%- else %}
        str(tmp_path / "db.sqlite3"),
{%- endif %}
        "s3cret",
        True,
        ["example.com", ".example.org"],
    ], shown.stderr
    assert not django_settings.DEBUG  # off unless DEBUG is set (pytest-django keeps it off too)


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    # The release step applies the migrations; a model change without one would not reach the DB.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_app_setting_names_the_wsgi_application(pytestconfig):
    # This project's pyproject.toml, wherever servicehost is installed.
    settings = Settings.load(pyproject=pytestconfig.rootpath / "pyproject.toml")
    application = load(settings.app)
    assert callable(application)
{%- elif cookiecutter.framework == "none" %}
{%- if cookiecutter.database == "postgres" %}

import subprocess

import pytest

from {{ cookiecutter.package_name }} import store, worker


@pytest.fixture(autouse=True)
def no_counters():
    """Each test starts from empty counters (the run's database is migrated and fresh)."""
    with store.connect() as db:
        db.execute("TRUNCATE counters")


def test_work_counts_units_across_restarts():
    assert [worker.work() for _ in range(3)] == [1, 2, 3]
    assert store.count("units") == 3
{%- else %}

from {{ cookiecutter.package_name }} import store, worker


def test_work_counts_units_across_restarts(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    store.init_db(tmp_path)
    assert [worker.work() for _ in range(3)] == [1, 2, 3]
    assert store.count(tmp_path, "units") == 3
{%- endif %}
{%- else %}

{%- if cookiecutter.database == "postgres" %}

import subprocess
{%- endif %}

import pytest
{%- if cookiecutter.framework == "fastapi" %}
from fastapi.testclient import TestClient
{%- endif %}

from {{ cookiecutter.package_name }} import store
from {{ cookiecutter.package_name }}.app import create_app
{%- if cookiecutter.database == "postgres" %}


@pytest.fixture(autouse=True)
def no_counters():
    """Each test starts from empty counters (the run's database is migrated and fresh)."""
    with store.connect() as db:
        db.execute("TRUNCATE counters")


@pytest.fixture
def client():
    """A test client talking to the example app in-process, on the run's database."""
{%- if cookiecutter.framework == "flask" %}
    return create_app().test_client()
{%- else %}
    return TestClient(create_app())
{%- endif %}
{%- else %}


@pytest.fixture
def client(tmp_path):
    """A test client talking to the example app in-process, its database in tmp_path."""
    store.init_db(tmp_path)
{%- if cookiecutter.framework == "flask" %}
    return create_app(str(tmp_path)).test_client()
{%- else %}
    return TestClient(create_app(str(tmp_path)))
{%- endif %}
{%- endif %}


@pytest.mark.parametrize("name", ["world", "Docker"])
def test_hello_greets_by_name(client, name):
    response = client.get(f"/hello/{name}")
    assert response.status_code == 200
    assert response.json{% if cookiecutter.framework == "fastapi" %}(){% endif %} == {"message": f"Hello, {name}!"}


def test_unknown_path_is_404(client):
    assert client.get("/nope").status_code == 404


def test_visits_are_counted_in_the_{% if cookiecutter.database == "postgres" %}database{% else %}data_dir{% endif %}(client):
    assert [client.post("/visits").json{% if cookiecutter.framework == "fastapi" %}(){% endif %}["visits"] for _ in range(2)] == [1, 2]
    assert client.get("/visits").json{% if cookiecutter.framework == "fastapi" %}(){% endif %} == {"visits": 2}
{%- if cookiecutter.database == "postgres" %}


def test_a_database_that_does_not_answer_is_a_503(client, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    response = client.post("/visits")
    assert response.status_code == 503
    assert response.json{% if cookiecutter.framework == "fastapi" %}(){% endif %} == {"error": "the database is unavailable"}
{%- endif %}
{%- endif %}
{%- if cookiecutter.framework != "django" and cookiecutter.database == "postgres" %}


def test_the_migrations_go_down_and_up_again(pytestconfig):
    # The release step applied them to this run's database; each must also be undone cleanly.
    for step in (["downgrade", "base"], ["upgrade", "head"]):
        subprocess.run(["alembic", *step], cwd=pytestconfig.rootpath, check=True)
    assert store.count("visits") == 0
{%- elif cookiecutter.framework != "django" %}


def test_the_release_step_creates_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    store.init_db(tmp_path)
    store.init_db(tmp_path)  # idempotent: every release runs it
    assert (tmp_path / store.DATABASE).is_file()
{%- endif %}
