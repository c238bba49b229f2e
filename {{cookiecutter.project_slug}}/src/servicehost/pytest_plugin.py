{%- set django = cookiecutter.framework == "django" -%}
{%- set postgres = cookiecutter.database == "postgres" -%}
"""A pytest plugin giving the tests what the service has{% if django %}: the settings module the service uses
(DJANGO_SETTINGS_MODULE, unless the environment or `--ds` sets it) for pytest-django{% endif %}{% if postgres %}{% if django %}, and{% else %}:{% endif %} a fresh
PostgreSQL database for each run, at DATABASE_URL: on the server DATABASE_URL names when it is set
(Compose's db, `invoke test --mount`), else on a throwaway server (TEST_POSTGRES, the image build){% endif %}.
pyproject.toml enables it (`-p servicehost.pytest_plugin` in addopts)."""

import os
{%- if postgres %}
import time
{%- endif %}
from pathlib import Path
{%- if postgres and not django %}
from urllib.parse import urlsplit
{%- endif %}

import pytest
{%- if postgres and not django %}
from psycopg import connect, sql
{%- endif %}

{% if postgres -%}
from servicehost import database, testserver
{% if not django -%}
from servicehost.command import run_steps
{% endif -%}
{% endif -%}
from servicehost.settings import (
    PYPROJECT,
{%- if postgres %}
    SettingError,
{%- endif %}
    Settings,
{%- if django %}
    django_settings_module,
{%- endif %}
)
{%- if postgres %}


def fresh_database(settings, config):
    """Point DATABASE_URL at a database of its own for this run; stop with one sentence when
    there is no server."""
    server = None
    try:
        if os.environ.get("DATABASE_URL"):
            url = database.configure()
            database.wait(url, settings.database_wait)
        elif os.environ.get("TEST_POSTGRES"):
            server = testserver.Server(os.environ["TEST_POSTGRES"])
            started = time.monotonic()
            url = server.start()
            config.add_cleanup(server.stop)
            ready = time.monotonic() - started
            print(f"PostgreSQL {server.version} for the tests, ready in {ready:.2f} s", flush=True)
        else:
            raise SettingError(
                "The tests need PostgreSQL: DATABASE_URL is not set and there is no test server"
                " (TEST_POSTGRES); run them with `invoke test` or `invoke test --mount`."
            )
    except (SettingError, RuntimeError) as error:
        raise pytest.UsageError(str(error)) from None
{%- if django %}
    # pytest-django makes test_<name> on this server, migrated, and drops it afterwards.
    os.environ["DATABASE_URL"] = url
{%- else %}
    name = f"{urlsplit(url).path.strip('/')}_test" if server is None else "app"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with connect(url, autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(create)

    def drop_it():
        with connect(url, autocommit=True) as admin:
            admin.execute(drop)

    if server is None:  # a throwaway server goes with its databases
        config.add_cleanup(drop_it)
    os.environ["DATABASE_URL"] = database.renamed(url, name)
    # The tests run on the schema production has: the release step's migrations, applied.
    started = time.monotonic()
    if run_steps(settings.release, "release step"):
        raise pytest.UsageError("The release step failed on the tests' database: see above.")
    took = time.monotonic() - started
    print(f"Release step on the tests' database done in {took:.2f} s", flush=True)
{%- endif %}
{%- endif %}


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Set it all up before {% if django %}pytest-django reads its settings{% else %}the tests' conftest.py files are imported{% endif %} (a wrapper runs before
    every plain hook)."""
    # The pyproject.toml pytest read its options from: the project's, wherever servicehost is.
    inipath = early_config.inipath
    pyproject = inipath if inipath and Path(inipath).name == "pyproject.toml" else PYPROJECT
    settings = Settings.load(pyproject=pyproject)
{%- if django %}
    module = django_settings_module(settings.app)
    if module:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", module)
{%- endif %}
{%- if postgres %}
    fresh_database(settings, early_config)
{%- endif %}
    return (yield)
