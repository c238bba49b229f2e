"""Apps shaped like real ones, written by the suite (not our example), to move into a baked
project by the steps of its README ("Bring your existing app"):

- flask: `flaskr`, an app factory taking a Config, a Blueprint, Jinja templates translated with
  Babel (the .po files ship, the .mo files are compiled by a build step and read at run time), a
  static file, an .sql file read as package data, SQLAlchemy on SQLite in DATA_DIR with Alembic
  migrations whose config lives in the package (the release step runs the `alembic` command),
  Flask CLI commands of its own, and a readiness function;
- fastapi: `notes_api`, the same shape for FastAPI (Starlette's Jinja2Templates and StaticFiles
  from the package, Babel compiled in the build), migrated through its own `cli.py`;
- none: `jobs`, a worker whose schema (.sql, package data) its release step applies, rendering a
  Jinja report with its stylesheet into DATA_DIR on each unit of work.

Each has a top-level `config.py` and `cli.py` in its package, and a `tests/conftest.py` with a
`settings` fixture. Every dependency it adds is pinned exactly (PINS), so `invoke lock` resolves
what was checked when these pins were chosen, never what the index published since."""

import re
import shutil

# Exact pins, found once with `pip index versions` and `invoke lock` (pip-compile in the
# python:3.14-slim base) on 2026-12-01: each app's dependencies and every transitive dependency the
# framework's own lock does not already pin. `invoke lock` must add exactly these to base.txt.
SQL_PINS = {
    "sqlalchemy": "2.0.58",
    "alembic": "1.20.1",
    "mako": "1.4.3",
    "greenlet": "3.5.6",  # SQLAlchemy's, on x86_64 and aarch64
}
PINS = {
    "flask": {**SQL_PINS, "babel": "2.19.0", "typing-extensions": "4.16.0"},
    # typing-extensions is already pinned by FastAPI's lock (pydantic's).
    "fastapi": {**SQL_PINS, "babel": "2.19.0", "jinja2": "3.1.6", "markupsafe": "3.0.4"},
    "none": {"jinja2": "3.1.6", "markupsafe": "3.0.4"},
    # Django, WhiteNoise and SQLite are all it needs: the bake's lock already pins them.
    "django": {},
}

PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: {lang}\\n"\n\n'


def po(lang, messages):
    """A gettext catalogue's source (.po)."""
    body = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in messages.items())
    return PO_HEADER.format(lang=lang) + body


MIGRATION_ENV = '''"""Alembic's environment: the app's database in DATA_DIR, unless the caller set one."""

from alembic import context
from sqlalchemy import create_engine

from {pkg}.config import {config}
from {pkg}.models import Base

url = context.config.get_main_option("sqlalchemy.url") or {config}().database_url
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
'''

MIGRATION_0001 = '''"""Notes.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.String(200), nullable=False),
    )


def downgrade():
    op.drop_table("notes")
'''

SCRIPT_MAKO = '''"""${message}

Revision ID: ${up_revision}
"""

import sqlalchemy as sa
from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

ALEMBIC_INI = """# Alembic's config, kept in the package: `alembic -c src/{pkg}/alembic.ini upgrade head`.
[alembic]
script_location = %(here)s/migrations
"""

MODELS = '''"""The tables, with SQLAlchemy; Alembic's migrations create them."""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
'''

STORE = '''"""Notes in the database: SQLAlchemy, and one report query kept as an .sql file."""

from importlib.resources import files

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from {pkg}.models import Note

STATS = text((files(__package__) / "sql" / "stats.sql").read_text())


def engine_for(config):
    return create_engine(config.database_url)


def add_note(engine, words):
    with Session(engine) as session, session.begin():
        session.add(Note(text=words))


def notes(engine):
    with Session(engine) as session:
        return list(session.scalars(select(Note.text).order_by(Note.id)))


def stats(engine):
    with engine.connect() as connection:
        return dict(connection.execute(STATS).one()._mapping)
'''

STATS_SQL = "SELECT count(*) AS notes, coalesce(max(length(text)), 0) AS longest FROM notes;\n"

I18N = '''"""Translations: the .po catalogues ship as source; the build compiles them (pybabel
compile, a build step) into the .mo files read here at run time."""

