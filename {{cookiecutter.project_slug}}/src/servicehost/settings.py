{%- set web = cookiecutter.framework != "none" -%}
"""The service's settings: what the app is (pyproject.toml's [tool.servicehost]), and how it runs
(environment variables, so one image runs in every environment). README.md lists them."""

import contextlib
{%- if cookiecutter.framework == "django" %}
import importlib.util
{%- endif %}
import logging
import os
{%- if cookiecutter.framework == "django" %}
import re
{%- endif %}
import sys
import tomllib
from dataclasses import dataclass{% if web %}, field{% endif %}
from pathlib import Path

# The project's root: /app in the image and in the dev loop, where pyproject.toml is.
ROOT = Path(__file__).resolve().parent.parent.parent
PYPROJECT = ROOT / "pyproject.toml"


class SettingError(Exception):
    """A setting has a value the service cannot use; the message is one sentence saying so."""


def project_table(path=PYPROJECT):
    """[tool.servicehost] of pyproject.toml (empty without the file, e.g. in a wheel install)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    try:
        return tomllib.loads(text).get("tool", {}).get("servicehost", {})
    except tomllib.TOMLDecodeError as error:
        raise SettingError(f"{path} is not valid TOML ({error}): fix it and retry.") from None


def commands(table, key):
    """A list of commands under `key` (one string, or a list of them)."""
    value = table.get(key, [])
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingError(
            f"[tool.servicehost] {key} in pyproject.toml must be a command or a list of commands"
            f" (strings), not {value!r}."
        )
    return tuple(v for v in value if v.strip())


def cpus():
    """CPUs this process may use: its affinity, capped by a cgroup v2 CPU quota (docker --cpus)."""
    count = len(os.sched_getaffinity(0))
    with contextlib.suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            count = min(count, max(1, -(-int(quota) // int(period))))
    return count


def number(environ, name, default, kind=int, minimum=1):
    """An environment variable as a number of at least `minimum`, or one sentence why not."""
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SettingError(f"{name} is {raw!r}: set it to a number of at least {minimum}.")
    return value


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
{%- if web %}
ON, OFF = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def flag(environ, name, default):
    """An environment variable that is on (1, true, yes, on) or off (0, false, no, off)."""
    raw = environ.get(name, "")
    if raw == "":
        return default
    if raw.lower() not in ON + OFF:
        raise SettingError(f"{name} is {raw!r}: set it to 1 (on) or 0 (off).")
    return raw.lower() in ON
{%- endif %}


def choice(environ, name, default, allowed):
    """An environment variable that is one of `allowed` (in any case), or one sentence why not."""
    value = environ.get(name, default).upper()
    if value not in allowed:
        raise SettingError(f"{name} is {environ[name]!r}: set it to one of {', '.join(allowed)}.")
    return value
{%- if web %}


def path(environ, name, default):
    """An environment variable that must be a URL path, or one sentence why not."""
    value = environ.get(name, default)
    if not value.startswith("/"):
        raise SettingError(f"{name} is {value!r}: set it to a path starting with /, e.g. /healthz.")
    return value
{%- endif %}


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with."""

    # The app, spelled as gunicorn spells it: "package.module:app" or "package.module:factory()".
    app: str = ""
    # A function the health endpoint calls{% if not web %} (unused by a worker){% endif %}: it returns nothing when the app
    # can serve ("the database answers") and raises, or returns a reason, when it cannot.
    ready: str = ""
    # Commands run in the image build on the code that ships (collectstatic, compiling
    # translations), before the tests; and the release step (migrations), run before the service.
    build_steps: tuple = ()
    release: tuple = ()
    log_level: str = "INFO"
    # The one directory the service writes its state to (the image's data volume).
    data_dir: str = "/data"
    # Where debugpy listens under `dev --debug`.
    debug_port: int = 5678
{%- if cookiecutter.database == "postgres" %}
    # How long `serve`, `release` and `dev` wait for the database (DATABASE_URL) to answer.
    database_wait: float = 30.0
{%- endif %}
{%- if web %}
    host: str = "0.0.0.0"
    port: int = {{ cookiecutter.port }}
    # Server processes; the default suits a container: see README.md.
    workers: int = field(default_factory=lambda: {% if cookiecutter.framework == "fastapi" %}cpus(){% else %}2 * cpus() + 1{% endif %})
    health_path: str = "/healthz"
    # Seconds SIGTERM's graceful shutdown lets requests in flight finish (orchestrators wait 30).
    graceful_timeout: int = 20
    # A line on stdout for every request (off, as gunicorn has it: it costs throughput).
    access_log: bool = False
{%- else %}
    interval: float = 5.0
    heartbeat_file: str = "/tmp/{{ cookiecutter.project_slug }}.heartbeat"
{%- endif %}

    @classmethod
    def load(cls, environ=os.environ, pyproject=PYPROJECT):
        """The settings: environment variables first, then pyproject.toml, then the defaults."""
        table = project_table(pyproject)
        for key, value in (("app", table.get("app", "")), ("ready", table.get("ready", ""))):
            if not isinstance(value, str):
                raise SettingError(
                    f"[tool.servicehost] {key} in pyproject.toml must be a string like"
                    f' "package.module:app", not {value!r}.'
                )
        defaults = cls()
        return cls(
            app=environ.get("APP", table.get("app", "")).strip(),
            ready=environ.get("READY", table.get("ready", "")).strip(),
            build_steps=commands(table, "build-steps"),
            release=commands(table, "release"),
            log_level=choice(environ, "LOG_LEVEL", defaults.log_level.upper(), LOG_LEVELS),
            data_dir=environ.get("DATA_DIR", defaults.data_dir),
            debug_port=number(environ, "DEBUG_PORT", defaults.debug_port),
{%- if cookiecutter.database == "postgres" %}
            database_wait=number(environ, "DATABASE_WAIT", defaults.database_wait, float, 0),
{%- endif %}
{%- if web %}
            host=environ.get("HOST", defaults.host),
            port=number(environ, "PORT", defaults.port),
            workers=number(environ, "WORKERS", defaults.workers),
            health_path=path(environ, "HEALTH_PATH", defaults.health_path),
            graceful_timeout=number(environ, "GRACEFUL_TIMEOUT", defaults.graceful_timeout, int, 0),
            access_log=flag(environ, "ACCESS_LOG", defaults.access_log),
{%- else %}
            interval=number(environ, "WORK_INTERVAL", defaults.interval, float, 0),
            heartbeat_file=environ.get("HEARTBEAT_FILE", defaults.heartbeat_file),
{%- endif %}
        )


