{%- set web = cookiecutter.framework != "none" -%}
{%- set postgres = cookiecutter.database == "postgres" -%}
"""The service host (src/servicehost): its command, settings, app loading{% if web %} and health{% else %}, worker loop{% endif %},
with an app of the test's own. Part of the template, like the package it tests."""

{% if cookiecutter.framework == "fastapi" %}import asyncio
{% endif %}{% if postgres %}import hashlib
{% endif %}{% if web %}import http.server
import json
{% endif %}{% if cookiecutter.framework == "django" or postgres %}import os
{% endif %}import sys
import threading
from importlib.metadata import version

{% if postgres %}import psycopg
{% endif %}import pytest

from servicehost import command{% if postgres %}, database{% endif %}{% if web %}, health{% endif %}
from servicehost.load import load
{%- if not web %}
from servicehost.server import Worker
{%- endif %}
{%- if cookiecutter.framework == "django" %}
from servicehost.settings import (
    SettingError,
    Settings,
    django_settings_module,
    use_django_settings,
)
{%- else %}
from servicehost.settings import SettingError, Settings
{%- endif %}

VERSION = version("{{ cookiecutter.project_slug }}")


@pytest.fixture
def pyproject(tmp_path):
    """write(text) -> a pyproject.toml of the test's own, holding [tool.servicehost] `text`."""

    def write(text):
        path = tmp_path / "pyproject.toml"
        path.write_text(f"[tool.servicehost]\n{text}\n")
        return path

    return write


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        command.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == VERSION


def test_dev_refuses_wait_without_debug(capsys):
    with pytest.raises(SystemExit) as exit_info:
        command.main(["dev", "--wait"])
    assert exit_info.value.code == 2
    assert "use it with --debug" in capsys.readouterr().err


def test_settings_come_from_the_environment_then_pyproject(pyproject):
    path = pyproject('app = "pkg.mod:create_app()"\nrelease = "migrate"\nbuild-steps = ["a", "b"]')
    settings = Settings.load({"LOG_LEVEL": "debug"}, path)
    assert (settings.app, settings.release, settings.build_steps) == (
        "pkg.mod:create_app()",
        ("migrate",),
        ("a", "b"),
    )
    assert settings.log_level == "DEBUG"
    assert Settings.load({"APP": "other:app"}, path).app == "other:app"
{%- if web %}
    settings = Settings.load({"PORT": "9000", "WORKERS": "3", "ACCESS_LOG": "1"}, path)
    assert (settings.port, settings.workers, settings.access_log) == (9000, 3, True)
    assert not Settings.load({}, path).access_log
{%- else %}
    assert Settings.load({"WORK_INTERVAL": "0.5"}, path).interval == 0.5
{%- endif %}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"LOG_LEVEL": "loud"},
            "LOG_LEVEL is 'loud': set it to one of DEBUG, INFO, WARNING, ERROR, CRITICAL.",
        ),
{%- if web %}
        ({"PORT": "eighty"}, "PORT is 'eighty': set it to a number of at least 1."),
        (
            {"HEALTH_PATH": "healthz"},
            "HEALTH_PATH is 'healthz': set it to a path starting with /, e.g. /healthz.",
        ),
        ({"WORKERS": "0"}, "WORKERS is '0': set it to a number of at least 1."),
        ({"ACCESS_LOG": "loud"}, "ACCESS_LOG is 'loud': set it to 1 (on) or 0 (off)."),
{%- else %}
        ({"WORK_INTERVAL": "soon"}, "WORK_INTERVAL is 'soon': set it to a number of at least 0."),
{%- endif %}
    ],
)
def test_a_bad_setting_is_one_sentence(environ, message, pyproject):
    with pytest.raises(SettingError) as error:
        Settings.load(environ, pyproject(""))
    assert str(error.value) == message


def test_a_bad_step_list_is_one_sentence(pyproject):
    with pytest.raises(SettingError, match=r"release in pyproject.toml must be a command or"):
        Settings.load({}, pyproject("release = 3"))