from importlib.resources import files

from babel.support import Translations

CATALOGUES = files(__package__) / "{directory}"


def translations(language):
    return Translations.load(str(CATALOGUES), [language], domain="{domain}")
'''

FLASK = {
    "config.py": '''"""Flaskr's configuration, from the environment (the Config a factory takes)."""

import os
from dataclasses import dataclass, field


@dataclass
class Config:
    data_dir: str = field(default_factory=lambda: os.environ.get("DATA_DIR", "/data"))
    language: str = field(default_factory=lambda: os.environ.get("FLASKR_LANGUAGE", "fr"))
    title: str = "Flaskr"

    @property
    def database_url(self):
        return f"sqlite:///{self.data_dir}/flaskr.sqlite3"
''',
    "__init__.py": '''"""Flaskr: notes, in the reader's language."""

from flask import Flask

from flaskr import cli, i18n, store, views
from flaskr.config import Config


def create_app(config=None):
    config = config or Config()
    app = Flask(__name__, instance_path=config.data_dir)
    app.config.update(TITLE=config.title, LANGUAGE=config.language)
    app.extensions["flaskr.engine"] = store.engine_for(config)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_translations(i18n.translations(config.language), newstyle=True)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.notes)
    return app
''',
    "views.py": '''"""The pages."""

from flask import Blueprint, current_app, jsonify, render_template, request

from flaskr import store

bp = Blueprint("notes", __name__)


def engine():
    return current_app.extensions["flaskr.engine"]


@bp.get("/")
def index():
    return render_template("index.html", notes=store.notes(engine()))


@bp.post("/notes")
def add():
    store.add_note(engine(), request.form["text"])
    return jsonify(added=True), 201


@bp.get("/stats")
def stats():
    return jsonify(store.stats(engine()))
''',
    "cli.py": '''"""Flaskr's own commands: `flask --app flaskr notes add TEXT`, `... notes list`."""

import click
from flask import current_app
from flask.cli import AppGroup

from flaskr import store

notes = AppGroup("notes", help="Manage notes.")


@notes.command("add")
@click.argument("text")
def add(text):
    store.add_note(current_app.extensions["flaskr.engine"], text)


@notes.command("list")
def list_notes():
    for note in store.notes(current_app.extensions["flaskr.engine"]):
        click.echo(note)
''',
    "health.py": '''"""Readiness: the database answers and its migrations were applied."""

from sqlalchemy import text

from flaskr import store
from flaskr.config import Config


def ready(config=None):
    engine = store.engine_for(config or Config())
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM notes"))
    finally:
        engine.dispose()