{% if cookiecutter.framework == "django" -%}
# Django's own line in a project's wsgi.py, asgi.py and manage.py.
SETTINGS_LINE = re.compile(
    r"""os\.environ\.setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']\s*\)"""
)


def django_settings_module(app):
    """The settings module of the Django project the app setting names: the one its module sets
    (Django's `os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)` in wsgi.py), else the
    `settings` module beside it; None without an app. Read from the source, not imported."""
    module_name = app.partition(":")[0].strip()
    if not module_name:
        return None
    package = module_name.rpartition(".")[0] or module_name
    with contextlib.suppress(ImportError, ValueError, OSError):
        spec = importlib.util.find_spec(module_name)
        if spec and spec.origin and spec.origin.endswith(".py"):
            found = SETTINGS_LINE.search(Path(spec.origin).read_text())
            if found:
                return found.group(1)
    return f"{package}.settings"


def use_django_settings(settings, environ=os.environ):
    """Set DJANGO_SETTINGS_MODULE for this process and every command it runs (release and build
    steps, `django-admin ...`), unless the environment already sets it."""
    module = django_settings_module(settings.app)
    if module:
        environ.setdefault("DJANGO_SETTINGS_MODULE", module)


{% endif -%}
def data_dir_problem(data_dir):
    """Why the service cannot keep its state in data_dir, in one sentence, or None."""
    path = Path(data_dir)
    if not path.is_dir():
        return (
            f"DATA_DIR is {path}, which is not a directory: mount a volume there "
            "or set DATA_DIR to a writable directory."
        )
    if not os.access(path, os.W_OK | os.X_OK):
        return (
            f"DATA_DIR is {path}, which uid {os.getuid()} cannot write to: mount a writable "
            "volume there or set DATA_DIR to a writable directory."
        )
    return None


def configure_logging(settings):
    """Log to stdout, where `docker logs` and every log collector look."""
    logging.basicConfig(
        stream=sys.stdout,
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