def test_a_dependency_the_app_lacks_is_not_taken_for_a_missing_app(tmp_path, monkeypatch):
    (tmp_path / "needs_more.py").write_text("import not_installed_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="not_installed_anywhere"):
        load("needs_more:app")


def factory(greeting="hello"):
    """An app factory for the loading tests."""
    return {"greeting": greeting}


@pytest.mark.parametrize(
    ("spec", "loaded"),
    [
        ("test_servicehost:factory()", {"greeting": "hello"}),
        ("test_servicehost:factory('hi')", {"greeting": "hi"}),
        ("test_servicehost:VERSION", VERSION),
    ],
)
def test_the_app_is_spelled_as_gunicorn_spells_it(spec, loaded):
    assert load(spec) == loaded


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchpackage.app:app", "there is no module 'nosuchpackage'"),
        ("test_servicehost:nothing", "test_servicehost has no 'nothing'"),
        ("test_servicehost:factory(greeting=print)", "with literal arguments only"),
        (":app", "which names no module"),
    ],
)
def test_an_app_that_cannot_be_loaded_is_one_sentence(spec, message):
    with pytest.raises(SettingError) as error:
        load(spec)
    assert str(error.value).startswith(f"APP is {spec!r}") and message in str(error.value)
{%- if web %}
{%- if cookiecutter.framework == "fastapi" %}


def get(app, path):
    """(status, body) of a GET through an ASGI app, without a server."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def own_app(scope, receive, send):
    """The app's own answer: 200 "own" for every path."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"own"})
{%- else %}