''',
    "models.py": MODELS,
    "store.py": STORE.format(pkg="flaskr"),
    "i18n.py": I18N.format(directory="translations", domain="messages"),
    "sql/stats.sql": STATS_SQL,
    "alembic.ini": ALEMBIC_INI.format(pkg="flaskr"),
    "migrations/env.py": MIGRATION_ENV.format(pkg="flaskr", config="Config"),
    "migrations/script.py.mako": SCRIPT_MAKO,
    "migrations/versions/0001_notes.py": MIGRATION_0001,
    "templates/layout.html": (
        "<!doctype html>\n<link rel=\"stylesheet\" href=\"{{ url_for('static', filename='style.css') }}\">\n"
        "<title>{{ config.TITLE }}</title>\n{% block body %}{% endblock %}\n"
    ),
    "templates/index.html": (
        '{% extends "layout.html" %}\n{% block body %}<h1>{{ _("Notes") }}</h1>\n'
        '<ul>{% for note in notes %}<li>{{ note }}</li>{% else %}<p>{{ _("No notes yet.") }}</p>'
        "{% endfor %}</ul>{% endblock %}\n"
    ),
    "static/style.css": "h1 { color: teal; }\n",
    "translations/fr/LC_MESSAGES/messages.po": po(
        "fr", {"Notes": "Carnet de notes", "No notes yet.": "Pas encore de notes."}
    ),
}

FLASK_TESTS = {
    "conftest.py": """import pytest
from alembic import command
from alembic.config import Config as Alembic
from importlib.resources import files

from flaskr import create_app
from flaskr.config import Config


def run_migrations(config, revision="head", down=False):
    alembic = Alembic(str(files("flaskr") / "alembic.ini"))
    alembic.set_main_option("sqlalchemy.url", config.database_url)
    (command.downgrade if down else command.upgrade)(alembic, revision)


@pytest.fixture
def migrate():
    return run_migrations


@pytest.fixture
def settings(tmp_path):
    return Config(data_dir=str(tmp_path), language="fr")


@pytest.fixture
def app(settings):
    run_migrations(settings)
    app = create_app(settings)
    yield app
    app.extensions["flaskr.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
""",
    "test_flaskr.py": """from flaskr import create_app, health
from flaskr.config import Config


def test_the_page_is_translated_by_the_compiled_catalogue(client):
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Carnet de notes</h1>" in page and "Pas encore de notes." in page
    assert "/static/style.css" in page


def test_english_needs_no_catalogue(settings, migrate):
    settings.language = "en"
    migrate(settings)
    app = create_app(settings)
    assert "<h1>Notes</h1>" in app.test_client().get("/").get_data(as_text=True)
    app.extensions["flaskr.engine"].dispose()


def test_notes_are_kept_and_counted_by_the_packaged_query(client):
    assert client.post("/notes", data={"text": "hello"}).status_code == 201
    assert "<li>hello</li>" in client.get("/").get_data(as_text=True)
    assert client.get("/stats").json == {"notes": 1, "longest": 5}


def test_the_static_file_ships_in_the_package(client):
    assert client.get("/static/style.css").get_data(as_text=True) == "h1 { color: teal; }\\n"


def test_its_own_commands(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["notes", "add", "from the cli"]).exit_code == 0
    assert runner.invoke(args=["notes", "list"]).output == "from the cli\\n"


def test_ready_once_migrated(settings, migrate):
    try:
        health.ready(settings)
    except Exception as error:
        assert "notes" in str(error)
    else:
        raise AssertionError("ready before the migrations")
    migrate(settings)
    assert health.ready(settings) is None


def test_migrations_go_down_and_up_again(settings, migrate):
    migrate(settings)
    migrate(settings, "base", down=True)
    migrate(settings)
    assert Config(data_dir=settings.data_dir).database_url.endswith("/flaskr.sqlite3")
""",
}

FASTAPI = {
    "config.py": '''"""The API's configuration, from the environment (the Settings its factory takes)."""

import os
from dataclasses import dataclass, field


@dataclass
class Settings:
    data_dir: str = field(default_factory=lambda: os.environ.get("DATA_DIR", "/data"))
    language: str = field(default_factory=lambda: os.environ.get("NOTES_LANGUAGE", "de"))

    @property
    def database_url(self):
        return f"sqlite:///{self.data_dir}/notes.sqlite3"
''',
    "__init__.py": '"""Notes over HTTP, with FastAPI."""\n',
    "main.py": '''"""The app factory."""

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel

from notes_api import i18n, store
from notes_api.config import Settings


class NewNote(BaseModel):
    text: str


def create_app(settings=None):
    settings = settings or Settings()
    engine = store.engine_for(settings)
    env = Environment(
        loader=PackageLoader("notes_api"),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(settings.language), newstyle=True)
    templates = Jinja2Templates(env=env)
    app = FastAPI(title="Notes API")
    app.state.engine = engine
    app.mount("/static", StaticFiles(packages=[("notes_api", "static")]), name="static")

    @app.get("/")
    def index(request: Request):
        return templates.TemplateResponse(request, "index.html", {"notes": store.notes(engine)})

    @app.post("/notes", status_code=201)
    def add(note: NewNote):
        store.add_note(engine, note.text)
        return {"added": True}

    @app.get("/stats")
    def stats():
        return store.stats(engine)

    return app
''',
    "cli.py": '''"""The API's own commands: `python -m notes_api.cli migrate` (the release step), `add`."""

import argparse
from importlib.resources import files

from alembic import command
from alembic.config import Config as Alembic

from notes_api import store
from notes_api.config import Settings


def migrate(settings, revision="head", down=False):
    alembic = Alembic(str(files("notes_api") / "alembic.ini"))
    alembic.set_main_option("sqlalchemy.url", settings.database_url)
    (command.downgrade if down else command.upgrade)(alembic, revision)


def main(argv=None, settings=None):
    parser = argparse.ArgumentParser(prog="notes_api.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate")
    commands.add_parser("add").add_argument("text")
    args = parser.parse_args(argv)
    settings = settings or Settings()
    if args.command == "migrate":
        migrate(settings)
    else:
        engine = store.engine_for(settings)
        store.add_note(engine, args.text)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
''',
    "models.py": MODELS,
    "store.py": STORE.format(pkg="notes_api"),
    "i18n.py": I18N.format(directory="locale", domain="notes_api"),
    "sql/stats.sql": STATS_SQL,
    "alembic.ini": ALEMBIC_INI.format(pkg="notes_api"),
    "migrations/env.py": MIGRATION_ENV.format(pkg="notes_api", config="Settings"),
    "migrations/script.py.mako": SCRIPT_MAKO,
    "migrations/versions/0001_notes.py": MIGRATION_0001,
    "templates/index.html": (
        "<!doctype html>\n<link rel=\"stylesheet\" href=\"{{ url_for('static', path='app.css') }}\">\n"
        '<h1>{{ _("Notes") }}</h1>\n<ul>{% for note in notes %}<li>{{ note }}</li>'
        '{% else %}<p>{{ _("No notes yet.") }}</p>{% endfor %}</ul>\n'
    ),
    "static/app.css": "h1 { color: navy; }\n",
    "locale/de/LC_MESSAGES/notes_api.po": po(
        "de", {"Notes": "Notizen", "No notes yet.": "Noch keine Notizen."}
    ),
}

FASTAPI_TESTS = {
    "conftest.py": """import pytest
from fastapi.testclient import TestClient

from notes_api.cli import migrate
from notes_api.config import Settings
from notes_api.main import create_app


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=str(tmp_path), language="de")


@pytest.fixture
def client(settings):
    migrate(settings)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()
""",
    "test_notes_api.py": """from notes_api import cli, store


def test_the_page_is_translated_by_the_compiled_catalogue(client):
    page = client.get("/").text
    assert "<h1>Notizen</h1>" in page and "Noch keine Notizen." in page
    assert "/static/app.css" in page


def test_notes_are_kept_and_counted_by_the_packaged_query(client):
    assert client.post("/notes", json={"text": "hallo"}).status_code == 201
    assert "<li>hallo</li>" in client.get("/").text
    assert client.get("/stats").json() == {"notes": 1, "longest": 5}


def test_the_static_file_ships_in_the_package(client):
    assert client.get("/static/app.css").text == "h1 { color: navy; }\\n"


def test_its_own_commands(settings):
    assert cli.main(["migrate"], settings) == 0
    assert cli.main(["migrate"], settings) == 0  # the release step runs again on every release
    assert cli.main(["add", "from the cli"], settings) == 0
    engine = store.engine_for(settings)
    assert store.notes(engine) == ["from the cli"]
    engine.dispose()


def test_migrations_go_down_and_up_again(settings):
    cli.migrate(settings)
    cli.migrate(settings, "base", down=True)
    cli.migrate(settings)
""",
}

WORKER = {
    "config.py": '''"""The worker's configuration, from the environment."""

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Config:
    data_dir: str = field(default_factory=lambda: os.environ.get("DATA_DIR", "/data"))

    @property
    def database(self):
        return Path(self.data_dir) / "jobs.sqlite3"

    @property
    def report(self):
        return Path(self.data_dir) / "report.html"
''',
    "__init__.py": '"""Jobs: a worker that records each run and renders a report of them."""\n',
    "db.py": '''"""The worker's database (sqlite3), its schema kept as package data."""

import sqlite3
from contextlib import closing
from importlib.resources import files

SQL = files(__package__) / "sql"


def connect(config):
    return closing(sqlite3.connect(config.database, timeout=10))


def migrate(config):
    with connect(config) as db, db:
        db.executescript((SQL / "schema.sql").read_text())


def record_run(config):
    with connect(config) as db, db:
        db.execute("INSERT INTO runs DEFAULT VALUES")
        return db.execute((SQL / "total.sql").read_text()).fetchone()[0]
''',
    "worker.py": '''"""One unit of work: record a run, render the report into DATA_DIR."""