def get(app, path):
    """(status, body) of a GET through a WSGI app, without a server."""
    started = []
    body = app({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda s, h: started.append(s))
    return int(started[0].split()[0]), b"".join(body)


def own_app(environ, start_response):
    """The app's own answer: 200 "own" for every path."""
    start_response("200 OK", [])
    return [b"own"]
{%- endif %}


def ready_never():
    """A readiness function whose database never answers."""
    raise ConnectionError("the database does not answer")


def test_the_health_endpoint_answers_for_any_app():
    service = health.wrap(own_app, Settings())
    ok = json.dumps({"status": "ok", "version": VERSION}).encode()
    assert get(service, "/healthz") == (200, ok)
    assert get(service, "/anything") == (200, b"own")


def test_the_health_endpoint_reports_the_apps_readiness():
    service = health.wrap(own_app, Settings(ready="test_servicehost:ready_never"))
    status, body = get(service, "/healthz")
    assert status == 503
    assert json.loads(body)["reason"] == "ConnectionError: the database does not answer"


def test_liveness_answers_while_readiness_fails():
    service = health.wrap(own_app, Settings(ready="test_servicehost:ready_never"))
    assert get(service, "/healthz")[0] == 503
    status, body = get(service, "/healthz/live")
    assert status == 200 and json.loads(body)["status"] == "alive"
{%- if cookiecutter.database == "postgres" %}


def test_health_asks_the_database_first(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    service = health.wrap(own_app, Settings())
    status, body = get(service, "/healthz")
    assert status == 503
    reason = json.loads(body)["reason"]
    assert reason.startswith("the database at 127.0.0.1:1/nothing does not answer"), reason
    assert get(service, "/healthz/live")[0] == 200
{%- endif %}


def test_without_an_app_only_health_answers():
    service = health.wrap(None, Settings(health_path="/live"))
    assert get(service, "/live")[0] == 200
    assert get(service, "/") == (404, b"")


def test_healthcheck_fails_when_nothing_answers():
    assert command.healthcheck(Settings(port=1)) == 1


@pytest.fixture
def answering():
    """The port of a real HTTP server of the test's own, for two requests: 200 on /healthz, 503
    elsewhere."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/healthz"
            self.send_response(200 if ok else 503)
            self.end_headers()
            self.wfile.write(b"ok" if ok else b"not ready")

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def two_requests():  # then done: serve_forever's shutdown would wait out its 0.5 s poll
        server.handle_request()
        server.handle_request()

    threading.Thread(target=two_requests, daemon=True).start()
    yield server.server_address[1]
    server.server_close()


def test_healthcheck_passes_on_200_and_says_what_else_answered(answering, capsys):
    assert command.healthcheck(Settings(port=answering, health_path="/healthz")) == 0
    assert command.healthcheck(Settings(port=answering, health_path="/other")) == 1
    assert "/other answered 503: not ready" in capsys.readouterr().err
{%- else %}


def test_healthcheck_fails_without_heartbeat(tmp_path):
    assert command.healthcheck(Settings(heartbeat_file=str(tmp_path / "beat"))) == 1


def test_the_loop_works_and_beats_until_stopped(tmp_path):
    settings = Settings(interval=0.01, heartbeat_file=str(tmp_path / "beat"))
    units = []
    worker = Worker(settings, work=lambda: units.append(1))
    threading.Timer(0.05, worker.stop).start()
    worker.loop()  # returns only because stop() was called
    assert worker.done == len(units) >= 2
    assert command.healthcheck(settings) == 0


def test_a_failing_unit_is_logged_and_leaves_no_heartbeat(tmp_path, caplog):
    settings = Settings(interval=0.01, heartbeat_file=str(tmp_path / "beat"))

    def fails():
        worker.stop()
        raise RuntimeError("the queue is gone")

    worker = Worker(settings, work=fails)
    worker.loop()
    assert worker.done == 0 and "a unit of work failed" in caplog.text
    assert command.healthcheck(settings) == 1
{%- endif %}

{%- if cookiecutter.framework == "django" %}


@pytest.fixture
def django_project(tmp_path, monkeypatch):
    """make(name, wsgi_source) -> a package `name` on sys.path with that wsgi.py."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(name, source):
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "wsgi.py").write_text(source)
        return package

    return make


def test_the_settings_module_is_the_one_the_app_module_names(django_project):
    source = 'import os\nos.environ.setdefault(\n    "DJANGO_SETTINGS_MODULE", "conf.prod"\n)\n'
    django_project("named_pkg", source)
    assert django_settings_module("named_pkg.wsgi:application") == "conf.prod"


def test_the_settings_module_is_beside_the_app_module_otherwise(django_project):
    django_project("plain_pkg", "application = None\n")
    assert django_settings_module("plain_pkg.wsgi:application") == "plain_pkg.settings"
    assert django_settings_module("missing.wsgi") == "missing.settings"
    assert django_settings_module("") is None


def test_the_environment_chooses_the_settings_module_first():
    environ = {"DJANGO_SETTINGS_MODULE": "mine.settings"}
    use_django_settings(Settings(app="other.wsgi:application"), environ)
    assert environ == {"DJANGO_SETTINGS_MODULE": "mine.settings"}
    environ = {}
    use_django_settings(Settings(app="other.wsgi:application"), environ)
    assert environ == {"DJANGO_SETTINGS_MODULE": "other.settings"}


def test_commands_it_runs_get_the_settings_module(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("APP", "other.wsgi:application")
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    seen = []
    monkeypatch.setattr("os.execvp", lambda *_: seen.append(os.environ["DJANGO_SETTINGS_MODULE"]))
    command.main(["django-admin", "migrate"])
    assert seen == ["other.settings"]
{%- endif %}


@pytest.mark.parametrize("make", ["nothing", "a file"])
def test_a_data_dir_that_is_not_a_directory_is_one_sentence(tmp_path, monkeypatch, capsys, make):
    path = tmp_path / "state"
    if make == "a file":
        path.write_text("")
    monkeypatch.setenv("DATA_DIR", str(path))
    assert command.main(["serve"]) == 2
    assert capsys.readouterr().err == (
        f"DATA_DIR is {path}, which is not a directory: mount a volume there "
        "or set DATA_DIR to a writable directory.\n"
    )


def test_a_data_dir_in_the_working_copy_is_made_for_any_command(tmp_path, monkeypatch):
    # The dev loop's DATA_DIR (data/ of the mounted working copy), also for `invoke shell`.
    monkeypatch.setattr(command, "ROOT", tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("os.execvp", lambda *_: None)
    assert command.main(["python", "-V"]) == 0
    assert (tmp_path / "data").is_dir()


def test_any_other_command_runs_as_given(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    ran = []
    monkeypatch.setattr("os.execvp", lambda program, argv: ran.append(argv))
    command.main(["alembic", "upgrade", "head"])
    assert ran == [["alembic", "upgrade", "head"]]  # in place of this process, as PID 1

    def missing(program, argv):
        raise FileNotFoundError(program)

    monkeypatch.setattr("os.execvp", missing)
    assert command.main(["no-such-program"]) == 127
    assert capsys.readouterr().err.startswith("There is no command 'no-such-program' in the image")


def test_a_failing_release_step_is_one_sentence_and_stops(capsys):
    settings = Settings(release=(f"{sys.executable} -c 'raise SystemExit(3)'", "never-run"))
    assert command.release(settings) == 3
    err = capsys.readouterr().err
    assert "The release step `" in err and "` failed (exit code 3): see its output above." in err
    assert "The service was not started" in err and "never-run" not in err


def test_build_steps_run_in_order(tmp_path):
    made = tmp_path / "made"
    steps = (f"mkdir {made}", f"touch {made / 'second'}")
    assert command.build_steps(Settings(build_steps=steps)) == 0
    assert (made / "second").is_file()
{%- if cookiecutter.database == "postgres" %}


def test_the_password_file_goes_into_database_url_and_never_into_a_message(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("p@ss/word:1\n")
    environ = {"DATABASE_URL": "postgresql://app@db:5432/app"}
    environ["DATABASE_PASSWORD_FILE"] = str(secret)
    url = database.configure(environ)
    assert url == environ["DATABASE_URL"] == "postgresql://app:p%40ss%2Fword%3A1@db:5432/app"
    assert "DATABASE_PASSWORD_FILE" not in environ  # in the URL now: a child does not add it again
    assert database.configure(environ) == url
    assert database.hidden(url) == "postgresql://app:***@db:5432/app"


@pytest.mark.parametrize(
    "environ, sentence",
    [
        ({}, "DATABASE_URL is not set: set it to postgresql://USER@HOST:PORT/DATABASE"),
        ({"DATABASE_URL": "mysql://u:s3cret@db/app"}, "DATABASE_URL is 'mysql://u:***@db/app': it"),
        (
            {"DATABASE_URL": "postgresql://u:s3cret@db:x/app"},
            "DATABASE_URL is 'postgresql://u:***@db:x/app', which is not a URL",
        ),
        (
            {"DATABASE_URL": "postgresql://u:s3cret@db"},
            "DATABASE_URL is 'postgresql://u:***@db', which names no database",
        ),
        (
            {"DATABASE_URL": "postgresql://u:s3cret@db/app", "DATABASE_PASSWORD_FILE": "/nowhere"},
            "DATABASE_URL has a password and DATABASE_PASSWORD_FILE is set too: give it once.",
        ),
        (
            {"DATABASE_URL": "postgresql://u@db/app", "DATABASE_PASSWORD_FILE": "/nowhere"},
            "DATABASE_PASSWORD_FILE is /nowhere, which cannot be read",
        ),
    ],
)
def test_a_bad_database_setting_is_one_sentence_without_the_password(environ, sentence):
    with pytest.raises(SettingError) as error:
        database.configure(dict(environ))
    assert str(error.value).startswith(sentence) and "s3cret" not in str(error.value)


def test_release_steps_of_two_replicas_never_run_at_once():
    url = os.environ["DATABASE_URL"]  # the run's database (servicehost.pytest_plugin)
    with database.locked(url, "release step"):
        with database.locked(url, "another lock"):  # other names do not wait
            pass
        key = int.from_bytes(hashlib.sha256(b"release step").digest()[:8], "big", signed=True)
        with psycopg.connect(url, autocommit=True) as other:
            assert other.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone() == (False,)
{%- endif %}