import logging
import os
from importlib.resources import files

from jinja2 import Environment, PackageLoader, select_autoescape

from jobs import db
from jobs.config import Config

log = logging.getLogger(__name__)
TEMPLATES = Environment(loader=PackageLoader("jobs"), autoescape=select_autoescape())


def render(total):
    css = (files(__package__) / "static" / "report.css").read_text()
    return TEMPLATES.get_template("report.html").render(total=total, css=css)


def run_once(config=None):
    config = config or Config()
    total = db.record_run(config)
    partial = config.report.with_suffix(".tmp")
    partial.write_text(render(total))
    os.replace(partial, config.report)
    log.info("jobs: run %d done", total)
    return total
''',
    "cli.py": '''"""The worker's own commands: `python -m jobs.cli migrate` (the release step), `total`."""

import sys

from jobs import db
from jobs.config import Config


def main(argv=None, config=None):
    argv = sys.argv[1:] if argv is None else argv
    config = config or Config()
    if argv == ["migrate"]:
        db.migrate(config)
        return 0
    if argv == ["total"]:
        with db.connect(config) as connection:
            print(connection.execute("SELECT count(*) FROM runs").fetchone()[0])
        return 0
    print("usage: python -m jobs.cli migrate|total", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
''',
    "sql/schema.sql": (
        "CREATE TABLE IF NOT EXISTS runs (\n    id INTEGER PRIMARY KEY,\n"
        "    at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n"
    ),
    "sql/total.sql": "SELECT count(*) FROM runs;\n",
    "templates/report.html": (
        "<!doctype html>\n<style>{{ css }}</style>\n<h1>Jobs</h1>\n<p>{{ total }} runs so far.</p>\n"
    ),
    "static/report.css": "p { font-weight: bold; }\n",
}

WORKER_TESTS = {
    "conftest.py": """import pytest

from jobs import db
from jobs.config import Config


@pytest.fixture
def settings(tmp_path):
    config = Config(data_dir=str(tmp_path))
    db.migrate(config)
    return config
""",
    "test_jobs.py": """from jobs import cli, worker


def test_each_run_is_recorded_and_reported(settings):
    assert [worker.run_once(settings) for _ in range(2)] == [1, 2]
    report = settings.report.read_text()
    assert "<p>2 runs so far.</p>" in report and "p { font-weight: bold; }" in report


def test_its_own_commands(settings, capsys):
    assert cli.main(["migrate"], settings) == 0  # again: the release step runs on every release
    worker.run_once(settings)
    assert cli.main(["total"], settings) == 0
    assert capsys.readouterr().out == "1\\n"
    assert cli.main(["nonsense"], settings) == 2
""",
}


# Django: a project package `bookshelf` (config.py, settings, urls, wsgi, a manage.py-like cli.py)
# and an app `catalog` (model, migration, views, template, static file, .sql, a management command).
DJANGO = {
    "bookshelf/__init__.py": "",
    "bookshelf/config.py": '''"""Bookshelf's configuration, from the environment (settings.py reads it)."""

import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("DATA_DIR", "/data"))
SECRET_KEY = os.environ.get("BOOKSHELF_SECRET_KEY", "insecure-key-for-tests-and-the-dev-loop")
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
''',
    "bookshelf/settings.py": '''"""Django settings for Bookshelf."""

from pathlib import Path

from bookshelf import config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = config.SECRET_KEY
DEBUG = config.DEBUG
ALLOWED_HOSTS = [*config.ALLOWED_HOSTS, "testserver"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.staticfiles", "catalog"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "bookshelf.urls"
WSGI_APPLICATION = "bookshelf.wsgi.application"
TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True}
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": config.DATA_DIR / "bookshelf.sqlite3"}
}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
# Filled by collectstatic, the build step; read-only in the image.
STATIC_ROOT = BASE_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
''',
    "bookshelf/urls.py": """from django.urls import include, path

urlpatterns = [path("", include("catalog.urls"))]
""",
    "bookshelf/wsgi.py": """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshelf.settings")

application = get_wsgi_application()
""",
    "bookshelf/cli.py": '''"""Bookshelf's manage.py: `python -m bookshelf.cli COMMAND`."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookshelf.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bookshelf", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
''',
    "catalog/__init__.py": "",
    "catalog/apps.py": """from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
""",
    "catalog/models.py": """from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=200)
""",
    "catalog/migrations/__init__.py": "",
    "catalog/migrations/0001_initial.py": """from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=200)),
            ],
        ),
    ]
""",
    "catalog/views.py": """from importlib.resources import files

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Book

STATS = (files(__package__) / "sql" / "stats.sql").read_text()


@require_GET
def index(request):
    return render(request, "catalog/index.html", {"books": Book.objects.order_by("id")})


@require_POST
def add(request):
    Book.objects.create(title=request.POST["text"])
    return JsonResponse({"added": True}, status=201)


def stats_of_books():
    with connection.cursor() as cursor:
        cursor.execute(STATS)
        books, longest = cursor.fetchone()
    return {"books": books, "longest": longest}


@require_GET
def stats(request):
    return JsonResponse(stats_of_books())
""",
    "catalog/urls.py": """from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.index),
    path("notes", views.add),
    path("stats", views.stats),
]
""",
    "catalog/sql/stats.sql": "SELECT count(*), coalesce(max(length(title)), 0) FROM catalog_book;\n",
    "catalog/templates/catalog/index.html": (
        "{% load static %}<!doctype html>\n"
        '<link rel="stylesheet" href="{% static \'catalog/site.css\' %}">\n<h1>Bookshelf</h1>\n'
        "<ul>{% for book in books %}<li>{{ book.title }}</li>{% empty %}<p>No books yet.</p>"
        "{% endfor %}</ul>\n"
    ),
    "catalog/static/catalog/site.css": "h1 { color: maroon; }\n",
    "catalog/management/__init__.py": "",
    "catalog/management/commands/__init__.py": "",
    "catalog/management/commands/addbook.py": """from django.core.management.base import BaseCommand

from catalog.models import Book


class Command(BaseCommand):
    help = "Add a book."

    def add_arguments(self, parser):
        parser.add_argument("title")

    def handle(self, *args, title, **options):
        Book.objects.create(title=title)
""",
}

DJANGO_TESTS = {
    "conftest.py": '''import pytest


@pytest.fixture
def settings(settings, tmp_path):
    """pytest-django's settings, with the app's files kept in tmp_path."""
    settings.MEDIA_ROOT = tmp_path
    return settings
''',
    "test_catalog.py": """import re

import pytest
from django.core.management import call_command

from bookshelf import cli, wsgi
from catalog.models import Book

pytestmark = pytest.mark.django_db


def test_the_page_links_the_collected_stylesheet(client, settings):
    Book.objects.create(title="Dune")
    page = client.get("/").content.decode()
    assert "<h1>Bookshelf</h1>" in page and "<li>Dune</li>" in page
    # A hashed name: the build step's collectstatic wrote the manifest it comes from.
    assert re.search(r"/static/catalog/site\\.[0-9a-f]{12}\\.css", page), page


def test_the_static_file_is_served(client):
    response = client.get("/static/catalog/site.css")
    assert b"".join(response.streaming_content) == b"h1 { color: maroon; }\\n"


def test_books_are_added_and_counted_by_the_packaged_query(client):
    assert client.post("/notes", {"text": "Emma"}).status_code == 201
    assert client.get("/stats").json() == {"books": 1, "longest": 4}


def test_its_own_commands():
    call_command("addbook", "Ulysses")
    assert list(Book.objects.values_list("title", flat=True)) == ["Ulysses"]
    cli.main(["check"])
    assert callable(wsgi.application)
""",
}


class App:
    """An app to move in: its package, files, tests, pins and [tool.servicehost] settings."""

    def __init__(self, framework, package, files, tests, servicehost, page=None, static=None):
        self.framework = framework
        self.package = package
        # Files keyed by their path under src/: the package (or several) with its data.
        # (Django's name their packages: a project and an app; the others are one package.)
        if framework != "django":
            files = {f"{package}/{name}": text for name, text in files.items()}
        self.files = files
        self.packages = sorted({name.partition("/")[0] for name in self.files})
        self.tests = tests
        self.pins = PINS[framework]
        self.servicehost = servicehost
        self.page = page  # (path, text the page must hold), served by the running service
        self.static = static  # (path, its content)


APPS = {
    "flask": App(
        "flask",
        "flaskr",
        FLASK,
        FLASK_TESTS,
        {
            "app": "flaskr:create_app()",
            "ready": "flaskr.health:ready",
            "build-steps": ["pybabel compile --directory src/flaskr/translations"],
            "release": ["alembic -c src/flaskr/alembic.ini upgrade head"],
        },
        page=("/", "<h1>Carnet de notes</h1>"),
        static=("/static/style.css", FLASK["static/style.css"]),
    ),
    "fastapi": App(
        "fastapi",
        "notes_api",
        FASTAPI,
        FASTAPI_TESTS,
        {
            "app": "notes_api.main:create_app()",
            "build-steps": ["pybabel compile --directory src/notes_api/locale --domain notes_api"],
            "release": ["python -m notes_api.cli migrate"],
        },
        page=("/", "<h1>Notizen</h1>"),
        static=("/static/app.css", FASTAPI["static/app.css"]),
    ),
    "none": App(
        "none",
        "jobs",
        WORKER,
        WORKER_TESTS,
        {"app": "jobs.worker:run_once", "release": ["python -m jobs.cli migrate"]},
    ),
    "django": App(
        "django",
        "catalog",
        DJANGO,
        DJANGO_TESTS,
        {
            "app": "bookshelf.wsgi:application",
            "build-steps": ["django-admin collectstatic --noinput"],
            "release": ["django-admin migrate --noinput"],
        },
        page=("/", "<h1>Bookshelf</h1>"),
        static=("/static/catalog/site.css", DJANGO["catalog/static/catalog/site.css"]),
    ),
}


def toml_value(value):
    """A TOML string or list of strings (they hold no quotes or backslashes)."""
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'


def servicehost_table(text):
    """(start, end) offsets of pyproject.toml's [tool.servicehost] table."""
    start = text.index("[tool.servicehost]\n")
    following = re.compile(r"^\[", re.MULTILINE).search(text, start + 1)
    return start, following.start() if following else len(text)


def set_servicehost(project, **values):
    """Set keys of [tool.servicehost] in the project's pyproject.toml, touching nothing else."""
    path = project.path / "pyproject.toml"
    text = path.read_text()
    start, end = servicehost_table(text)
    table = text[start:end]
    for key, value in values.items():
        line = f"{key} = {toml_value(value)}"
        table, found = re.subn(rf"^{re.escape(key)} = .*$", line, table, flags=re.MULTILINE)
        if not found:
            table = table.rstrip("\n") + f"\n{line}\n\n"
    path.write_text(text[:start] + table + text[end:])


def add_requirements(project, requirements):
    """Add lines to install_requires in setup.py (the README's step 2)."""
    path = project.path / "setup.py"
    text = path.read_text()
    lines = "".join(f'        "{r}",\n' for r in requirements)
    if "install_requires=[]," in text:
        text = text.replace("install_requires=[],", "install_requires=[\n" + lines + "    ],")
    else:
        assert text.count("install_requires=[\n") == 1, text
        text = text.replace("install_requires=[\n", "install_requires=[\n" + lines)
    path.write_text(text)


def example_packages(project):
    """The bake's example: every package under src/ but the template's servicehost (one, or
    Django's two: its project and its app)."""
    src = project.path / "src"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and p.name != "servicehost")


def delete_example(project):
    """Delete the example app: its package(s) and tests/test_example.py."""
    for name in example_packages(project):
        shutil.rmtree(project.path / "src" / name)
    (project.path / "tests" / "test_example.py").unlink()


def move_in(project, app):
    """Move `app` into a baked project (a harness.projects.Project) by the README's steps:
    (1) its package into src/ and its tests into tests/, the example deleted; (2) its pinned
    dependencies into install_requires (locked afterwards with `invoke lock`); (3) its settings
    in [tool.servicehost]."""
    delete_example(project)
    for name, text in app.files.items():
        project.write(f"src/{name}", text)
    for name, text in app.tests.items():
        project.write(f"tests/{name}", text)
    add_requirements(project, [f"{name}=={version}" for name, version in app.pins.items()])
    set_servicehost(project, **app.servicehost)
